"""An approval has a shelf life when asked for: a decision that waited past its TTL (here across a crash)
is not executed; the step is proposed and asked again, and the ledger says why."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from agent.case.ledger import iter_entries

SLEUTH = [sys.executable, "-c", "import sys; from agent.cli.main import main; sys.exit(main())"]


def _sleuth(args: list[str], home: Path, stdin: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SLEUTH, *args],
        input=stdin,
        env={**os.environ, "SLEUTH_HOME": str(home), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_expired_approval_is_asked_again_not_executed(sandbox, tmp_path: Path) -> None:
    run = [
        "run",
        "linux.ssh.bruteforce",
        "--target",
        sandbox.host_name,
        "--inventory",
        str(sandbox.inventory),
        "--backend",
        "guided",
        "--approval-ttl",
        "1",
    ]
    crashed = _sleuth(run, tmp_path, "a\n", SLEUTH_CRASH_AT="after:approve")
    assert crashed.returncode == -9, crashed.stderr  # killed right after the first approval was recorded
    case_id = re.search(r"case (\S+) opened", crashed.stderr).group(1)
    time.sleep(1.5)

    resumed = _sleuth(["resume", case_id], tmp_path, "a\n" * 5)
    assert resumed.returncode == 0, resumed.stderr
    entries = list(iter_entries(tmp_path / "cases" / case_id / "ledger.jsonl"))
    first_proposal = next(e for e in entries if e.kind == "proposal")
    assert not any(
        e.kind == "execution_started" and e.data["proposal_seq"] == first_proposal.seq for e in entries
    )
    assert any(e.kind == "note" and "expired" in e.data["text"] for e in entries)
    step_one = [
        e for e in entries if e.kind == "proposal" and e.data["step_id"] == first_proposal.data["step_id"]
    ]
    assert len(step_one) == 2  # proposed again, approved again, then run
    assert _sleuth(["audit", "verify", case_id], tmp_path, "").returncode == 0
