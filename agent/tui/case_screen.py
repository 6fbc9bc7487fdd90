"""The screen of one case: its graph runs in a worker thread and every proposal becomes an approval modal.

The runner decides and records (a decision is in the ledger before the graph resumes); this screen draws
and carries answers back through the bridge. Leaving pauses a running case at its next question.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, TextArea
from textual.worker import Worker, WorkerState

from agent.approval.request import Answer, printable
from agent.case.state import Execution
from agent.report import read_verdict
from agent.run.runner import RunOutcome, drive
from agent.run.session import Session
from agent.tui.bridge import (
    ApprovalRequested,
    HostKeyRequested,
    ModelProgressed,
    PassphraseRequested,
    Progressed,
    RunReported,
    TuiApprover,
)
from agent.tui.evidence import EvidenceScreen
from agent.tui.screens import ApprovalScreen, ErrorScreen, HostKeyScreen, PassphraseScreen
from agent.tui.text import args_json, safe
from agent.tui.widgets import ActivityLog, FindingsPanel, StatusLine, StepList

DRIVE_WORKER = "drive"
_VERDICT_STYLE = {"compromised": "bold red", "suspicious": "bold yellow", "inconclusive": "bold yellow"}


class CaseEnded(Message):
    """The case's drive ended: closed or aborted (state), paused (no state), or failed (error)."""

    def __init__(self, outcome: RunOutcome | None, error: BaseException | None) -> None:
        super().__init__()
        self.outcome = outcome
        self.error = error


