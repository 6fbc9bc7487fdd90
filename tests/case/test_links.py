"""Verify follows the links: every execution needs a prior approving decision for the same proposal."""

from __future__ import annotations

import hashlib
from pathlib import Path

from agent.case.payloads import (
    DecisionRecorded,
    ExecutionFinished,
    ExecutionStarted,
    FindingRecorded,
    ProposalRecorded,
    ReportWritten,
    Resumed,
)
from agent.case.store import Case, CaseStore
from agent.case.verify import verify


def _open(root: Path) -> Case:
    return CaseStore(root).create(playbook_id="pb", target="web01", actor="alice")


def _propose(case: Case) -> int:
    return case.ledger.append(
        ProposalRecorded(tool="list_processes", args={}, host="web01"), actor="model"
    ).seq


def _start(
    case: Case,
    decision_seq: int,
    proposal_seq: int,
    *,
    reexecution: bool = False,
    host: str = "web01",
    args: dict[str, str] | None = None,
) -> int:
    return case.ledger.append(
        ExecutionStarted(
            decision_seq=decision_seq,
            proposal_seq=proposal_seq,
            tool="list_processes",
            host=host,
            args=dict(args or {}),
            reexecution=reexecution,
        ),
        actor="system",
    ).seq


def _finish(case: Case, started_seq: int, output: bytes = b"ok\n", *, host: str = "web01") -> int:
    ref = case.evidence.put(output)
    return case.ledger.append(
        ExecutionFinished(
            started_seq=started_seq,
            tool="list_processes",
            host=host,
            argv=("ps",),
            exit_status=0,
            output_sha256=ref.sha256,
            bytes=ref.size,
            truncated=False,
            evidence=ref.relpath,
            duration_s=0.0,
        ),
        actor="system",
    ).seq


def test_execution_without_any_decision_is_flagged(cases_root: Path) -> None:
    with _open(cases_root) as case:
        p = _propose(case)
        bad = _start(case, decision_seq=p, proposal_seq=p)  # cites the proposal itself, not a decision
    report = verify(case.dir)
    assert report.problem is not None and report.problem.seq == bad
    assert "without approval" in report.problem.reason


def test_execution_under_a_denied_decision_is_flagged(cases_root: Path) -> None:
    with _open(cases_root) as case:
        p = _propose(case)
        d = case.ledger.append(
            DecisionRecorded(proposal_seq=p, verdict="deny", approver="alice", reason="no"), actor="alice"
        ).seq
        bad = _start(case, d, p)
    report = verify(case.dir)
    assert report.problem is not None and report.problem.seq == bad
    assert "'deny'" in report.problem.reason


def test_approval_of_another_proposal_does_not_count(cases_root: Path) -> None:
    with _open(cases_root) as case:
        p1, p2 = _propose(case), _propose(case)
        d1 = case.ledger.append(
            DecisionRecorded(proposal_seq=p1, verdict="approve", approver="alice"), actor="alice"
        ).seq
        bad = _start(case, d1, p2)
    report = verify(case.dir)
    assert report.problem is not None and report.problem.seq == bad
    assert "answers proposal" in report.problem.reason


def test_decision_must_answer_an_earlier_proposal(cases_root: Path) -> None:
    with _open(cases_root) as case:
        bad = case.ledger.append(
            DecisionRecorded(proposal_seq=1, verdict="approve", approver="alice"), actor="alice"
        ).seq
    report = verify(case.dir)
    assert report.problem is not None and report.problem.seq == bad


def test_reusing_an_approval_needs_the_reexecution_flag(cases_root: Path) -> None:
    with _open(cases_root) as case:
        p = _propose(case)
        d = case.ledger.append(
            DecisionRecorded(proposal_seq=p, verdict="approve", approver="alice"), actor="alice"
        ).seq
        _finish(case, _start(case, d, p))
        bad = _start(case, d, p)
    report = verify(case.dir)
    assert report.problem is not None and report.problem.seq == bad
    assert "already used" in report.problem.reason


