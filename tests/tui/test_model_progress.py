"""The TUI while the model works and when it fails: the status line shows the model's progress, and a
proposal from the fallback says why, in the activity log and in the proposal panel."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Static

from agent.case.store import CaseStore
from agent.llm.openai_compat import OpenAICompatChatModel
from agent.run.session import RunSpec, open_case, session_scope
from agent.tui.app import make_app
from agent.tui.screens import ApprovalScreen
from agent.tui.widgets import ActivityLog, StatusLine
from tests.e2e.verdict_playbook import AUTH, write_playbook
from tests.llm.stall_server import stall_server
from tests.tui.conftest import wait_until

SIZE = (160, 50)
DEADLINE_S = 3.0


@pytest.mark.timeout(90)
def test_the_status_line_shows_the_model_waiting_and_the_fallback_says_why(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text(AUTH)
    playbook = write_playbook(tmp_path, log)
    with stall_server("silent") as server:
        model = OpenAICompatChatModel(base_url=server.base_url, model_name="t", timeout_s=DEADLINE_S)
        session = open_case(
            RunSpec(playbook_path=str(playbook), target="local", backend="local"),
            store=CaseStore(tmp_path / "cases"),
            approver="alice",
            chat_model=model,
        )
        app = make_app(session)
        statuses: list[str] = []

        def case_screen_query(selector: str) -> object:
            screen = next(s for s in app.screen_stack if s.query(selector))
            return screen.query_one(selector)

        def activity_text() -> str:
            widget = case_screen_query("#activity")
            assert isinstance(widget, ActivityLog)
            return " ".join(" ".join(line.text for line in widget.lines).split())

        def status_seen() -> bool:
            widget = case_screen_query("#status")
            assert isinstance(widget, StatusLine)
            statuses.append(widget.text)
            return "model: waiting for the server's answer" in widget.text

        def asked() -> bool:
            return isinstance(app.screen, ApprovalScreen)

        async def run() -> None:
            async with app.run_test(size=SIZE) as pilot:
                await wait_until(pilot, status_seen)
                await wait_until(pilot, asked)
                url = f"{server.base_url}/chat/completions"
                reason = (
                    f"model unavailable: the model server at {url} did not answer within {DEADLINE_S:g} s"
                )
                assert f"! {reason}; proposing the playbook's own call" in activity_text()
                shown = str(app.screen.query_one("#proposal", Static).content)
                assert "proposed by fallback" in shown and reason in " ".join(shown.split())
                app.exit()

        with session_scope(session):
            asyncio.run(run())
    assert any(s.startswith("the model is preparing the next proposal… · model: ") for s in statuses)