class CaseScreen(Screen[None]):
    """One case, from its next question to its report; leaving dismisses it (after pausing, if running)."""

    DEFAULT_CSS = """
        #side { width: 35%; min-width: 30; max-width: 48; }
        #steps { border: round $primary; padding: 0 1; height: auto; }
        #findings { border: round $warning; padding: 0 1; height: 1fr; overflow-y: auto; }
        #main { width: 1fr; }
        #activity { border: round $secondary; height: 1fr; }
        #status { height: 1; padding: 0 1; }
        #report { border: round $success; height: 2fr; display: none; }
        #report.shown { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "evidence", "Evidence"),
        Binding("q", "leave", "Pause & leave"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.approver = TuiApprover(self)
        self.outcome: RunOutcome | None = None
        """How the drive ended (None while it runs, or when it failed)."""
        self.error: BaseException | None = None
        """What stopped the drive, when it failed."""
        self.leaving = False
        self.executions: tuple[Execution, ...] = ()
        """Every run so far (the evidence screen lists them)."""

    def compose(self) -> ComposeResult:
        """Steps and findings on the left; activity (and, at the end, the report) on the right."""
        steps = [(step.id, step.title) for step in self.session.ctx.playbook.steps]
        yield Header()
        with Horizontal():
            with Vertical(id="side"):
                yield StepList(steps, id="steps")
                yield FindingsPanel(Text("none yet", "dim"), id="findings")
            with Vertical(id="main"):
                yield ActivityLog(id="activity")
                yield StatusLine(id="status")
                yield TextArea(id="report", read_only=True, soft_wrap=True)
        yield Footer()

    def on_mount(self) -> None:
        """Start driving the case."""
        ctx = self.session.ctx
        self.title = f"Sleuth · case {ctx.journal.case.id}"
        hosts = ", ".join(self.session.initial.hosts)
        self.sub_title = printable(f"{ctx.playbook.id} on {hosts} · approver {ctx.approver}")
        self.query_one("#steps", StepList).border_title = safe(ctx.playbook.title)  # str = markup
        self.query_one("#findings", FindingsPanel).border_title = "findings"
        self.activity.border_title = "activity"
        self.activity.note(f"proposer: {ctx.proposer.name}; every call runs only after your answer")
        self.status.show(self._thinking())
        self.run_worker(self._drive, name=DRIVE_WORKER, thread=True, exit_on_error=False)

    def on_unmount(self) -> None:
        """However the screen goes (the app closing, a failure), a pending question ends unanswered."""
        self.approver.close()

    def _drive(self) -> RunOutcome:
        return drive(self.session.ctx, self.approver, self.session.initial)

    @property
    def status(self) -> StatusLine:
        """The status line."""
        return self.query_one("#status", StatusLine)

    def _thinking(self) -> str:
        who = "the model is" if self.session.ctx.proposer.source == "model" else "the playbook is"
        return f"{who} preparing the next proposal…"

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
        self.status.show("waiting for your answer", "bold cyan")

        def answered(answer: Answer | None) -> None:
            if answer is None:
                self.action_leave()
            else:
                detail = args_json(answer.args) if answer.verdict == "edit" else answer.reason
                self.activity.decision(answer.verdict, detail)
                p = request.proposal
                running = answer.verdict in ("approve", "edit")
                self.status.show(
                    f"running {p.tool} on {', '.join(p.hosts)}…" if running else self._thinking()
                )
            message.resolve(answer)

        self.app.push_screen(ApprovalScreen(request, on_evidence=self.action_evidence), answered)

    def on_host_key_requested(self, message: HostKeyRequested) -> None:
        """A host offered a key seen for the first time: the human pins or refuses it."""
        key = message.key
        self.status.show(f"{key.host} offers an unknown host key: pin or refuse", "bold yellow")

        def decided(pinned: bool | None) -> None:
            verdict = "pinned" if pinned else "refused"
            self.activity.note(f"host key {key.fingerprint} of {key.host} {verdict}", "yellow")
            self.status.show(f"{verdict}; connecting to {key.host}…" if pinned else self._thinking())
            message.resolve(bool(pinned))

        self.app.push_screen(HostKeyScreen(key), decided)

    def on_passphrase_requested(self, message: PassphraseRequested) -> None:
        """An encrypted private key needs its passphrase."""
        self.status.show(f"the key for {message.host} needs its passphrase", "bold yellow")

        def given(passphrase: str | None) -> None:
            # Only whether one was given is shown: the passphrase itself goes to the worker, nowhere else.
            self.activity.note(f"passphrase of {message.key_file} {'given' if passphrase else 'not given'}")
            self.status.show(f"connecting to {message.host}…" if passphrase else self._thinking())
            message.resolve(passphrase)

        self.app.push_screen(PassphraseScreen(message.host, message.key_file, message.attempt), given)

    def on_run_reported(self, message: RunReported) -> None:
        """A run's rows or error."""
        self.activity.run(message.text, error=message.error)
        self.status.show(self._thinking())

    def on_model_progressed(self, message: ModelProgressed) -> None:
        """The model's tokens so far and tokens/s, beside what the status line says."""
        self.status.detail(message.text)

    def on_progressed(self, message: Progressed) -> None:
        """Steps ended, findings or runs were added."""
        progress = message.progress
        if progress.outcomes is not None:
            self.query_one("#steps", StepList).show_outcomes(progress.outcomes)
        if progress.findings is not None:
            self.query_one("#findings", FindingsPanel).show(progress.findings)
        if progress.executions is not None:
            self.executions = progress.executions

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
        self.post_message(CaseEnded(outcome, None))
        case = self.session.case
        if self.leaving:
            self._close()
        elif outcome.paused or outcome.state is None:
            self.activity.note(f"paused; continue with: sleuth resume {case.id}", "yellow")
            self.status.show("paused (q to leave)", "yellow")
        else:
            verdict = read_verdict(case.dir)
            said = f" · verdict {verdict.status.replace('_', ' ')}" if verdict is not None else ""
            style = _VERDICT_STYLE.get(verdict.status if verdict is not None else "", "bold green")
            self.status.show(f"case {outcome.state.status}{said} (q to leave)", style)
            self.activity.note(f"case {outcome.state.status}; report: {case.dir / 'report.md'}", "bold green")
            report = self.query_one("#report", TextArea)
            report.text = (case.dir / "report.md").read_text(encoding="utf-8")
            report.border_title = "report (q to leave)"
            report.add_class("shown")

    def _failed(self, error: BaseException) -> None:
        self.error = error
        self.post_message(CaseEnded(None, error))
        case_id = self.session.case.id
        self.activity.note(f"stopped: {type(error).__name__}: {error}", "bold red")
        self.status.show("stopped", "bold red")
        message = (
            f"{type(error).__name__}: {error}\n\nThe case, its ledger and its evidence are kept as they are. "
            f"After fixing the cause, continue with: sleuth resume {case_id}"
        )
        self.app.push_screen(ErrorScreen("The run stopped", message), lambda _: self._close())

    # -- the human -------------------------------------------------------------------------------

    def action_evidence(self) -> None:
        """Every run so far, with its commands and rows."""
        self.app.push_screen(EvidenceScreen(self.session.case.evidence, self.executions))

    def action_leave(self) -> None:
        """Leave; a case still running pauses at its next question (a running tool call ends first)."""
        if not self.running:
            self._close()
            return
        if self.leaving:
            self.notify("still waiting for the running tool call to end (its timeout bounds the wait)")
            return
        self.leaving = True
        self.approver.close()
        self.activity.note("pausing: the case stops before its next question", "yellow")
        self.status.show("pausing: the case stops before its next question", "yellow")

    @property
    def running(self) -> bool:
        """The drive has not ended yet."""
        return self.outcome is None and self.error is None

    def _close(self) -> None:
        # dismiss() pops the top screen: drop a question still open over this one first.
        if self.app.screen is not self:
            self.pop_until_active()
        self.dismiss()
