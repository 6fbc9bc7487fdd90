"""The TUI app: runs a case's graph in a worker thread and puts every proposal to the human in a modal.

Thin on purpose: the screens and widgets draw, the runner decides and records (a decision is in the ledger
before the graph resumes), the bridge carries questions and answers between the two threads.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, TextArea
from textual.worker import Worker, WorkerState

from agent.approval import Answer
from agent.runner import RunOutcome, drive
from agent.session import Session
from agent.tui.bridge import ApprovalRequested, FindingsChanged, OutcomesChanged, RunReported, TuiApprover
from agent.tui.screens import ApprovalScreen, ErrorScreen
from agent.tui.text import args_json
from agent.tui.widgets import ActivityLog, FindingsPanel, StepList

DRIVE_WORKER = "drive"


class SleuthApp(App[None]):
    """One case, from its next question to its report; quitting pauses the case (resumable)."""

    TITLE = "Sleuth"
    CSS = """
        #side { width: 44; }
        #steps { border: round $primary; padding: 0 1; height: auto; }
        #findings { border: round $warning; padding: 0 1; height: 1fr; overflow-y: auto; }
        #main { width: 1fr; }
        #activity { border: round $secondary; height: 1fr; }
        #report { border: round $success; height: 2fr; display: none; }
        #report.shown { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Pause & quit"),
        Binding("ctrl+q", "quit", "Pause & quit", show=False, priority=True),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.approver = TuiApprover(self)
        self.outcome: RunOutcome | None = None
        """How the drive ended (None while it runs, or when it failed)."""
        self.error: BaseException | None = None
        """What stopped the drive, when it failed."""
        self.quitting = False

    def compose(self) -> ComposeResult:
        """Steps on the left; activity (and, at the end, the report) on the right."""
        steps = [(step.id, step.title) for step in self.session.ctx.playbook.steps]
        yield Header()
        with Horizontal():
            with Vertical(id="side"):
                yield StepList(steps, id="steps")
                yield FindingsPanel(Text("none yet", "dim"), id="findings")
            with Vertical(id="main"):
                yield ActivityLog(id="activity")
                yield TextArea(id="report", read_only=True, soft_wrap=True)
        yield Footer()

    def on_mount(self) -> None:
        """Start driving the case."""
        ctx = self.session.ctx
        self.title = f"Sleuth · case {ctx.journal.case.id}"
        self.sub_title = (
            f"{ctx.playbook.id} on {', '.join(self.session.initial.hosts)} · approver {ctx.approver}"
        )
        self.query_one("#steps", StepList).border_title = ctx.playbook.title
        self.query_one("#findings", FindingsPanel).border_title = "findings"
        self.activity.border_title = "activity"
        self.activity.note(f"proposer: {ctx.proposer.name}; every call runs only after your answer")
        self.run_worker(self._drive, name=DRIVE_WORKER, thread=True, exit_on_error=False)

    def _drive(self) -> RunOutcome:
        return drive(self.session.ctx, self.approver, self.session.initial)

    @property
    def activity(self) -> ActivityLog:
        """The activity log."""
        return self.query_one("#activity", ActivityLog)

    # -- from the worker -------------------------------------------------------------------------

    def on_approval_requested(self, message: ApprovalRequested) -> None:
        """Put the proposal to the human; the modal's answer resolves the worker's future."""
        request = message.request
        self.query_one("#steps", StepList).show_current(request.proposal.step_id)
        self.activity.proposal(request)

        def answered(answer: Answer | None) -> None:
            if answer is not None:
                detail = args_json(answer.args) if answer.verdict == "edit" else answer.reason
                self.activity.decision(answer.verdict, detail)
            if not message.answer.done():
                message.answer.set_result(answer)

        self.push_screen(ApprovalScreen(request), answered)

    def on_run_reported(self, message: RunReported) -> None:
        """A run's rows or error."""
        self.activity.run(message.text, error=message.error)

    def on_outcomes_changed(self, message: OutcomesChanged) -> None:
        """Steps ended."""
        self.query_one("#steps", StepList).show_outcomes(message.outcomes)

    def on_findings_changed(self, message: FindingsChanged) -> None:
        """More findings."""
        self.query_one("#findings", FindingsPanel).show(message.findings)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The drive ended: show the report, the pause, or the error."""
        if event.worker.name != DRIVE_WORKER:
            return
        if event.state == WorkerState.SUCCESS and isinstance(event.worker.result, RunOutcome):
            self._finished(event.worker.result)
        elif event.state == WorkerState.ERROR and event.worker.error is not None:
            self._failed(event.worker.error)

    def _finished(self, outcome: RunOutcome) -> None:
        self.outcome = outcome
        case = self.session.case
        if self.quitting:
            self.exit()
        elif outcome.paused or outcome.state is None:
            self.activity.note(f"paused; continue with: sleuth resume {case.id}", "yellow")
        else:
            self.activity.note(f"case {outcome.state.status}; report: {case.dir / 'report.md'}", "bold green")
            report = self.query_one("#report", TextArea)
            report.text = (case.dir / "report.md").read_text(encoding="utf-8")
            report.border_title = "report (q to leave)"
            report.add_class("shown")

    def _failed(self, error: BaseException) -> None:
        self.error = error
        case_id = self.session.case.id
        self.activity.note(f"stopped: {type(error).__name__}: {error}", "bold red")
        message = (
            f"{type(error).__name__}: {error}\n\nThe case, its ledger and its evidence are kept as they are. "
            f"After fixing the cause, continue with: sleuth resume {case_id}"
        )
        self.push_screen(ErrorScreen("The run stopped", message), lambda _: self.exit())

    # -- the human -------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Leave; a case still running pauses at its next question (a running tool call ends first)."""
        if self.outcome is not None or self.error is not None:
            self.exit()
            return
        if self.quitting:
            self.notify("still waiting for the running tool call to end (its timeout bounds the wait)")
            return
        self.quitting = True
        self.approver.close()
        self.activity.note("pausing: the case stops before its next question", "yellow")


def make_app(session: Session) -> SleuthApp:
    """The app for an opened (or reopened) case: shared by the CLI and the tests."""
    return SleuthApp(session)


def run_tui(session: Session) -> RunOutcome:
    """Run the TUI until the human leaves; re-raise what stopped the drive, so the CLI reports it."""
    app = make_app(session)
    app.run()
    if app.error is not None:
        raise app.error
    return app.outcome or RunOutcome(state=None, paused=True)
