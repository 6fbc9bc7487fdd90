"""A `sleuth run` SIGKILLed right after its ledger's first line (case_opened) leaves a case that resumes and
closes like an uncrashed one: run.json is written before the ledger (the fault campaign found a case there
that could never be resumed: "cannot read run.json")."""

from __future__ import annotations

from pathlib import Path

from tests.campaign.common import only_case, sleuth
from tests.campaign.kill_gates import baseline_of, check_case
from tests.campaign.kills import ANSWERS, RUN_TIMEOUT_S, KillPlan, Scene, drive_case


def test_a_run_killed_after_case_opened_resumes_to_the_baseline(tmp_path: Path) -> None:
    base = Scene(tmp_path / "baseline")
    done = sleuth(*base.run_args(), home=base.home, stdin=ANSWERS, timeout=RUN_TIMEOUT_S)
    base_case = only_case(base.cases)
    assert done.returncode == 0 and base_case is not None, done.stderr
    runs = drive_case(Scene(tmp_path / "killed"), KillPlan("ledger:1", at=1))
    assert runs.kill_sent, "the run ended before its first ledger line could be seen"
    result = check_case(runs, baseline_of(base_case))
    assert all(result["gates"].values()), result["detail"]
