"""The home screen of `sleuth tui`: the cases (resume an open one, read a closed one's report), a new case."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

import yaml
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Select, Static, TextArea
from textual.worker import Worker, WorkerState

from agent.approval.request import printable
from agent.case.store import CaseStore
from agent.run.session import BACKENDS, RunSpec, Session, open_case, reopen_case, resolve_backend
from agent.tui.case_screen import CaseScreen
from agent.tui.screens import MODAL_CSS, Dialog, ErrorScreen
from agent.tui.text import safe
from playbooks import InputBindingError, WindowError, input_pairs, list_playbooks, parse_window
from tools.errors import InventoryError
from tools.inventory import load_inventory

TUI = "sleuth tui"
"""What the lease of a case driven from the home screen names as its driver."""

OPEN_WORKER = "open-case"


@dataclass(frozen=True)
class HomeOptions:
    """What every case opened from the home screen shares (from `sleuth tui`'s options)."""

    approver: str
    """Who approves."""
    case_dir: Path | None = None
    """Directory of the cases (None: the data dir's)."""
    inventory: Path | None = None
    """Inventory offered for new cases."""
    backend: str = "auto"
    """Proposer offered for new cases: auto, guided, local, openai."""
    model: str | None = None
    """Model directory / id (local) or name (openai)."""
    base_url: str | None = None
    """OpenAI-compatible server URL."""
    timeout_s: float = 30.0
    """Per-command timeout."""
    fanout_concurrency: int = 16
    """Hosts of a group a step runs on at once."""
    model_deadline_s: float | None = None
    """Overall time for one model proposal (None: the backend's own)."""
    trust_new_host_keys: bool = False
    """Pin host keys seen for the first time."""
    replay_dir: Path | None = None
    """Answer tool calls from recorded fixtures instead of hosts (training, demos)."""

    @property
    def store(self) -> CaseStore:
        """The case store."""
        return CaseStore(self.case_dir)

    def spec(self, form: NewCase) -> RunSpec:
        """The run spec of a case opened from the form with these options."""
        return RunSpec(
            playbook_path=str(form.playbook.resolve()),
            target=form.target,
            inventory=str(form.inventory.resolve()) if form.inventory else None,
            inputs=form.inputs,
            backend=resolve_backend(form.backend),
            model=self.model,
            base_url=self.base_url,
            timeout_s=self.timeout_s,
            fanout_concurrency=self.fanout_concurrency,
            model_deadline_s=self.model_deadline_s,
            trust_new_host_keys=self.trust_new_host_keys,
            replay_dir=str(self.replay_dir.resolve()) if self.replay_dir else None,
            since=form.since,
            until=form.until,
        )


@dataclass(frozen=True)
class NewCase:
    """What the new-case form asks."""

    playbook: Path
    target: str
    inventory: Path | None
    inputs: dict[str, str]
    backend: str
    since: str | None = None
    """Incident window start as typed (checked; resolved to an absolute time when the case opens)."""
    until: str | None = None
    """Incident window end as typed."""


class NewCaseScreen(Dialog[NewCase | None]):
    """Playbook, target, inventory, inputs, incident window and proposer of a new case."""

    DEFAULT_CSS = (
        "NewCaseScreen { align: center middle; } NewCaseScreen Input { margin-bottom: 1; }"
        " NewCaseScreen .window { height: auto; } NewCaseScreen .window Input { width: 1fr; }" + MODAL_CSS
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Open the case", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, options: HomeOptions) -> None:
        super().__init__()
        self.options = options

    def compose(self) -> ComposeResult:
        """The form."""
        choices = [
            (safe(f"{entry.id} — {_title(entry.path)}"), str(entry.path)) for entry in list_playbooks()
        ]
        inventory = self.options.inventory
        with Vertical(id="dialog"):
            yield Static(Text("New case", style="bold"))
            yield Label("Playbook")
            yield Select(choices, id="playbook", prompt="choose a playbook")
            yield Label("Target: an inventory host or group, or local (→ completes)")
            names = _target_names(inventory)
            yield Input(
                id="target",
                placeholder=", ".join(names[:4]) + (" …" if len(names) > 4 else ""),
                suggester=SuggestFromList(names, case_sensitive=True),
            )
            yield Label("Inventory")
            yield Input(
                str(inventory) if inventory else "", id="inventory", placeholder="inventory YAML path"
            )
            yield Label("Inputs (K=V, space-separated; quote values with spaces)")
            yield Input(id="inputs", placeholder="e.g. web_root=/srv/www")
            yield Label("Since / until: ISO 8601 (UTC when naive) or 30m, 12h, 7d, 2w back; empty: whole log")
            with Horizontal(classes="window"):
                yield Input(id="since", placeholder="since, e.g. 14d or 2026-11-20")
                yield Input(id="until", placeholder="until (empty: now)")
            yield Label("Proposer")
            yield Select(
                [(b, b) for b in ("auto", *BACKENDS)],
                id="backend",
                value=self.options.backend,
                allow_blank=False,
            )
            yield Static("", classes="note", id="error")
            with Horizontal(classes="buttons"):
                yield Button("Open (ctrl+s)", id="submit", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def action_submit(self) -> None:
        """Check the form; a complete one is the answer, otherwise say what is missing."""
        playbook = self.query_one("#playbook", Select).value
        target = self.query_one("#target", Input).value.strip()
        inventory = self.query_one("#inventory", Input).value.strip()
        if not isinstance(playbook, str):
            self.show_error("choose a playbook")
            return
        if not target:
            self.show_error("a target is required (an inventory host or group, or local)")
            return
        if inventory and not Path(inventory).is_file():
            self.show_error(f"no inventory file {inventory}")
            return
        try:
            inputs = input_pairs(shlex.split(self.query_one("#inputs", Input).value))
        except (ValueError, InputBindingError) as exc:  # unbalanced quotes; a pair without =
            self.show_error(str(exc))
            return
        since = self.query_one("#since", Input).value.strip() or None
        until = self.query_one("#until", Input).value.strip() or None
        try:
            parse_window(since, until, now=datetime.now(UTC))  # the same check `sleuth run` makes
        except WindowError as exc:
            self.show_error(str(exc))
            return
        backend = str(self.query_one("#backend", Select).value)
        where = Path(inventory) if inventory else None
        self.dismiss(NewCase(Path(playbook), target, where, inputs, backend, since=since, until=until))

    def action_cancel(self) -> None:
        """Back to the cases."""
        self.dismiss(None)


class ReportScreen(Screen[None]):
    """A case's report (read-only text), or why there is none."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("q,escape", "app.pop_screen", "Back")]

    def __init__(self, case_dir: Path) -> None:
        super().__init__()
        self.case_dir = case_dir

    def compose(self) -> ComposeResult:
        """The report."""
        path = self.case_dir / "report.md"
        text = path.read_text(encoding="utf-8") if path.is_file() else f"no report in {self.case_dir}"
        yield Header()
        yield TextArea(text, id="report", read_only=True, soft_wrap=True)
        yield Footer()

    def on_mount(self) -> None:
        """Title."""
        self.title = f"Sleuth · report of {self.case_dir.name}"


class HomeScreen(Screen[None]):
    """Every case, newest first; Enter resumes an open case or shows a closed one's report; n opens one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_case", "New case"),
        Binding("enter", "open_case", "Resume / report", priority=True),
        Binding("r", "refresh", "Refresh"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, options: HomeOptions) -> None:
        super().__init__()
        self.options = options

    def compose(self) -> ComposeResult:
        """The cases table."""
        yield Header()
        yield DataTable(id="cases", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        """Columns, then rows."""
        self.title = "Sleuth · cases"
        self.sub_title = printable(f"approver {self.options.approver} · {self.options.store.root}")
        table = self.query_one("#cases", DataTable)
        table.add_columns("case", "opened", "playbook", "target", "status", "entries")
        self.action_refresh()

    def on_screen_resume(self) -> None:
        """Back from a case or a report: statuses may have changed."""
        self.action_refresh()

    def action_refresh(self) -> None:
        """Reload the cases."""
        table = self.query_one("#cases", DataTable)
        table.clear()
        for c in reversed(self.options.store.summaries()):
            cells = (c.id, c.opened_at.strftime("%Y-%m-%d %H:%M"), c.playbook_id, c.target, c.status)
            table.add_row(*(safe(v) for v in cells), str(c.entries), key=c.id)

    def action_new_case(self) -> None:
        """The new-case form; a filled one opens the case (in a worker: a local model may load)."""

        def filled(form: NewCase | None) -> None:
            if form is None:
                return
            self.notify(f"opening a case of {form.playbook.stem} on {form.target}…", markup=False)
            spec = self.options.spec(form)
            self._open(lambda store, approver: open_case(spec, store=store, approver=approver, command=TUI))

        self.app.push_screen(NewCaseScreen(self.options), filled)

    def action_open_case(self) -> None:
        """Resume the selected case when it is open; show its report otherwise."""
        table = self.query_one("#cases", DataTable)
        if table.row_count == 0:
            self.notify("no cases yet: n opens one")
            return
        case_id = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        status = str(table.get_row(case_id)[4])
        if status != "open":
            self.app.push_screen(ReportScreen(self.options.store.case_dir(case_id)))
            return
        self._open(lambda store, approver: reopen_case(case_id, store=store, approver=approver, command=TUI))

    def _open(self, opener: Callable[[CaseStore, str], Session]) -> None:
        """Open (or reopen) a case in a worker thread: a local model may load, hosts may be slow."""
        store, approver = self.options.store, self.options.approver
        self.run_worker(lambda: opener(store, approver), name=OPEN_WORKER, thread=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A case opened: show it; or say why it could not be (bad playbook, host, inventory, model)."""
        if event.worker.name != OPEN_WORKER:
            return
        if event.state == WorkerState.SUCCESS and isinstance(event.worker.result, Session):
            session = event.worker.result
            self.app.push_screen(CaseScreen(session), lambda _: session.close())
        elif event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            self.app.push_screen(ErrorScreen("Cannot open the case", f"{type(error).__name__}: {error}"))


def _title(path: Path) -> str:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return "(unreadable: see sleuth playbook lint)"
    title = doc.get("title") if isinstance(doc, dict) else None
    return str(title) if title else "(no title)"


def _target_names(inventory: Path | None) -> list[str]:
    """What a target can be: `local`, then the inventory's groups and hosts (none when it cannot be read)."""
    names = ["local"]
    if inventory is not None:
        try:
            known = load_inventory(inventory)
        except InventoryError:
            return names
        names += [*known.groups(), *known.hosts]
    return names
