"""SIGKILL in the middle of a step that runs two hosts at once, then resume: a run finished before the crash
is not repeated, a run cut short is re-run flagged, every run ends once, and the ledger verifies."""

from __future__ import annotations

import signal
from itertools import groupby
from pathlib import Path

import yaml

from agent.case.payloads import LedgerKind
from tests.conftest import SandboxHandle
from tests.graph.crash_harness import Harness, ends_by_start, of_kind, run_key

KILLED = -signal.SIGKILL


def _two_names(sandbox: SandboxHandle, directory: Path) -> Path:
    """An inventory naming the sandbox host twice (alpha, beta) in group `fleet`: two connections."""
    doc = yaml.safe_load(sandbox.inventory.read_text())
    entry = {**doc["hosts"][sandbox.host_name], "groups": ["fleet"]}
    path = directory / "inventory.yaml"
    path.write_text(yaml.safe_dump({"hosts": {"alpha": entry, "beta": entry}}, sort_keys=False))
    return path


def test_a_crash_mid_fan_out_repeats_no_finished_run(sandbox: SandboxHandle, tmp_path: Path) -> None:
    h = Harness(tmp_path / "home", _two_names(sandbox, tmp_path), "fleet")
    # Passes 1 and 2 are step 1's two hosts; the 3rd is the first host to finish step 2.
    assert h.run_case(answers=5, crash_at="execute:ran#3").returncode == KILLED
    case = h.only_case()
    before = h.ledger(case)
    ended_before = ends_by_start(before)
    started_before = of_kind(before, LedgerKind.EXECUTION_STARTED)
    finished_before = {run_key(s) for s in started_before if s.seq in ended_before}
    assert len(finished_before) == 2

    done = h.resume(case, answers=20)
    assert done.returncode == 0, done.stderr
    assert h.status(case) == "closed"
    entries = h.ledger(case)
    ends = ends_by_start(entries)
    starts = sorted(of_kind(entries, LedgerKind.EXECUTION_STARTED), key=lambda s: (str(run_key(s)), s.seq))
    flagged = 0
    for key, group in groupby(starts, key=run_key):
        runs = list(group)
        assert all(len(ends.get(s.seq, [])) <= 1 for s in runs)
        assert [s.seq for s in runs if s.seq in ends] == [runs[-1].seq], key  # only the last one ended
        assert all(s.data["reexecution"] for s in runs[1:]), key
        flagged += len(runs) - 1
        if key in finished_before:
            assert len(runs) == 1, f"{key} finished before the crash and ran again"
    assert flagged >= 1  # the run cut short by the crash
    assert {s.data["host"] for s in starts} == {"alpha", "beta"}
    assert h.verify(case).returncode == 0
