"""The evidence screen, opened from a pending question: every run, its exact commands, hashes and rows, read
back hash-checked (altered evidence is named, never shown); the question is still there afterwards."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, Static

from agent.tui.app import make_app
from agent.tui.evidence import EvidenceScreen
from agent.tui.screens import ApprovalScreen
from tests.tui.conftest import OpenSession, wait_until

SIZE = (140, 45)


def test_evidence_of_earlier_runs_can_be_read_before_answering(open_replay: OpenSession) -> None:
    session = open_replay()
    app = make_app(session)

    def asked(step_id: str) -> bool:
        return isinstance(app.screen, ApprovalScreen) and app.screen.request.proposal.step_id == step_id

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            for step_id in ("failed_logins", "accepted_logins"):
                await wait_until(pilot, lambda s=step_id: asked(s))  # type: ignore[misc]
                await pilot.press("a")
            await wait_until(pilot, lambda: asked("attacker_logins"))
            await pilot.press("v")
            await wait_until(pilot, lambda: isinstance(app.screen, EvidenceScreen))
            screen = app.screen
            assert screen.query_one("#runs", DataTable).row_count == 2
            detail = " ".join(str(screen.query_one("#detail", Static).content).split())
            newest = screen.executions[-1]
            assert newest.proposal_id == "accepted_logins#1"
            assert f"evidence {newest.evidence_sha256}" in detail
            # The recorded command; its engine is the recording host's (ripgrep when it has one, else grep).
            assert "command rg --no-config" in detail or "command grep -E" in detail or "zgrep" in detail
            rows = screen.query_one("#rows", DataTable)
            assert rows.row_count == newest.rows == 4 and "host" in [
                str(c.label) for c in rows.columns.values()
            ]

            # Alter the first run's stored result: the screen names it and shows none of its rows.
            first = screen.executions[0]
            assert first.result_sha256 is not None
            path = session.case.evidence.path_for(first.result_sha256)
            path.chmod(0o644)
            path.write_bytes(path.read_bytes().replace(b"203.0.113.45", b"203.0.113.46"))
            await pilot.press("up")
            await pilot.pause()
            detail = str(screen.query_one("#detail", Static).content)
            assert "has been altered" in detail and rows.row_count == 0

            await pilot.press("q")
            await wait_until(pilot, lambda: asked("attacker_logins"))  # the question is still open
            await pilot.press("q")
            await wait_until(pilot, lambda: not app.is_running)

    asyncio.run(run())
    assert app.outcome is not None and app.outcome.paused
