"""Run and step coverage: errors, refusals and denials examine nothing; runs over hosts and items combine."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.case.evidence import EvidenceStore
from agent.case.state import Execution, StepOutcome
from agent.report.coverage import StepDecision, coverage_line, coverage_warning, run_coverage, step_coverage
from playbooks.model import Playbook
from tools.base import ToolResult
from tools.coverage import Coverage, SourceCoverage

PLAYBOOK = Playbook.model_validate(
    {
        "id": "test.coverage",
        "title": "Coverage",
        "version": "1.0",
        "description": "Three steps.",
        "severity": "low",
        "steps": [
            {
                "id": "logs",
                "title": "Auth logs",
                "tool": "search_logs",
                "args": {"log": "auth", "pattern": "x"},
            },
            {"id": "procs", "title": "Processes", "tool": "list_processes"},
            {"id": "later", "title": "Later", "tool": "list_users"},
        ],
    }
)


def examined(path: str, lines: int, first: str, last: str, matched: int) -> Coverage:
    """A search that read one file."""
    return Coverage(
        status="examined",
        sources=(SourceCoverage(path=path, found=True, lines=lines, first_ts=first, last_ts=last),),
        lines_read=lines,
        first_ts=first,
        last_ts=last,
        matched=matched,
        kept=matched,
    )


def stored(store: EvidenceStore, coverage: Coverage | None, *, truncated: bool = False) -> str:
    """Store a result with this coverage; its sha256."""
    result = ToolResult(
        tool="search_logs",
        host="h",
        commands=(),
        rows=[],
        text="",
        truncated=truncated,
        bytes=0,
        sha256="0" * 64,
        duration_s=0.0,
        coverage=coverage,
    )
    return store.put(result.model_dump_json().encode()).sha256


def run(
    proposal: str, host: str, *, result: str | None = None, error: tuple[str, str] | None = None
) -> Execution:
    """One execution of `proposal` on `host`: a stored result, or an error (kind, message)."""
    return Execution(
        proposal_id=proposal,
        host=host,
        tool="search_logs",
        args={},
        result_sha256=result,
        evidence_sha256="1" * 64 if result else None,
        error=error[1] if error else None,
        error_kind=error[0] if error else None,
        ledger_seq=9,
    )


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    """A real evidence store."""
    return EvidenceStore(tmp_path / "evidence")


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("HostUnreachableError", "host unreachable: no route"),
        ("InvalidToolArgsError", "the tool refused the args: no route"),
        ("CommandRefusedError", "the tool refused the args: no route"),
        ("CommandFailedError", "CommandFailedError: no route"),
    ],
)
def test_a_failed_run_examined_nothing_and_says_why(store: EvidenceStore, kind: str, reason: str) -> None:
    cov = run_coverage(run("logs#1", "web01", error=(kind, "no route")), store)
    assert (cov.status, cov.reasons) == ("not_examined", (reason,))


def test_old_results_without_coverage_count_as_examined_or_partial_from_truncation(
    store: EvidenceStore,
) -> None:
    whole = run_coverage(run("logs#1", "a", result=stored(store, None)), store)
    capped = run("logs#1", "a", result=stored(store, None, truncated=True)).model_copy(
        update={"truncated": True}
    )
    cut = run_coverage(capped, store)
    assert whole.status == "examined" and cut.status == "partial"


def test_runs_over_hosts_combine_to_partial_naming_the_host_not_examined(store: EvidenceStore) -> None:
    a = stored(store, examined("/var/log/auth.log", 500, "2026-11-20T00:00:00", "2026-12-01T00:00:00", 7))
    b = stored(store, examined("/var/log/secure", 300, "2026-11-10T00:00:00", "2026-11-30T00:00:00", 5))
    runs = [
        run("logs#1", "web01", result=a),
        run("logs#1", "web02", result=b),
        run("logs#1", "db01", error=("HostUnreachableError", "timed out connecting")),
    ]
    decisions = {"logs": [StepDecision(proposal_id="logs#1", verdict="approve", approver="alice")]}
    outcomes = [StepOutcome(step_id="logs", status="done")]
    (logs, _, _) = step_coverage(PLAYBOOK, outcomes, decisions, runs, store)
    assert logs.status == "partial"
    assert logs.reasons == ("not examined on db01", "db01: host unreachable: timed out connecting")
    assert logs.hosts == ("web01", "web02", "db01") and (logs.runs, logs.failed_runs) == (3, 1)
    assert logs.examined is not None
    assert [src.path for src in logs.examined.sources if src.found] == [
        "web01:/var/log/auth.log",
        "web02:/var/log/secure",
    ]
    assert (logs.examined.lines_read, logs.examined.matched, logs.examined.kept) == (800, 12, 12)
    assert (logs.examined.first_ts, logs.examined.last_ts) == ("2026-11-10T00:00:00", "2026-12-01T00:00:00")


def test_every_run_examined_is_examined_and_none_is_not_examined(store: EvidenceStore) -> None:
    a = stored(store, examined("/var/log/auth.log", 5, "2026-11-20T00:00:00", "2026-12-01T00:00:00", 1))
    decisions = {"logs": [StepDecision(proposal_id="logs#1", verdict="approve")]}
    both = [run("logs#1", "web01", result=a), run("logs#1", "web02", result=a)]
    (ok, _, _) = step_coverage(PLAYBOOK, [], decisions, both, store)
    assert ok.status == "examined" and ok.reasons == ()
    failed = [
        run("logs#1", "web01", error=("InvalidToolArgsError", "max_matches above the bound")),
        run("logs#1", "web02", error=("HostUnreachableError", "no route")),
    ]
    (bad, _, _) = step_coverage(PLAYBOOK, [], decisions, failed, store)
    assert bad.status == "not_examined"
    assert bad.reasons == (
        "web01: the tool refused the args: max_matches above the bound",
        "web02: host unreachable: no route",
    )


def test_denied_skipped_condition_false_and_unreached_steps(store: EvidenceStore) -> None:
    decisions = {
        "logs": [
            StepDecision(proposal_id="logs#1", verdict="deny", approver="alice", reason="not this host")
        ],
        "procs": [StepDecision(proposal_id="procs#1", verdict="skip", approver="bob")],
    }
    outcomes = [
        StepOutcome(step_id="logs", status="denied"),
        StepOutcome(step_id="procs", status="skipped"),
    ]
    logs, procs, later = step_coverage(PLAYBOOK, outcomes, decisions, [], store)
    assert (logs.status, logs.reasons) == ("not_examined", ("denied by alice: not this host",))
    assert (procs.status, procs.reasons) == ("not_examined", ("skipped by bob",))
    assert (later.status, later.reasons) == (
        "not_examined",
        ("not reached (the case ended before this step)",),
    )
    gated = [*outcomes, StepOutcome(step_id="later", status="condition_false", note="condition not met")]
    (*_, skipped) = step_coverage(PLAYBOOK, gated, decisions, [], store)
    assert (skipped.status, skipped.reasons) == ("condition_false", ("condition not met",))


def test_coverage_lines_say_what_was_read_and_why_not_more() -> None:
    cov = examined("/var/log/auth.log", 5312, "2026-11-20", "2026-12-04", 12).model_copy(
        update={"year_inferred": True}
    )
    assert (
        coverage_line(cov)
        == "examined: 1 file, 5312 lines, 2026-11-20..2026-12-04 (year inferred); 12 matched, 12 kept"
    )
    empty = cov.model_copy(
        update={"status": "not_examined", "reasons": ("the window excludes all 5312 lines",)}
    )
    assert coverage_warning(empty) == (
        "not examined: the window excludes all 5312 lines; the lines there span 2026-11-20..2026-12-04 "
        "(year inferred) (5312 lines read)"
    )
