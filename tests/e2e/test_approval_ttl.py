"""An approval has a shelf life when asked for: a decision that waited past its TTL (here across a crash)
is not executed; the step is proposed and asked again, and the ledger says why."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from agent.case.ledger import iter_entries
from tests.support.cli import guided_run, sleuth


def test_expired_approval_is_asked_again_not_executed(sandbox, tmp_path: Path) -> None:
    run = guided_run(sandbox.host_name, sandbox.inventory, "--approval-ttl", "1")
    crash_env = {**os.environ, "SLEUTH_CRASH_AT": "after:approve"}
    crashed = sleuth(*run, home=tmp_path, stdin="a\n", env=crash_env)
    assert crashed.returncode == -9, crashed.stderr  # killed right after the first approval was recorded
    case_id = re.search(r"case (\S+) opened", crashed.stderr).group(1)
    time.sleep(1.5)

    resumed = sleuth("resume", case_id, home=tmp_path, stdin="a\n" * 5)
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
    assert sleuth("audit", "verify", case_id, home=tmp_path).returncode == 0
