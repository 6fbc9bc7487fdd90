"""The real graph on the sandbox with the tiny local model proposing: every proposal is inside the step's
allowance (or refused and recorded, then the playbook's own call), and nothing runs without an approval."""

from __future__ import annotations

from pathlib import Path

from agent.case.ledger import iter_entries
from agent.case.payloads import ProposalRecorded
from agent.case.store import CaseStore
from agent.case.verify import verify
from agent.llm.local import LocalChatModel
from agent.run.runner import drive
from agent.run.session import RunSpec, open_case, session_scope
from playbooks.allowance import check_proposal
from playbooks.catalogue import Catalogue
from playbooks.discovery import find_playbook
from playbooks.runtime import load_playbook
from tests.support.approvers import ScriptedApprover


def test_tiny_model_drives_the_graph_within_the_allowance(
    sandbox, tiny_chat: LocalChatModel, tmp_path: Path
) -> None:
    path = find_playbook("linux.ssh.bruteforce")
    spec = RunSpec(
        playbook_path=str(path), target=sandbox.host_name, inventory=str(sandbox.inventory), backend="local"
    )
    approver = ScriptedApprover()
    session = open_case(spec, store=CaseStore(tmp_path / "cases"), approver="carol", chat_model=tiny_chat)
    with session_scope(session):
        outcome = drive(session.ctx, approver, session.initial)
    assert outcome.state is not None and outcome.state.status == "closed"

    entries = list(iter_entries(session.case.dir / "ledger.jsonl"))
    proposals = [(e.seq, ProposalRecorded.model_validate(e.data)) for e in entries if e.kind == "proposal"]
    assert proposals and len(approver.asked) == len(proposals)  # the human saw every single one
    playbook, catalogue = load_playbook(path), Catalogue.default()
    assert any(p.source == "model" for _, p in proposals), "the model's constrained answers never got through"
    for _, p in proposals:
        assert p.source in ("model", "fallback")
        check_proposal(
            playbook.step(p.step_id or ""), p.tool, p.args, catalogue
        )  # raises if outside the allowance
    approved = {
        e.data["proposal_seq"] for e in entries if e.kind == "decision" and e.data["verdict"] == "approve"
    }
    started = [e.data for e in entries if e.kind == "execution_started"]
    assert started and all(s["proposal_seq"] in approved for s in started)
    assert verify(session.case.dir).ok
