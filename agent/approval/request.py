"""What a human is asked and how an answer is parsed, shared by the console and the TUI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, JsonValue

from agent.case.state import Execution, Finding, Proposal, StepOutcome, Verdict
from tools.transport.known_hosts import NewHostKey


class ApprovalRequest(BaseModel):
    """The payload of the approval interrupt: one proposal, where it stands, and what was found so far."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    """The case."""
    step_number: int
    """1-based position of the step."""
    step_count: int
    """Steps in the playbook."""
    step_title: str
    """The step's title."""
    proposal: Proposal
    """What would run."""
    validation_note: str | None = None
    """Why a previous answer was refused (bad edit), shown before asking again."""


class Answer(BaseModel):
    """A human's answer before it is recorded (the ledger gives it a seq and a time)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: Verdict
    """approve | edit | deny | skip | abort."""
    args: dict[str, JsonValue] | None = None
    """For edit: the complete new args."""
    reason: str | None = None
    """Why (required for deny)."""


@dataclass(frozen=True)
class Progress:
    """What a node changed in the case's state: each list in full, None when the node left it alone."""

    outcomes: tuple[StepOutcome, ...] | None = None
    """Every finished step, in order."""
    findings: tuple[Finding, ...] | None = None
    """Every finding so far."""
    executions: tuple[Execution, ...] | None = None
    """Every run so far."""


@dataclass(frozen=True)
class ApproverCapabilities:
    """What an approver does besides answering proposals; each True is a method of `Approver` it implements.

    What it lacks, it is never asked or shown: no lines, no host key question (nobody decides: refused), no
    passphrase (the key stays locked).
    """

    notifies: bool = False
    """`notify()`: how each approved run ended, the verdict, the nodes' messages."""
    shows_progress_line: bool = False
    """`progress_line()`: one transient line of work in progress (the model's tokens and tokens/s)."""
    shows_progress: bool = False
    """`progressed()`: the case's steps, findings and runs each time a node changes them."""
    confirms_host_keys: bool = False
    """`confirm_host_key()`: whether to pin a host key seen for the first time."""
    asks_passphrases: bool = False
    """`ask_passphrase()`: the passphrase of an encrypted private key."""


ANSWERS_ONLY = ApproverCapabilities()
"""An approver that only answers proposals (a test's scripted human, `sleuth playbook test`)."""


class Approver(Protocol):
    """The run's human (console, TUI, a test's script): answers proposals; `capabilities` names the other
    calls it takes, and only those are made. `ApproverBase` provides them all, doing nothing."""

    capabilities: ApproverCapabilities
    """What it does besides `ask()`."""

    def ask(self, request: ApprovalRequest) -> Answer:
        """Return the human's answer; raise ApprovalUnavailableError when no answer can be had."""
        ...

    def notify(self, text: str, *, error: bool = False) -> None:
        """Show what happened since the last question (a run's result, a tool error)."""
        ...

    def progress_line(self, text: str | None) -> None:
        """Show `text` in place of the previous progress line; None: the work ended, clear the line."""
        ...

    def progressed(self, progress: Progress) -> None:
        """A node changed the steps, findings or runs (called after each such node, and once on resume)."""
        ...

    def confirm_host_key(self, key: NewHostKey) -> bool:
        """True pins the key; False (or no answer) refuses it."""
        ...

    def ask_passphrase(self, host: str, key_file: Path, attempt: int) -> str | None:
        """The passphrase (attempt > 1: the previous one was wrong); None gives up."""
        ...


class ApproverBase:
    """An approver's calls besides `ask()`, doing nothing: a subclass overrides what it does and says so in
    its `capabilities` (the runner never calls what they leave off)."""

    capabilities: ApproverCapabilities = ANSWERS_ONLY

    def notify(self, text: str, *, error: bool = False) -> None:
        """Nothing is shown."""

    def progress_line(self, text: str | None) -> None:
        """Nothing is shown."""

    def progressed(self, progress: Progress) -> None:
        """Nothing is shown."""

    def confirm_host_key(self, key: NewHostKey) -> bool:
        """Refused: this approver cannot be asked."""
        return False

    def ask_passphrase(self, host: str, key_file: Path, attempt: int) -> str | None:
        """None: this approver cannot be asked."""
        return None


def capabilities_of(approver: Approver) -> ApproverCapabilities:
    """The approver's capabilities; an object with only `ask()` (a test's scripted human) has none."""
    capabilities: ApproverCapabilities = getattr(approver, "capabilities", ANSWERS_ONLY)
    return capabilities


class ApprovalUnavailableError(Exception):
    """No human answer can be had now (stdin closed); the case stays paused and resumable."""


class AnswerSyntaxError(ValueError):
    """An answer line could not be understood."""


HELP = (
    "answers: a|approve, e|edit {json of changed args}, d|deny REASON, s|skip, b|abort, ?|help "
    "(edit merges the JSON over the proposed args; a key set to null is removed)"
)


def printable(text: str) -> str:
    """Text safe to show a human: control, format and bidi characters (attacker-chosen in log lines,
    process names, user names) are shown as escapes instead of moving the cursor or reordering text."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def parse_answer(line: str, proposal: Proposal) -> Answer:
    """Parse one answer line; edit merges a JSON object of changes over the proposed args."""
    word, _, rest = line.strip().partition(" ")
    word, rest = word.lower(), rest.strip()
    if word in ("a", "approve", "y", "yes"):
        return Answer(verdict="approve")
    if word in ("s", "skip"):
        return Answer(verdict="skip", reason=rest or None)
    if word in ("b", "abort"):
        return Answer(verdict="abort", reason=rest or None)
    if word in ("d", "deny", "n", "no"):
        if not rest:
            raise AnswerSyntaxError("deny needs a reason: d REASON")
        return Answer(verdict="deny", reason=rest)
    if word in ("e", "edit"):
        try:
            changes = json.loads(rest) if rest else None
        except json.JSONDecodeError as exc:
            raise AnswerSyntaxError(f"edit needs a JSON object of changed args: {exc.msg}") from exc
        if not isinstance(changes, dict) or not changes:
            raise AnswerSyntaxError('edit needs a non-empty JSON object, e.g. e {"max_matches": 50}')
        merged = {k: v for k, v in {**proposal.args, **changes}.items() if v is not None}
        return Answer(verdict="edit", args=merged)
    raise AnswerSyntaxError(f"unknown answer {word!r}; {HELP}")


def args_diff(before: dict[str, JsonValue], after: dict[str, JsonValue]) -> dict[str, dict[str, JsonValue]]:
    """The per-key difference an edit made, as recorded in the ledger."""
    keys = sorted(set(before) | set(after))
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in keys
        if before.get(key) != after.get(key)
    }
