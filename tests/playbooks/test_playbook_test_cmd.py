"""`sleuth playbook test` replays the shipped fixtures through the real graph; `record` writes new cases."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.cli.main import main
from playbooks.discovery import find_playbook, list_playbooks

LIBRARY_WITH_CASES = {
    "linux.ssh.bruteforce",
    "linux.process.suspicious",
    "linux.persistence",
    "linux.malware.hash_sweep",
    "linux.account.compromise",
    "web.webshell",
}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["playbook", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def bruteforce_copy(tmp_path: Path) -> Path:
    """A copy of linux.ssh.bruteforce and its recorded sandbox case, free to tamper with."""
    source = find_playbook("linux.ssh.bruteforce")
    target = tmp_path / "bruteforce.yaml"
    shutil.copy(source, target)
    cases = source.with_name("bruteforce.tests")
    shutil.copytree(cases / "sandbox", tmp_path / "bruteforce.tests" / "sandbox")  # one case to tamper with
    return target


def case_dir(playbook: Path) -> Path:
    return playbook.with_name(playbook.stem + ".tests") / "sandbox"


def edit_test(playbook: Path, change) -> None:
    path = case_dir(playbook) / "test.yaml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_shipped_cases_pass(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(capsys, "test")
    lines = out.splitlines()
    assert code == 0, out + err
    assert {line.split()[1].split("/")[0] for line in lines} == LIBRARY_WITH_CASES
    assert all(line.startswith("PASS ") for line in lines)
    assert f"{len(lines)} case(s): {len(lines)} passed, 0 failed" in err


def test_test_cases_are_not_listed_or_linted_as_playbooks() -> None:
    assert not [e.id for e in list_playbooks() if ".tests" in e.id]
    assert main(["playbook", "lint", str(find_playbook("linux.persistence").parent)]) == 0


def test_one_playbook_by_id_and_by_case_folder(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "test", "linux.process.suspicious")
    assert code == 0 and out.startswith("PASS linux.process.suspicious/sandbox (4 steps, ")
    folder = case_dir(find_playbook("linux.malware.hash_sweep"))
    code, out, _ = run_cli(capsys, "test", str(folder))
    assert code == 0 and out.startswith("PASS linux.malware.hash_sweep/sandbox")


def test_tampered_finding_fails_with_the_difference(
    capsys: pytest.CaptureFixture[str], bruteforce_copy: Path
) -> None:
    def drop_source(data: dict[str, Any]) -> None:
        data["expect"]["findings"]["sources"].remove("192.0.2.77")

    edit_test(bruteforce_copy, drop_source)
    code, out, err = run_cli(capsys, "test", str(bruteforce_copy))
    assert code == 1
    assert out.strip() == "FAIL bruteforce/sandbox: finding sources: unexpected ['192.0.2.77']"
    assert "1 failed" in err


def test_tampered_path_fails_at_the_first_different_step(
    capsys: pytest.CaptureFixture[str], bruteforce_copy: Path
) -> None:
    def deny_expected(data: dict[str, Any]) -> None:
        data["expect"]["steps"][2]["status"] = "denied"

    edit_test(bruteforce_copy, deny_expected)
    code, out, _ = run_cli(capsys, "test", str(bruteforce_copy))
    assert code == 1
    assert out.strip() == (
        "FAIL bruteforce/sandbox: step 3: expected attacker_logins=denied, got attacker_logins=done"
    )


def test_scripted_deny_changes_the_path(capsys: pytest.CaptureFixture[str], bruteforce_copy: Path) -> None:
    def deny_third(data: dict[str, Any]) -> None:
        data["answers"] = ["a", "approve", "d the source list is enough"]
        data["expect"]["steps"] = [
            {"id": "failed_logins", "status": "done"},
            {"id": "accepted_logins", "status": "done"},
            {"id": "attacker_logins", "status": "denied"},
            {"id": "after_login", "status": "condition_false"},
            {"id": "login_records", "status": "condition_false"},
        ]
        keep = ("sources", "pam_sources", "targeted_users", "invalid_sources", "invalid_users")
        keep += ("accepted_sources", "accepted_users")
        data["expect"]["findings"] = {k: data["expect"]["findings"][k] for k in keep}
        # The step that would decide it was denied: the case cannot say compromised, nor clean.
        data["expect"]["verdict"] = "inconclusive"

    edit_test(bruteforce_copy, deny_third)
    code, out, _ = run_cli(capsys, "test", str(bruteforce_copy))
    assert code == 0, out
    assert out.startswith("PASS bruteforce/sandbox (5 steps, ")


def test_missing_fixture_is_a_replay_miss_line_not_a_traceback(
    capsys: pytest.CaptureFixture[str], bruteforce_copy: Path
) -> None:
    fixtures = case_dir(bruteforce_copy) / "fixtures"
    (fixtures / next(p.name for p in fixtures.glob("list_logins.*.json"))).unlink()
    code, out, err = run_cli(capsys, "test", str(bruteforce_copy))
    assert code == 1
    assert out.startswith(
        "FAIL bruteforce/sandbox: step login_records: ReplayMissError: no recorded output for "
        'list_logins on sandbox-01 with args {"which": "success"}'
    )
    assert "Traceback" not in out + err


def test_invalid_test_file_is_one_clear_line(
    capsys: pytest.CaptureFixture[str], bruteforce_copy: Path
) -> None:
    edit_test(bruteforce_copy, lambda data: data.update(expected=data.pop("expect")))
    code, out, _ = run_cli(capsys, "test", str(bruteforce_copy))
    assert code == 1
    assert out.startswith("FAIL bruteforce/sandbox: PlaybookTestError: ")
    assert "expect: Field required" in out and "expected: Extra inputs are not permitted" in out


def test_unanswered_script_and_unknown_target(
    capsys: pytest.CaptureFixture[str], bruteforce_copy: Path
) -> None:
    edit_test(bruteforce_copy, lambda data: data.update(answers=["a"] * 7))
    code, out, _ = run_cli(capsys, "test", str(bruteforce_copy))
    assert code == 1 and out.strip().endswith("2 scripted answer(s) never asked for")
    assert main(["playbook", "test", "no.such.playbook"]) == 2
    assert "no playbook, case folder or file 'no.such.playbook'" in capsys.readouterr().err


@pytest.mark.sshd
def test_record_then_replay(capsys: pytest.CaptureFixture[str], sandbox, tmp_path: Path) -> None:
    playbook = tmp_path / "suspicious.yaml"
    shutil.copy(find_playbook("linux.process.suspicious"), playbook)
    argv = ["record", str(playbook), "--target", sandbox.host_name, "--inventory", str(sandbox.inventory)]
    code, out, _ = run_cli(capsys, *argv, "--name", "live", "--ignore", "remote_ports")
    assert code == 0, out
    spec = yaml.safe_load((tmp_path / "suspicious.tests" / "live" / "test.yaml").read_text())
    expected = sandbox.expected
    assert spec["target"] == sandbox.host_name
    assert set(spec["expect"]["findings"]["suspicious_pids"]) == {
        str(expected.miner.pid),
        str(expected.deleted_exe_process.pid),
    }
    assert spec["expect"]["ignore_findings"] == ["remote_ports"]
    code, out, _ = run_cli(capsys, *argv)  # the default case name
    assert code == 0
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and "default exists; use --force to record it again" in err
    code, out, _ = run_cli(capsys, "test", str(playbook))
    assert code == 0, out
    assert [line.split()[:2] for line in out.splitlines()] == [
        ["PASS", "suspicious/default"],
        ["PASS", "suspicious/live"],
    ]
