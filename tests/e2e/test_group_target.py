"""A group target: one decision covers every host of the group (shown in full), each host runs and is
recorded on its own, and each host's findings are its own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.case.ledger import iter_entries
from agent.case.store import CaseStore
from agent.case.verify import verify
from agent.run.runner import drive
from agent.run.session import RunSpec, open_case, session_scope
from playbooks.discovery import find_playbook
from sandbox import launcher
from sandbox.state import SandboxState
from tests.conftest import sandbox_skip_reason
from tests.support.approvers import ScriptedApprover


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxState]:
    """Two sandbox hosts in the inventory group `sandbox`."""
    reason = sandbox_skip_reason()
    if reason is not None:
        pytest.skip(f"sandbox unavailable: {reason}")
    state_dir = tmp_path_factory.mktemp("fleet")
    state = launcher.up(state_dir, hosts=2)
    try:
        yield state
    finally:
        launcher.down(state_dir)


def test_one_decision_per_step_runs_on_every_host_of_the_group(fleet: SandboxState, tmp_path: Path) -> None:
    hosts = [h.name for h in fleet.hosts]
    spec = RunSpec(
        playbook_path=str(find_playbook("linux.ssh.bruteforce")),
        target="sandbox",
        inventory=str(fleet.inventory),
        backend="guided",
    )
    approver = ScriptedApprover()
    session = open_case(spec, store=CaseStore(tmp_path / "cases"), approver="dana")
    with session_scope(session):
        outcome = drive(session.ctx, approver, session.initial)
    assert outcome.state is not None and outcome.state.status == "closed"
    assert approver.asked and all(list(r.proposal.hosts) == hosts for r in approver.asked)

    entries = list(iter_entries(session.case.dir / "ledger.jsonl"))
    decisions = [e for e in entries if e.kind == "decision"]
    assert len(decisions) == len(approver.asked) == 5
    for d in decisions:
        started = [
            e.data["host"]
            for e in entries
            if e.kind == "execution_started" and e.data["decision_seq"] == d.seq
        ]
        assert sorted(started) == hosts
    report = json.loads((session.case.dir / "report.json").read_text())
    for host_state in fleet.hosts:
        mine = {
            f["value"] for f in report["findings"] if f["host"] == host_state.name and f["name"] == "sources"
        }
        assert mine == set(host_state.expected.attacker_ips)
    assert verify(session.case.dir).ok
