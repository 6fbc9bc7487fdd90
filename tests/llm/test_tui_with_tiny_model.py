"""The TUI over the real graph on the sandbox with the tiny local model proposing (in the case's worker
thread): every proposal is put to the human in the modal, and only approved calls run."""

from __future__ import annotations

import asyncio
from pathlib import Path

from agent.case.ledger import iter_entries
from agent.case.store import CaseStore
from agent.case.verify import verify
from agent.llm.local import LocalChatModel
from agent.run.session import RunSpec, open_case, session_scope
from agent.tui.app import make_app
from agent.tui.screens import ApprovalScreen
from playbooks.discovery import find_playbook
from tests.tui.conftest import wait_until


def test_the_tiny_model_proposes_in_the_tui_and_each_proposal_waits_for_a_key(
    sandbox, tiny_chat: LocalChatModel, tmp_path: Path
) -> None:
    spec = RunSpec(
        playbook_path=str(find_playbook("linux.ssh.bruteforce")),
        target=sandbox.host_name,
        inventory=str(sandbox.inventory),
        backend="local",
    )
    session = open_case(spec, store=CaseStore(tmp_path / "cases"), approver="frank", chat_model=tiny_chat)
    app = make_app(session)
    shown: list[str] = []

    async def run() -> None:
        async with app.run_test(size=(140, 45)) as pilot:
            while app.outcome is None:
                await wait_until(pilot, lambda: isinstance(app.screen, ApprovalScreen) or app.outcome, 120)
                if isinstance(app.screen, ApprovalScreen):
                    shown.append(app.screen.request.proposal.id)
                    await pilot.press("a")
                    await pilot.pause()
            await pilot.press("q")

    with session_scope(session):
        asyncio.run(run())
    assert app.outcome is not None and app.outcome.state is not None
    assert app.outcome.state.status == "closed"
    entries = list(iter_entries(session.case.dir / "ledger.jsonl"))
    proposals = [e.data for e in entries if e.kind.value == "proposal"]
    decisions = [e.data for e in entries if e.kind.value == "decision"]
    assert len(proposals) == len(decisions) == len(set(shown))  # each one shown once, each one answered
    assert {d["approver"] for d in decisions} == {"frank"}
    assert any(p["source"] == "model" for p in proposals)
    assert verify(session.case.dir).ok
