"""The case lease in one process (the flock belongs to the open file, so a second open conflicts here too),
the audit's heads (nothing may follow a signed or closed head), runs whose failure is recorded, and store
roots that are not directories."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from agent.case.errors import CaseError, CaseLockedError
from agent.case.lease import LEASE_FILE, CaseLease, LeaseHolder, read_holder
from agent.case.payloads import (
    CaseClosed,
    DecisionRecorded,
    ExecutionStarted,
    NoteRecorded,
    ObservationRecorded,
    ProposalRecorded,
)
from agent.case.store import Case, CaseStore
from agent.case.verify import verify
from tests.case.conftest import make_case


def test_a_leased_case_refuses_a_second_driver_naming_the_first(cases_root: Path) -> None:
    case_dir = make_case(cases_root, close=False)
    with CaseLease.acquire(case_dir, command="sleuth run") as lease:
        holder = read_holder(case_dir)
        assert holder == lease.holder and holder.pid == os.getpid() and holder.command == "sleuth run"
        refusal = (rf"case {case_dir.name} is being driven by pid {os.getpid()} on host \S+ "
                   r"\(user \S+, `sleuth run`, since \S+Z\); wait for it or stop it")
        with pytest.raises(CaseLockedError, match=refusal):
            CaseLease.acquire(case_dir, command="sleuth resume")
    assert (case_dir / LEASE_FILE).read_bytes() == b""
    CaseLease.acquire(case_dir, command="sleuth resume").release()  # given back: free again


def test_a_stale_lease_file_is_taken_over(cases_root: Path) -> None:
    case_dir = make_case(cases_root, close=False)
    dead = LeaseHolder(pid=999_999_999, host="elsewhere", user="mallory", command="sleuth run",
                       since="2026-01-01T00:00:00Z")
    (case_dir / LEASE_FILE).write_text(dead.model_dump_json())  # left by a process that died: no flock
    with CaseLease.acquire(case_dir, command="sleuth resume"):
        holder = read_holder(case_dir)
        assert holder is not None and (holder.pid, holder.command) == (os.getpid(), "sleuth resume")


def test_a_lease_file_with_hostile_text_is_shown_inert(cases_root: Path) -> None:
    case_dir = make_case(cases_root, close=False)
    with CaseLease.acquire(case_dir, command="sleuth\x1b[2J run\n") as lease:
        (case_dir / LEASE_FILE).write_text(lease.holder.model_copy(update={"host": "h\x1b]0;x\x07"})
                                           .model_dump_json())
        with pytest.raises(CaseLockedError) as err:
            CaseLease.acquire(case_dir, command="sleuth resume")
    assert "\x1b" not in str(err.value) and "\n" not in str(err.value) and "\\x1b" in str(err.value)


def test_a_case_dir_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    root = tmp_path / "not-a-dir"
    root.write_text("x")
    store = CaseStore(root)
    for call in (lambda: store.create(playbook_id="pb", target="h", actor="a"), store.summaries,
                 lambda: store.case_dir("2026-01-01T000000-abcdef")):
        with pytest.raises(CaseError, match=rf"^{root} is not a directory"):
            call()


def test_entries_after_the_closed_head_fail(cases_root: Path) -> None:
    case_dir = make_case(cases_root)
    with CaseStore(cases_root).open(case_dir.name) as case:
        case.ledger.append(NoteRecorded(text="added after the close"), actor="mallory")
        case.ledger.append(NoteRecorded(text="and another"), actor="mallory")
    report = verify(case_dir)
    assert not report.ok and report.problem is not None and report.problem.seq == 13
    assert report.problem.reason == (
        "entries 13..14 come after the head recorded in case.json (seq 12): "
        "appended after the case was signed or closed"
    )


def _started(case: Case) -> int:
    p = case.ledger.append(ProposalRecorded(tool="list_processes", args={}, host="web01"), actor="model").seq
    d = case.ledger.append(
        DecisionRecorded(proposal_seq=p, verdict="approve", approver="alice"), actor="alice"
    ).seq
    started = ExecutionStarted(decision_seq=d, proposal_seq=p, tool="list_processes", host="web01", args={})
    return case.ledger.append(started, actor="system").seq


def test_a_run_whose_failure_is_an_observation_is_not_pending(cases_root: Path) -> None:
    with CaseStore(cases_root).create(playbook_id="pb", target="web01", actor="alice") as case:
        s = _started(case)
        failure = ObservationRecorded(
            tool="list_processes", error="HostUnreachableError", message="refused", started_seq=s
        )
        case.ledger.append(failure, actor="system")
        pending = _started(case)  # this one was cut short: still pending
    report = verify(case.dir)
    assert report.ok, report.problem
    assert [w for w in report.warnings if "never finished" in w] == [
        f"execution {pending} started and never finished"
    ]


def test_a_run_cut_short_by_the_case_failing_is_not_pending(cases_root: Path) -> None:
    with CaseStore(cases_root).create(playbook_id="pb", target="web01", actor="alice") as case:
        _started(case)
        case.close("failed", actor="system", reason="crashed: disk full")
    report = verify(case.dir)
    assert report.ok, report.problem
    assert not any("never finished" in w for w in report.warnings), report.warnings
    closed = json.loads((case.dir / "ledger.jsonl").read_bytes().splitlines()[-1])
    assert CaseClosed.model_validate(closed["data"]).status == "failed"
