"""The campaign script's `--quick` mode, as CI runs it: a few kills, faults, bad inputs, tampers; every gate.

The script runs as a subprocess, exactly as a person runs it, and its JSON is checked part by part (so a
failure names the gate). The faults part needs a real sshd and is skipped, saying why, where it cannot run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.support.cli import ROOT
from tests.transport.sshd_helpers import NEEDS_SSHD_REASONS


def _campaign(*parts: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.campaign.run_campaign", "--quick", "--parts", ",".join(parts)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=290,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    summary: dict[str, Any] = json.loads(done.stdout)
    return done.returncode, summary


@pytest.mark.timeout(300)  # ~60 s of CPU; on a machine shared with other suites the wall time can triple
def test_quick_kills_inputs_and_tampering_hold_every_gate() -> None:
    code, summary = _campaign("kills", "inputs", "tamper")
    kills, inputs, tamper = (summary["parts"][p] for p in ("kills", "inputs", "tamper"))
    assert kills["failed_cases"] == [] and kills["cases_survived"] == kills["cases"] == 3, kills
    assert kills["sigkills_delivered"] >= 4 and kills["tracebacks"] == 0, kills
    assert kills["reexecutions_flagged"] >= 1, kills  # the named point cuts a run short
    assert inputs["failed"] == [] and inputs["tracebacks"] == inputs["exit_70"] == 0, inputs
    assert tamper["caught"] == tamper["tried"] > 0 and tamper["cli_cross_check"]["agrees"], tamper
    assert code == 0 and summary["ok"] is True


def test_quick_faults_end_in_time_with_one_line() -> None:
    for missing, reason in NEEDS_SSHD_REASONS:
        if missing:
            pytest.skip(reason)
    code, summary = _campaign("faults")
    faults = summary["parts"]["faults"]
    failed = [r for r in faults["results"] if not r["ok"]]
    assert failed == [] and faults["calls"] == 3 and faults["tracebacks"] == 0, failed
    assert code == 0 and summary["ok"] is True
