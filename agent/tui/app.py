"""The TUI app: one case (`sleuth run` / `resume` on a terminal) or the home screen (`sleuth tui`).

Thin on purpose: screens compose widgets; the case screen runs the graph in a worker thread and the runner
records every decision before the graph resumes.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from agent.run.runner import RunOutcome
from agent.run.session import Session
from agent.tui.case_screen import CaseEnded, CaseScreen
from agent.tui.home import HomeOptions, HomeScreen


class SleuthApp(App[None]):
    """Hosts a case screen (and leaves with it) or the home screen; quitting pauses running cases first."""

    TITLE = "Sleuth"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Pause & quit", show=False, priority=True),
    ]

    def __init__(self, *, session: Session | None = None, home: HomeOptions | None = None) -> None:
        super().__init__()
        if (session is None) == (home is None):
            raise ValueError("SleuthApp needs a session or home options, not both")
        self.session = session
        self.home = home
        self.outcome: RunOutcome | None = None
        """How the last case's drive ended (None while it runs, or when it failed)."""
        self.error: BaseException | None = None
        """What stopped the last case's drive, when it failed."""
        self.quitting = False

    def on_mount(self) -> None:
        """The case, or the cases."""
        if self.session is not None:
            self.push_screen(CaseScreen(self.session), lambda _: self.exit())
        elif self.home is not None:
            self.push_screen(HomeScreen(self.home))

    def on_case_ended(self, message: CaseEnded) -> None:
        """Keep how the drive ended (the CLI's exit code; the error it re-raises)."""
        self.outcome, self.error = message.outcome, message.error

    def on_screen_resume(self) -> None:
        """Back on a screen after a case was left: quit now if that was asked."""
        if self.quitting:
            self.exit()

    async def action_quit(self) -> None:
        """Quit; running cases pause at their next question first (a running tool call ends first)."""
        running = [s for s in self.screen_stack if isinstance(s, CaseScreen) and s.running]
        if not running:
            self.exit()
            return
        self.quitting = True
        for screen in running:
            screen.action_leave()


def make_app(session: Session | None = None, *, home: HomeOptions | None = None) -> SleuthApp:
    """The app for an opened (or reopened) case, or the home screen: shared by the CLI and the tests."""
    return SleuthApp(session=session, home=home)


def run_tui(session: Session) -> RunOutcome:
    """Run one case in the TUI until the human leaves; re-raise what stopped the drive, for the CLI."""
    app = make_app(session)
    app.run()
    if app.error is not None:
        raise app.error
    return app.outcome or RunOutcome(state=None, paused=True)


def run_home(options: HomeOptions) -> None:
    """Run the home screen until the human quits."""
    make_app(home=options).run()
