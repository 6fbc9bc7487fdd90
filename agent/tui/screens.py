"""Modal screens: the approval of one proposal, its args editor, a reason prompt, and the error modal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, TypeVar

from pydantic import JsonValue
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Static, TextArea

from agent.approval.request import Answer, ApprovalRequest
from agent.tui.text import args_json, field, proposal_details, safe
from tools.transport.known_hosts import NewHostKey

MODAL_CSS = """
    #dialog {
        width: 100; max-width: 95%; height: auto; max-height: 95%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    #details { height: auto; max-height: 55vh; }
    .note { color: $error; height: auto; }
    .buttons { height: auto; margin-top: 1; }
    .buttons Button { margin-right: 1; min-width: 8; width: auto; }
"""


ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    """A modal whose buttons run the action named by their id (the same as its keys), with an error line."""

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        """Buttons run the same actions as the keys."""
        if event.button.id is not None:
            await self.run_action(event.button.id)

    def show_error(self, message: str) -> None:
        """Show `message` (untrusted text welcome) in the dialog's `#error` line."""
        self.query_one("#error", Static).update(safe(message))


class ApprovalScreen(Dialog[Answer | None]):
    """One proposal in full; the answer is approve, edit (new args), deny (reason), skip or abort; None
    when the human leaves without answering (the case pauses)."""

    DEFAULT_CSS = "ApprovalScreen { align: center middle; }" + MODAL_CSS
    AUTO_FOCUS = ""  # no button has focus: a stray Enter answers nothing
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "approve", "Approve"),
        Binding("e", "edit", "Edit args"),
        Binding("d", "deny", "Deny"),
        Binding("s", "skip", "Skip"),
        Binding("b", "abort", "Abort case"),
        Binding("v", "evidence", "Evidence so far"),
        Binding("q", "leave", "Pause & leave"),
    ]

    def __init__(self, request: ApprovalRequest, *, on_evidence: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.request = request
        self.on_evidence = on_evidence

    def compose(self) -> ComposeResult:
        """Details, the refusal of a previous answer if any, and one button per answer."""
        with Vertical(id="dialog"):
            with VerticalScroll(id="details"):
                yield Static(proposal_details(self.request), id="proposal")
            if self.request.validation_note:
                yield Static(safe(f"! {self.request.validation_note}"), classes="note", id="refusal")
            with Horizontal(classes="buttons"):
                yield Button("Approve", id="approve", variant="success")
                yield Button("Edit", id="edit", variant="primary")
                yield Button("Deny", id="deny", variant="error")
                yield Button("Skip", id="skip")
                yield Button("Abort", id="abort", variant="warning")
                yield Button("Evidence", id="evidence")
        yield Footer()  # a modal has no footer of its own: this one lists the answer keys

    def action_evidence(self) -> None:
        """Look at what ran so far before answering (the question stays open)."""
        if self.on_evidence is not None:
            self.on_evidence()

    def action_leave(self) -> None:
        """No answer: the case pauses at this question."""
        self.dismiss(None)

    def action_approve(self) -> None:
        """Approve as proposed."""
        self.dismiss(Answer(verdict="approve"))

    def action_edit(self) -> None:
        """Open the args editor; a saved edit is the answer, a cancelled one returns here."""

        def edited(args: dict[str, JsonValue] | None) -> None:
            if args is not None:
                self.dismiss(Answer(verdict="edit", args=args))

        self.app.push_screen(
            EditArgsScreen(self.request.proposal.args, tool=self.request.proposal.tool), edited
        )

    def action_deny(self) -> None:
        """Ask why (required), then deny."""

        def reasoned(reason: str | None) -> None:
            if reason:
                self.dismiss(Answer(verdict="deny", reason=reason))

        self.app.push_screen(ReasonScreen("Deny: why? (recorded in the ledger)", required=True), reasoned)

    def action_skip(self) -> None:
        """Skip the step (an optional reason)."""
        self._with_optional_reason("skip", "Skip this step: why? (optional)")

    def action_abort(self) -> None:
        """End the case here (an optional reason); the remaining steps do not run."""
        self._with_optional_reason("abort", "Abort the case: no further step runs. Why? (optional)")

    def _with_optional_reason(self, verdict: str, prompt: str) -> None:
        def reasoned(reason: str | None) -> None:
            if reason is not None:
                answer = Answer.model_validate({"verdict": verdict, "reason": reason or None})
                self.dismiss(answer)

        self.app.push_screen(ReasonScreen(prompt, required=False), reasoned)


class EditArgsScreen(Dialog[dict[str, JsonValue] | None]):
    """The complete args as JSON in an editor; saving checks it is a JSON object (the tool's model checks
    the rest, and a refused edit comes back to the approval screen with the reason)."""

    DEFAULT_CSS = "EditArgsScreen { align: center middle; } #editor { height: 16; }" + MODAL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save edit", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, args: dict[str, JsonValue], *, tool: str) -> None:
        super().__init__()
        self.args = args
        self.tool = tool

    def compose(self) -> ComposeResult:
        """Editor, error line, buttons."""
        with Vertical(id="dialog"):
            yield Static(Text.assemble(("Edit the args of ", "bold"), safe(self.tool), " (JSON object)"))
            yield TextArea(args_json(self.args), id="editor", soft_wrap=True, tab_behavior="indent")
            yield Static("", classes="note", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def action_save(self) -> None:
        """Parse the editor's text; a JSON object is the edit, anything else is shown as an error."""
        text = self.query_one("#editor", TextArea).text
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            self.show_error(f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
            return
        if not isinstance(value, dict):
            self.show_error(f"the args must be a JSON object, not {type(value).__name__}")
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        """Back to the approval screen, nothing decided."""
        self.dismiss(None)


class ReasonScreen(Dialog[str | None]):
    """One line of text: the reason of a deny (required), skip or abort (optional). None = cancelled."""

    DEFAULT_CSS = "ReasonScreen { align: center middle; }" + MODAL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prompt: str, *, required: bool) -> None:
        super().__init__()
        self.prompt = prompt
        self.required = required

    def compose(self) -> ComposeResult:
        """Prompt, input, error line."""
        with Vertical(id="dialog"):
            yield Static(Text(self.prompt, style="bold"))
            yield Input(
                id="reason", placeholder="reason, then Enter" + ("" if self.required else " (or empty)")
            )
            yield Static("", classes="note", id="error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: the reason (an empty one only when optional)."""
        reason = event.value.strip()
        if self.required and not reason:
            self.show_error("a reason is required")
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        """Back without an answer."""
        self.dismiss(None)


class HostKeyScreen(Dialog[bool]):
    """A host key seen for the first time: pin it (p) or refuse it (r, escape). Nothing is focused, so a
    stray Enter decides nothing; the decision is recorded in the ledger either way."""

    DEFAULT_CSS = "HostKeyScreen { align: center middle; }" + MODAL_CSS
    AUTO_FOCUS = ""  # no button has focus: a stray Enter decides nothing
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "pin", "Pin the key"),
        Binding("r,escape", "refuse", "Refuse"),
    ]

    def __init__(self, key: NewHostKey) -> None:
        super().__init__()
        self.key = key

    def compose(self) -> ComposeResult:
        """The key, what to compare it with, two answers."""
        k = self.key
        lines = [
            Text("Unknown host key", style="bold yellow"),
            field("host", f"{k.host} ({k.known_hosts_name})"),
            field("key", k.key_type),
            field("SHA256", k.fingerprint.removeprefix("SHA256:"), value_style="bold"),
            field("pin in", str(k.known_hosts)),
            Text(
                "Compare it with the host's own fingerprint (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), "
                "read over a channel you trust. A key you cannot check is a key to refuse.",
                style="dim",
            ),
        ]
        with Vertical(id="dialog"):
            yield Static(Text("\n").join(lines), id="hostkey")
            with Horizontal(classes="buttons"):
                yield Button("Pin and connect", id="pin", variant="warning")
                yield Button("Refuse", id="refuse", variant="primary")
        yield Footer()

    def action_pin(self) -> None:
        """Pin the key; the connection goes on."""
        self.dismiss(True)

    def action_refuse(self) -> None:
        """Refuse the key; the run fails with HostKeyUnknownError (an observation)."""
        self.dismiss(False)


class PassphraseScreen(Dialog[str | None]):
    """An encrypted private key's passphrase, typed hidden; kept in memory for the case, never written."""

    DEFAULT_CSS = "PassphraseScreen { align: center middle; }" + MODAL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Give up")]

    def __init__(self, host: str, key_file: Path, attempt: int) -> None:
        super().__init__()
        self.host = host
        self.key_file = key_file
        self.attempt = attempt

    def compose(self) -> ComposeResult:
        """Which key, for which host; the hidden input."""
        again = "  (the last one was wrong)" if self.attempt > 1 else ""
        with Vertical(id="dialog"):
            yield Static(Text.assemble(("Passphrase of ", "bold"), safe(str(self.key_file)), (again, "red")))
            yield Static(safe(f"to connect to {self.host}; kept in memory for this case, never recorded"))
            yield Input(id="passphrase", password=True, placeholder="passphrase, then Enter (esc: give up)")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: the passphrase (empty: give up)."""
        self.dismiss(event.value or None)

    def action_cancel(self) -> None:
        """Give up: the run fails with AuthFailedError (an observation)."""
        self.dismiss(None)


class ErrorScreen(Dialog[None]):
    """A failure the run could not turn into an observation: what happened, and that the case is kept."""

    DEFAULT_CSS = "ErrorScreen { align: center middle; }" + MODAL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,q", "close", "Close")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        """Title and message."""
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold red"))
            yield Static(safe(self.message), id="message")
            with Horizontal(classes="buttons"):
                yield Button("Close (enter)", id="close", variant="error")

    def action_close(self) -> None:
        """Close."""
        self.dismiss(None)
