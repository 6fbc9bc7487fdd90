"""`sleuth playbook test` checks an optional `expect.verdict` like the path and the findings."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agent.case.store import CaseStore
from agent.cli.main import main
from agent.run.runner import drive
from agent.run.session import RunSpec, open_case, session_scope
from tests.e2e.verdict_playbook import AUTH, write_playbook
from tests.support.approvers import ScriptedApprover


def recorded_case(tmp_path: Path, verdict: str | None) -> Path:
    """A verdict playbook with one test case recorded live on `local`; `verdict` goes into its expectation."""
    log = tmp_path / "auth.log"
    log.write_text(AUTH)
    playbook = write_playbook(tmp_path, log)
    case = playbook.with_name(playbook.stem + ".tests") / "local"
    spec = RunSpec(playbook_path=str(playbook), target="local", record_dir=str(case / "fixtures"))
    session = open_case(spec, store=CaseStore(tmp_path / "cases"), approver="rec")
    with session_scope(session):
        drive(session.ctx, ScriptedApprover(), session.initial)
    expect: dict[str, object] = {
        "steps": [{"id": "failed_logins", "status": "done"}, {"id": "accepted", "status": "done"}],
        "findings": {
            "sources": ["203.0.113.9", "198.51.100.7"],
            "login_users": ["deploy"],
            "login_sources": ["203.0.113.9"],
        },
    }
    if verdict is not None:
        expect["verdict"] = verdict
    (case / "test.yaml").write_text(yaml.safe_dump({"target": "local", "expect": expect}, sort_keys=False))
    return playbook


def run_test(capsys: pytest.CaptureFixture[str], playbook: Path) -> tuple[int, str]:
    code = main(["playbook", "test", str(playbook)])
    out, _ = capsys.readouterr()
    return code, out.strip()


def test_the_expected_verdict_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_test(capsys, recorded_case(tmp_path, "compromised"))
    assert code == 0, out
    assert out == "PASS verdict/local (2 steps, 4 findings, verdict compromised)"


def test_another_verdict_fails_with_what_was_reached(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_test(capsys, recorded_case(tmp_path, "no_evidence"))
    assert code == 1
    assert out.startswith(
        "FAIL verdict/local: verdict: expected no_evidence, got compromised (compromised: A source that"
    )


def test_no_expected_verdict_is_not_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_test(capsys, recorded_case(tmp_path, None))
    assert code == 0 and out.startswith("PASS verdict/local (2 steps, 4 findings, verdict compromised)")


def test_an_unknown_verdict_is_refused_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_test(capsys, recorded_case(tmp_path, "clean"))
    assert code == 1 and out.startswith("FAIL verdict/local: PlaybookTestError: ") and "expect.verdict" in out
