"""SIGKILL `sleuth run` at every node boundary and between a tool's effect and its ledger entry, then resume.

Against the real sandbox host (sshd), in subprocesses. After each crash and resume the ledger must show:
every proposal decided exactly once, no prompt for a decision already recorded, every execution after an
approving decision, the interrupted run (and only it) re-executed, flagged, after a `resumed` entry; the
ledger verifies and the report finds what an uncrashed run finds.
"""

from __future__ import annotations

import itertools
import signal
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.case.entry import LedgerEntry
from agent.case.payloads import LedgerKind
from agent.cli.main import EXIT_USAGE
from tests.conftest import SandboxHandle
from tests.graph.crash_harness import (
    Harness,
    decided,
    ends_by_start,
    of_kind,
    report_findings,
    report_hashes,
    run_key,
)

KILLED = -signal.SIGKILL


@dataclass(frozen=True)
class Baseline:
    """What an uncrashed guided run of the playbook on the sandbox host records."""

    proposal_ids: list[str]
    """Proposal ids in ledger order."""
    starts: int
    """execution_started entries."""
    findings: set[tuple[str, str]]
    """(name, value) of the report's findings."""


@dataclass(frozen=True)
class Interrupted:
    """The run a crash point cuts short: the proposal and fan-out item that must be re-executed."""

    proposal_id: str
    item: str | None = None