def test_reexecution_of_an_unfinished_execution_is_accepted(cases_root: Path) -> None:
    with _open(cases_root) as case:
        p = _propose(case)
        d = case.ledger.append(
            DecisionRecorded(proposal_seq=p, verdict="edit", approver="alice", args={"user": "x"}),
            actor="alice",
        ).seq
        first = _start(case, d, p, args={"user": "x"})  # the process died here
        case.ledger.append(
            Resumed(last_seq=first, reason="restart", pending_started_seq=first), actor="system"
        )
        again = _start(case, d, p, reexecution=True, args={"user": "x"})
        _finish(case, again)
    report = verify(case.dir)
    assert report.ok, report.problem
    # The cut-short start was run again under the same approval: nothing is pending any more.
    assert not any("never finished" in w for w in report.warnings), report.warnings


def test_a_start_without_end_or_rerun_is_reported_pending(cases_root: Path) -> None:
    with _open(cases_root) as case:
        p = _propose(case)
        d = case.ledger.append(
            DecisionRecorded(proposal_seq=p, verdict="approve", approver="alice"), actor="alice"
        ).seq
        first = _start(case, d, p)  # the process died here and the case was never resumed
    report = verify(case.dir)
    assert report.ok, report.problem
    assert any(f"execution {first} started and never finished" in w for w in report.warnings)


def test_reexecution_must_follow_a_resumed_entry(cases_root: Path) -> None:
    with _open(cases_root) as case:
        p = _propose(case)
        d = case.ledger.append(
            DecisionRecorded(proposal_seq=p, verdict="approve", approver="alice"), actor="alice"
        ).seq
        _start(case, d, p)
        bad = _start(case, d, p, reexecution=True)
    report = verify(case.dir)
    assert report.problem is not None and report.problem.seq == bad
    assert "no `resumed` entry" in report.problem.reason


def test_reexecution_of_a_finished_execution_is_flagged(cases_root: Path) -> None:
    with _open(cases_root) as case:
        p = _propose(case)
        d = case.ledger.append(
            DecisionRecorded(proposal_seq=p, verdict="approve", approver="alice"), actor="alice"
        ).seq
        _finish(case, _start(case, d, p))
        bad = _start(case, d, p, reexecution=True)
    report = verify(case.dir)
    assert report.problem is not None and report.problem.seq == bad


def test_finish_without_start_and_finding_without_source_are_flagged(cases_root: Path) -> None:
    with _open(cases_root) as case:
        bad = _finish(case, started_seq=1)
    report = verify(case.dir)
    assert report.problem is not None and report.problem.seq == bad

    with _open(cases_root) as case:
        bad = case.ledger.append(FindingRecorded(name="x", value=1, source_seq=1), actor="system").seq
    report = verify(case.dir)
    assert report.problem is not None and report.problem.seq == bad


def test_one_decision_covers_each_named_host_once_and_no_other(cases_root: Path) -> None:
    with _open(cases_root) as case:
        p = case.ledger.append(
            ProposalRecorded(tool="list_processes", args={}, host="web01", hosts=("web01", "web02")),
            actor="playbook",
        ).seq
        d = case.ledger.append(
            DecisionRecorded(proposal_seq=p, verdict="approve", approver="alice"), actor="alice"
        ).seq
        for host in ("web01", "web02"):
            _finish(case, _start(case, d, p, host=host), host.encode(), host=host)
        assert verify(case.dir).ok
        bad = _start(case, d, p, host="db01")
    report = verify(case.dir)
    assert report.problem is not None and report.problem.seq == bad
    assert "did not name" in report.problem.reason


def test_an_altered_report_is_flagged(cases_root: Path) -> None:
    with _open(cases_root) as case:
        md, js = case.dir / "report.md", case.dir / "report.json"
        md.write_text("# report\nfinding: 203.0.113.7\n")
        js.write_text("{}\n")
        seq = case.ledger.append(
            ReportWritten(
                markdown_sha256=hashlib.sha256(md.read_bytes()).hexdigest(),
                json_sha256=hashlib.sha256(js.read_bytes()).hexdigest(),
                claims=1,
            ),
            actor="system",
        ).seq
    assert verify(case.dir).ok
    md.write_text("# report\nfinding: 198.51.100.1\n")
    report = verify(case.dir)
    assert report.problem is not None and report.problem.seq == seq
    assert "report.md was altered" in report.problem.reason
