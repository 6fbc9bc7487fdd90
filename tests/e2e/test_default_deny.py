"""Default-deny allowance on the real graph (issue 10, point 4): a scripted model that swaps the step's
pattern, paths or an unbounded arg is refused, each refusal recorded, and the playbook's own call is what
the human sees; a follow-up arg its bounds do not cover is refused the same way."""

from __future__ import annotations

from pathlib import Path

from agent.approval.request import Answer
from agent.case.ledger import iter_entries
from agent.case.store import CaseStore
from agent.run.runner import drive
from agent.run.session import RunSpec, open_case, session_scope
from playbooks.discovery import find_playbook
from tests.support.approvers import ScriptedApprover
from tests.support.scripted_model import DONE, ScriptedChatModel, analysis, call

OWN = {
    "log": "auth",
    "format": "auth",
    "pattern": "Failed \\S+ for |authentication failure;.*rhost=|Invalid user ",
}


def test_a_model_that_swaps_the_steps_args_is_refused_and_the_playbooks_call_stands(
    sandbox, tmp_path: Path
) -> None:
    followup = {"log": "auth", "format": "auth", "pattern": "Accepted"}
    model = ScriptedChatModel(
        turns=[
            call("search_logs", {**OWN, "pattern": "nothing-to-see-here"}),  # the step's pattern swapped
            call("search_logs", {**OWN, "paths": ["/var/log/syslog"]}),  # the step's files swapped
            call("search_logs", {**OWN, "max_matches": 1}),  # an arg the step neither sets nor bounds
            analysis(),
            call("search_logs", {**followup, "paths": ["/var/log/syslog"]}),  # not in the follow-up's bounds
            call("search_logs", {**followup, "max_matches": 20000}),  # outside its bound
            call("search_logs", followup),  # within the follow-up's bounds
            analysis(),
            DONE,
            call("search_logs", {"log": "auth", "format": "auth", "pattern": "Accepted \\S+ for "}),  # step 2
        ]
    )
    spec = RunSpec(
        playbook_path=str(find_playbook("linux.ssh.bruteforce")),
        target=sandbox.host_name,
        inventory=str(sandbox.inventory),
        backend="local",
    )
    approver = ScriptedApprover(
        [Answer(verdict="approve"), Answer(verdict="approve"), Answer(verdict="abort", reason="enough")]
    )
    session = open_case(spec, store=CaseStore(tmp_path / "cases"), approver="bob", chat_model=model)
    with session_scope(session):
        outcome = drive(session.ctx, approver, session.initial)
    assert outcome.state is not None and outcome.state.status == "aborted"

    entries = list(iter_entries(session.case.dir / "ledger.jsonl"))
    refusals = [e.data for e in entries if e.kind == "refusal"]
    reasons = [str(r["reason"]) for r in refusals]
    assert len(reasons) == 5, reasons
    assert "'pattern' = 'nothing-to-see-here' refused at step 'failed_logins'" in reasons[0]
    assert "'paths' = ['/var/log/syslog'] refused" in reasons[1]
    assert "'max_matches' = 1 refused" in reasons[2]
    assert "'paths' = ['/var/log/syslog'] refused" in reasons[3] and "follow-up args" in reasons[3]
    assert "max_matches must be <= 10000" in reasons[4]

    proposals = [e.data for e in entries if e.kind == "proposal"]
    own, allowed = proposals[0], proposals[1]
    assert own["source"] == "fallback" and own["args"] == OWN  # the playbook's call, not the model's
    assert allowed["source"] == "model" and allowed["followup"] and allowed["args"] == followup
    runs = [e.data["args"] for e in entries if e.kind == "execution_started"]
    assert runs == [OWN, followup]  # nothing the model swapped in ever ran
    assert [r.proposal.args for r in approver.asked[:2]] == [OWN, followup]