@pytest.fixture(scope="module")
def baseline(sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> Baseline:
    """One uncrashed run, the reference every crashed run is compared with."""
    h = Harness(tmp_path_factory.mktemp("baseline"), sandbox.inventory, sandbox.host_name)
    done = h.run_case(answers=20)
    assert done.returncode == 0, done.stderr
    case = h.only_case()
    entries = h.ledger(case)
    proposals = [str(p.data["proposal_id"]) for p in of_kind(entries, LedgerKind.PROPOSAL)]
    assert len(proposals) == 5 and h.prompts == 5 and decided(entries) == 5
    assert not of_kind(entries, LedgerKind.RESUMED)
    findings = report_findings(h.cases / case)
    assert ("compromised_users", "deploy") in findings
    return Baseline(proposals, len(of_kind(entries, LedgerKind.EXECUTION_STARTED)), findings)


def _harness(sandbox: SandboxHandle, tmp_path: Path) -> Harness:
    return Harness(tmp_path / "home", sandbox.inventory, sandbox.host_name)


def _resume_to_end(h: Harness, case: str, baseline: Baseline, *, crash_at: str | None = None) -> int:
    """Resume with exactly the answers still owed; returns the exit status."""
    left = len(baseline.proposal_ids) - decided(h.ledger(case))
    return h.resume(case, answers=left, crash_at=crash_at).returncode


def _assert_invariants(
    h: Harness,
    case: str,
    baseline: Baseline,
    *,
    resumes: int,
    interrupted: Interrupted | None,
    crashes: int = 1,
) -> None:
    entries = h.ledger(case)
    at = {e.seq: e for e in entries}
    proposals = of_kind(entries, LedgerKind.PROPOSAL)
    assert [p.data["proposal_id"] for p in proposals] == baseline.proposal_ids  # none lost, none doubled

    decisions = Counter(d.data["proposal_seq"] for d in of_kind(entries, LedgerKind.DECISION))
    assert decisions == Counter({p.seq: 1 for p in proposals}), "every proposal decided exactly once"
    assert h.prompts == len(proposals), "a recorded decision was asked again (or one was never asked)"

    starts = of_kind(entries, LedgerKind.EXECUTION_STARTED)
    for s in starts:
        d = at.get(int(s.data["decision_seq"]))  # type: ignore[arg-type]
        assert d is not None and d.kind == LedgerKind.DECISION and d.seq < s.seq, (
            f"start {s.seq}: no prior decision"
        )
        assert d.data["verdict"] in ("approve", "edit") and d.data["proposal_seq"] == s.data["proposal_seq"]

    resumed = of_kind(entries, LedgerKind.RESUMED)
    assert len(resumed) == resumes
    groups: dict[tuple[object, object, object], list[LedgerEntry]] = {}
    for s in starts:
        groups.setdefault(run_key(s), []).append(s)
    ends = ends_by_start(entries)
    for group in groups.values():
        assert group[0].data["reexecution"] is False
        *cut_short, last = group
        assert len(ends.get(last.seq, [])) == 1, f"run {last.seq} must end exactly once"
        for earlier in cut_short:
            assert earlier.seq not in ends, f"run {earlier.seq} had finished and was run again"
        for prev, nxt in itertools.pairwise(group):
            assert nxt.data["reexecution"] is True, f"re-execution {nxt.seq} not flagged"
            assert any(prev.seq < r.seq < nxt.seq for r in resumed), (
                f"re-execution {nxt.seq} without `resumed`"
            )
        assert ends[last.seq][0].data.get("reexecution") is (len(group) > 1)

    again = [g for g in groups.values() if len(g) > 1]
    if interrupted is None:
        assert not again, "a crash outside execute must not re-run any tool"
        assert all(r.data.get("pending_started_seq") is None for r in resumed)
    else:
        assert len(again) == 1, f"exactly the interrupted run is re-executed, got {len(again)} groups"
        group = again[0]
        assert at[int(group[0].data["proposal_seq"])].data["proposal_id"] == interrupted.proposal_id  # type: ignore[arg-type]
        assert group[0].data.get("item") == interrupted.item
        assert len(group) == 1 + crashes
        assert [r.data.get("pending_started_seq") for r in resumed] == [s.seq for s in group[:-1]]
        assert "(re-executed after a crash)" in (h.cases / case / "report.md").read_text(encoding="utf-8")
    assert len(starts) == baseline.starts + (crashes if interrupted else 0)

    assert entries[-1].kind == LedgerKind.CASE_CLOSED and h.status(case) == "closed"
    assert report_findings(h.cases / case) == baseline.findings
    reports = of_kind(entries, LedgerKind.REPORT)
    assert len(reports) == 1
    assert report_hashes(h.cases / case) == (
        reports[0].data["markdown_sha256"],
        reports[0].data["json_sha256"],
    )
    verified = h.verify(case)
    assert verified.returncode == 0, verified.stdout + verified.stderr


CRASH_POINTS = [
    pytest.param("after:plan#1", None, id="after-plan-first"),
    pytest.param("after:plan#3", None, id="after-plan"),
    pytest.param("after:propose#3", None, id="after-propose"),
    pytest.param("after:approve#3", None, id="after-approve"),
    pytest.param("after:execute#3", None, id="after-execute"),
    pytest.param("after:analyse#3", None, id="after-analyse"),
    pytest.param("after:advance#3", None, id="after-advance"),
    pytest.param("execute:started#3", Interrupted("attacker_logins#1"), id="execute-started"),
    pytest.param("execute:ran#4", Interrupted("after_login#1", "deploy"), id="execute-ran-fanout"),
    pytest.param("report:recorded#1", None, id="report-recorded"),
]


@pytest.mark.parametrize(("point", "interrupted"), CRASH_POINTS)
def test_crash_then_resume(
    point: str, interrupted: Interrupted | None, sandbox: SandboxHandle, baseline: Baseline, tmp_path: Path
) -> None:
    """Killed at `point`, resumed once: nothing lost, nothing asked twice, only the cut run re-run."""
    h = _harness(sandbox, tmp_path)
    crashed = h.run_case(answers=len(baseline.proposal_ids), crash_at=point)
    assert crashed.returncode == KILLED, f"not killed at {point}: rc {crashed.returncode}\n{crashed.stderr}"
    case = h.only_case()
    assert h.status(case) == "open"
    assert _resume_to_end(h, case, baseline) == 0, h.runs[-1].stderr
    _assert_invariants(h, case, baseline, resumes=1, interrupted=interrupted)


def test_crash_again_during_reexecution(sandbox: SandboxHandle, baseline: Baseline, tmp_path: Path) -> None:
    """Killed after a tool ran, then killed again while re-running it: each run has its own flagged start."""
    h = _harness(sandbox, tmp_path)
    assert h.run_case(answers=5, crash_at="execute:ran#2").returncode == KILLED
    case = h.only_case()
    assert _resume_to_end(h, case, baseline, crash_at="execute:started#1") == KILLED
    assert _resume_to_end(h, case, baseline) == 0, h.runs[-1].stderr
    _assert_invariants(h, case, baseline, resumes=2, interrupted=Interrupted("accepted_logins#1"), crashes=2)


def test_crash_after_report_leaves_a_closed_case(
    sandbox: SandboxHandle, baseline: Baseline, tmp_path: Path
) -> None:
    """Killed after the report node: the case is already closed; resume says so and changes nothing."""
    h = _harness(sandbox, tmp_path)
    assert h.run_case(answers=5, crash_at="after:report#1").returncode == KILLED
    case = h.only_case()
    before = (h.cases / case / "ledger.jsonl").read_bytes()
    refused = h.resume(case, answers=5)
    assert refused.returncode == EXIT_USAGE and "nothing to resume" in refused.stderr
    assert (h.cases / case / "ledger.jsonl").read_bytes() == before
    _assert_invariants(h, case, baseline, resumes=0, interrupted=None)
