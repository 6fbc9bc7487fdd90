"""The TUI shows what each run examined: a warning for a run that examined nothing, before the next
question, and the verdict on the status line when the case closes."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import TextArea

from agent.case.store import CaseStore
from agent.run.session import RunSpec, open_case, session_scope
from agent.tui.app import make_app
from agent.tui.screens import ApprovalScreen
from agent.tui.widgets import ActivityLog, StatusLine
from tests.e2e.verdict_playbook import AUTH, write_playbook
from tests.tui.conftest import wait_until

SIZE = (160, 50)


def test_a_run_that_examined_nothing_is_a_warning_before_the_next_question(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text(AUTH)
    playbook = write_playbook(tmp_path, log, since="2030-01-01", gated=False)
    session = open_case(
        RunSpec(playbook_path=str(playbook), target="local"),
        store=CaseStore(tmp_path / "cases"),
        approver="alice",
    )
    app = make_app(session)

    def activity_text() -> str:
        screen = next(s for s in app.screen_stack if s.query("#activity"))
        widget = screen.query_one("#activity", ActivityLog)
        return " ".join(" ".join(line.text for line in widget.lines).split())  # lines wrap at the log's width

    def asked() -> bool:
        return isinstance(app.screen, ApprovalScreen)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, asked)
            assert "warning" not in activity_text()
            await pilot.press("a")
            await wait_until(pilot, lambda: asked() and "warning" in activity_text())
            shown = activity_text()
            assert "! warning: local not examined: the window 2030-01-01" in shown
            assert "excludes all 5 lines, which span 2026-12-01T10:00:01" in shown
            assert app.screen.request.proposal.step_id == "accepted"  # the warning came before this question
            await pilot.press("a")
            await wait_until(pilot, lambda: app.outcome is not None)
            await pilot.pause()
            status = str(app.screen.query_one("#status", StatusLine).content)
            assert status.startswith("case closed · verdict compromised")
            assert "✓ examined: 1 file, 5 lines" in activity_text()
            assert "! verdict: compromised: A source that failed logins also logged in" in activity_text()
            assert "**COMPROMISED**" in app.screen.query_one("#report", TextArea).text
            await pilot.press("q")

    with session_scope(session):
        asyncio.run(run())
