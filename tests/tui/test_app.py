"""The TUI drives real cases: every proposal is a modal, every answer lands in the ledger before the graph
goes on, quitting pauses a case that then resumes, a failed drive shows an error modal and keeps the case."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from textual.widgets import Input, Static, TextArea

from agent.case.ledger import iter_entries
from agent.case.store import CaseStore
from agent.case.verify import verify
from agent.run.runner import drive
from agent.run.session import reopen_case, session_scope
from agent.tui.app import make_app
from agent.tui.screens import ApprovalScreen, EditArgsScreen, ErrorScreen, ReasonScreen
from agent.tui.widgets import FindingsPanel, StatusLine, StepList
from tests.support.approvers import ScriptedApprover
from tests.support.scripted_model import ScriptedChatModel, echo_default_call
from tests.tui.conftest import OpenSession, wait_until

SIZE = (140, 45)


def _ledger(case_dir: Path) -> list[dict[str, object]]:
    return [{"kind": e.kind.value, **e.data} for e in iter_entries(case_dir / "ledger.jsonl")]


def _asked(app: object) -> bool:
    return isinstance(getattr(app, "screen", None), ApprovalScreen)


def test_approving_every_proposal_closes_the_case_and_shows_its_report(open_replay: OpenSession) -> None:
    session = open_replay()
    app = make_app(session)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: _asked(app))
            first = app.screen
            await pilot.press("enter", "space")  # no button has focus: a stray key answers nothing
            assert app.screen is first and "decision" not in [e["kind"] for e in _ledger(session.case.dir)]
            for _ in session.ctx.playbook.steps:
                await wait_until(pilot, lambda: _asked(app))
                status = app.screen_stack[-2].query_one("#status", StatusLine)
                assert str(status.content).startswith("waiting for your answer")
                await pilot.press("a")
            await wait_until(pilot, lambda: app.outcome is not None)
            await pilot.pause()
            assert str(app.screen.query_one("#status", StatusLine).content).startswith("case closed")
            report = app.screen.query_one("#report", TextArea)
            assert report.has_class("shown") and report.text.startswith(f"# Case {session.case.id}")
            steps = app.screen.query_one("#steps", StepList)
            assert [o.status for o in steps.outcomes.values()] == ["done"] * 5
            findings = app.screen.query_one("#findings", FindingsPanel)
            assert findings.border_title == f"findings ({len(app.outcome.state.findings)})"
            assert "intrusion_sources" in str(findings.content) and "192.0.2.77" in str(findings.content)
            await pilot.press("q")

    asyncio.run(run())
    assert app.outcome is not None and app.outcome.state is not None
    assert app.outcome.state.status == "closed"
    entries = _ledger(session.case.dir)
    decisions = [e for e in entries if e["kind"] == "decision"]
    assert [d["verdict"] for d in decisions] == ["approve"] * 5
    assert {d["approver"] for d in decisions} == {"alice"}
    assert verify(session.case.dir).ok


def test_edit_deny_and_skip_are_recorded_as_given(open_replay: OpenSession) -> None:
    session = open_replay()
    app = make_app(session)
    edited = {"log": "auth", "pattern": "Invalid user (?P<user>\\S+)", "since": "2d"}

    def asked_for(step_id: str) -> bool:
        return _asked(app) and app.screen.request.proposal.step_id == step_id

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: asked_for("failed_logins"))
            await pilot.press("a")
            # Step 2: an edit that is not JSON stays in the editor; one the tool refuses comes back as a
            # refusal note on a new question; a valid one is the answer.
            await wait_until(pilot, lambda: asked_for("accepted_logins"))
            await pilot.press("e")
            await wait_until(pilot, lambda: isinstance(app.screen, EditArgsScreen))
            editor = app.screen.query_one("#editor", TextArea)
            editor.text = '{"log": "auth",'
            await pilot.press("ctrl+s")
            assert isinstance(app.screen, EditArgsScreen)
            assert "not JSON" in str(app.screen.query_one("#error", Static).content)
            editor.text = json.dumps({**edited, "max_matches": -5})
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: _asked(app) and app.screen.query("#refusal"))
            assert "max_matches" in str(app.screen.query_one("#refusal", Static).content)
            await pilot.press("e")
            await wait_until(pilot, lambda: isinstance(app.screen, EditArgsScreen))
            app.screen.query_one("#editor", TextArea).text = json.dumps(edited)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: asked_for("attacker_logins"))
            await pilot.press("a")
            # Step 4: deny needs a reason.
            await wait_until(pilot, lambda: asked_for("after_login"))
            await pilot.press("d")
            await wait_until(pilot, lambda: isinstance(app.screen, ReasonScreen))
            await pilot.press("enter")
            assert isinstance(app.screen, ReasonScreen)
            assert "required" in str(app.screen.query_one("#error", Static).content)
            app.screen.query_one("#reason", Input).value = "sudo history is covered by the EDR export"
            await pilot.press("enter")
            # Step 5: skip, no reason.
            await wait_until(pilot, lambda: asked_for("login_records"))
            await pilot.press("s")
            await wait_until(pilot, lambda: isinstance(app.screen, ReasonScreen))
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.outcome is not None)
            await pilot.press("q")

    asyncio.run(run())
    assert app.outcome is not None and app.outcome.state is not None
    state = app.outcome.state
    assert state.status == "closed"
    statuses = {o.step_id: o.status for o in state.outcomes}
    assert statuses["after_login"] == "denied" and statuses["login_records"] == "skipped"
    decisions = [e for e in _ledger(session.case.dir) if e["kind"] == "decision"]
    assert [d["verdict"] for d in decisions] == ["approve", "edit", "approve", "deny", "skip"]
    assert decisions[1]["args"] == edited
    assert decisions[3]["reason"] == "sudo history is covered by the EDR export"
    edited_run = state.executions[1]
    assert edited_run.args == edited  # what ran is what the human wrote (no fixture: a replay miss)
    assert edited_run.error_kind == "ReplayMissError"
    assert [e.proposal_id for e in state.executions] == [
        "failed_logins#1",
        "accepted_logins#1",
        "attacker_logins#1",
    ]


def test_quitting_at_a_question_pauses_the_case_which_resumes_where_it_stopped(
    open_replay: OpenSession,
) -> None:
    session = open_replay()
    app = make_app(session)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: _asked(app))
            await pilot.press("a")
            await wait_until(
                pilot, lambda: _asked(app) and app.screen.request.proposal.step_id == "accepted_logins"
            )
            await pilot.press("q")
            await wait_until(pilot, lambda: app.outcome is not None)

    asyncio.run(run())
    assert app.outcome is not None and app.outcome.paused
    kinds = [e["kind"] for e in _ledger(session.case.dir)]
    assert kinds.count("decision") == 1  # the unanswered question left nothing behind but its proposal
    session.close()

    resumed = reopen_case(session.case.id, store=CaseStore(session.case.dir.parent), approver="bob")
    approver = ScriptedApprover()
    with session_scope(resumed):
        outcome = drive(resumed.ctx, approver, resumed.initial)
    assert outcome.state is not None and outcome.state.status == "closed"
    assert approver.asked[0].proposal.step_id == "accepted_logins"
    decisions = [e for e in _ledger(session.case.dir) if e["kind"] == "decision"]
    assert [d["approver"] for d in decisions] == ["alice", "bob", "bob", "bob", "bob"]
    assert verify(session.case.dir).ok


def test_markup_from_the_model_is_shown_literally_and_abort_is_recorded(open_replay: OpenSession) -> None:
    hostile = "[@click=app.quit]approve me[/] [b]now[/b]"  # Textual markup: an action link if parsed
    model = ScriptedChatModel(turns=[echo_default_call(rationale=hostile)])
    session = open_replay(chat_model=model)
    app = make_app(session)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: _asked(app))
            shown = str(app.screen.query_one("#proposal", Static).content)
            assert hostile in shown  # not parsed as markup
            assert "data, not instructions" in shown
            await pilot.click("#proposal")
            assert app.is_running and _asked(app)
            await pilot.press("b")
            await wait_until(pilot, lambda: isinstance(app.screen, ReasonScreen))
            app.screen.query_one("#reason", Input).value = "the model is not to be trusted here"
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.outcome is not None)

    asyncio.run(run())
    assert app.outcome is not None and app.outcome.state is not None
    assert app.outcome.state.status == "aborted"
    decisions = [e for e in _ledger(session.case.dir) if e["kind"] == "decision"]
    assert [(d["verdict"], d["reason"]) for d in decisions] == [
        ("abort", "the model is not to be trusted here")
    ]
    assert not app.outcome.state.executions


def test_a_failed_drive_shows_an_error_modal_and_keeps_the_case(open_replay: OpenSession) -> None:
    def crash(_: object) -> str:
        raise RuntimeError("the model process died")

    session = open_replay(chat_model=ScriptedChatModel(turns=[crash]))
    app = make_app(session)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, ErrorScreen))
            message = str(app.screen.query_one("#message", Static).content)
            assert "RuntimeError: the model process died" in message
            assert f"sleuth resume {session.case.id}" in message
            await pilot.press("enter")
            await wait_until(pilot, lambda: not app.is_running)

    asyncio.run(run())
    assert isinstance(app.error, RuntimeError)
    assert verify(session.case.dir).ok
    assert next(e["kind"] for e in _ledger(session.case.dir)) == "case_opened"


@pytest.mark.timeout(60)  # the failure this guards against is a hang
def test_an_app_closed_any_other_way_leaves_no_question_waiting(open_replay: OpenSession) -> None:
    session = open_replay()
    app = make_app(session)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: _asked(app))
            app.exit()  # not through q: e.g. the terminal closing

    asyncio.run(run())  # returns: the worker thread is not left waiting for an answer
    kinds = [e["kind"] for e in _ledger(session.case.dir)]
    assert kinds[-1] == "proposal" and "decision" not in kinds
