"""Exit codes that tell the truth: a case whose target was never reached exits 3 and its verdict says so; bad
input to `audit sign`, `intel import` and `--backend openai` exits 2.

Real CLI in subprocesses; the unreachable host is a loopback port nothing listens on.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from agent.cli.main import EXIT_OK, EXIT_TARGET, EXIT_USAGE
from agent.report.verdict import reach_of, unreached_kinds
from playbooks.discovery import find_playbook
from tests.support.cli import guided_run, sleuth

FIXTURES = find_playbook("linux.ssh.bruteforce").with_suffix(".tests") / "sandbox" / "fixtures"


def _dead_port() -> int:
    with socket.socket() as s:  # bound then closed: nothing listens there (refused at once)
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _inventory(home: Path, hosts: dict[str, dict[str, object]]) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    (home / "id_ed25519").write_bytes(key)
    path = home / "inventory.yaml"
    path.write_text(yaml.safe_dump({"hosts": hosts}))
    return path


def _case_id(home: Path) -> str:
    (case,) = (home / "cases").iterdir()
    return case.name


def _report(home: Path) -> tuple[str, dict[str, object]]:
    (case,) = (home / "cases").iterdir()
    return (case / "report.md").read_text(), json.loads((case / "report.json").read_text())


def test_a_host_nothing_listens_on_exits_3_and_the_verdict_says_never_reached(tmp_path: Path) -> None:
    port = _dead_port()
    inv = _inventory(
        tmp_path, {"web01": {"address": "127.0.0.1", "port": port, "user": "root", "key_file": "id_ed25519"}}
    )
    proc = sleuth(*guided_run("web01", inv, "--console"), home=tmp_path, stdin="a\n" * 10)
    assert proc.returncode == EXIT_TARGET, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"case {_case_id(tmp_path)}: closed; report: " in proc.stdout
    assert f"sleuth: error: case {_case_id(tmp_path)}: target never reached: web01: " in proc.stderr
    md, report = _report(tmp_path)
    verdict = report["verdict"]
    assert isinstance(verdict, dict)
    assert verdict["summary"].startswith(f"target never reached: web01: root@127.0.0.1:{port}"), verdict
    assert verdict["status"] != "no_evidence"
    assert "target never reached: web01:" in md


def test_a_missing_key_file_is_never_reached_either(tmp_path: Path) -> None:
    inv = _inventory(
        tmp_path,
        {"web01": {"address": "127.0.0.1", "port": _dead_port(), "user": "root", "key_file": "no-such-key"}},
    )
    proc = sleuth(*guided_run("web01", inv, "--console"), home=tmp_path, stdin="a\n" * 10)
    assert proc.returncode == EXIT_TARGET, proc.stderr
    md, _ = _report(tmp_path)
    assert "target never reached: web01: key file" in md


def test_a_group_of_dead_hosts_exits_3_naming_each(tmp_path: Path) -> None:
    hosts = {
        name: {
            "address": "127.0.0.1",
            "port": _dead_port(),
            "user": "root",
            "key_file": "id_ed25519",
            "groups": ["web"],
        }
        for name in ("web01", "web02")
    }
    proc = sleuth(
        *guided_run("web", _inventory(tmp_path, hosts), "--console"), home=tmp_path, stdin="a\n" * 10
    )
    assert proc.returncode == EXIT_TARGET, proc.stderr
    md, _ = _report(tmp_path)
    assert "target never reached: web01: " in md and "; web02: " in md


def test_a_case_whose_runs_reached_the_host_still_exits_0(tmp_path: Path) -> None:
    inv = _inventory(tmp_path, {"sandbox-01": {"address": "127.0.0.1", "user": "replay"}})
    args = guided_run("sandbox-01", inv, "--console", "--replay", str(FIXTURES))
    proc = sleuth(*args, home=tmp_path, stdin="a\n" * 10)
    assert proc.returncode == EXIT_OK, proc.stderr
    md, _ = _report(tmp_path)
    assert "never reached" not in md and "not reached" not in md


def test_reach_names_the_hosts_not_reached_when_others_were() -> None:
    reach = reach_of(
        [
            ("web01", None, ""),
            ("web02", "HostUnreachableError", "refused"),
            ("web02", "AuthFailedError", "key refused"),
            ("web03", "CommandFailedError", "grep exited 2"),  # it answered: reached
        ]
    )
    assert not reach.never
    assert reach.reached == ["web01", "web03"] and reach.text() == "web02: refused"
    assert reach_of([("a", "HostKeyMismatchError", "changed")]).never
    assert not reach_of([]).never  # nothing ran (every step denied): not "never reached"


def test_every_transport_error_kind_counts_as_not_reached() -> None:
    import tools.errors as errors

    kinds = unreached_kinds()
    transport = {
        name
        for name, cls in vars(errors).items()
        if isinstance(cls, type) and issubclass(cls, errors.TransportError)
    }
    assert transport <= kinds and "InventoryError" in kinds
    assert "CommandFailedError" not in kinds and "InvalidToolArgsError" not in kinds


def test_audit_sign_with_a_missing_or_unusable_key_is_bad_input(tmp_path: Path) -> None:
    case = "2026-01-01T000000-abcdef"
    missing = sleuth("audit", "sign", case, "--key", str(tmp_path / "nope.pem"), home=tmp_path)
    assert missing.returncode == EXIT_USAGE, missing.stderr
    inv = _inventory(tmp_path, {"sandbox-01": {"address": "127.0.0.1", "user": "replay"}})
    args = guided_run("sandbox-01", inv, "--console", "--replay", str(FIXTURES))
    assert sleuth(*args, home=tmp_path, stdin="a\n" * 10).returncode == EXIT_OK
    (case_dir,) = (tmp_path / "cases").iterdir()
    junk = tmp_path / "junk.pem"
    junk.write_text("not a key\n")
    bad = sleuth("audit", "sign", case_dir.name, "--key", str(junk), home=tmp_path)
    assert bad.returncode == EXIT_USAGE, bad.stderr
    assert bad.stderr.count("\n") == 1 and "junk.pem" in bad.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["intel", "import", "/no/such/hashes.txt", "--source", "x"],
        ["run", "linux.ssh.bruteforce", "--target", "local", "--backend", "openai", "--console"],
    ],
    ids=["intel-import-missing-file", "openai-without-base-url"],
)
def test_bad_input_exits_2(args: list[str], tmp_path: Path) -> None:
    proc = sleuth(*args, home=tmp_path, stdin="")
    assert proc.returncode == EXIT_USAGE, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert not (tmp_path / "cases").exists() or not list((tmp_path / "cases").iterdir())


def test_a_group_with_one_host_reached_exits_0_and_names_the_other(tmp_path: Path) -> None:
    from tests.transport.sshd_helpers import NEEDS_SSHD_REASONS, start_quiet_sshd, write_inventory

    for missing, reason in NEEDS_SSHD_REASONS:
        if missing:
            pytest.skip(reason)
    sshd = start_quiet_sshd(tmp_path / "sshd")
    try:
        inv = write_inventory(tmp_path / "inventory.yaml", sshd, name="box", groups=("web",))
        data = yaml.safe_load(inv.read_text())
        data["hosts"]["dead"] = {**data["hosts"]["box"], "port": _dead_port()}
        inv.write_text(yaml.safe_dump(data))
        proc = sleuth(*guided_run("web", inv, "--console"), home=tmp_path, stdin="a\n" * 20)
    finally:
        sshd.stop()
    assert proc.returncode == EXIT_OK, proc.stderr
    assert f"sleuth: warning: case {_case_id(tmp_path)}: not reached: dead: " in proc.stderr
    md, report = _report(tmp_path)
    verdict = report["verdict"]
    assert isinstance(verdict, dict) and " — not reached: dead: " in verdict["summary"], verdict
    assert "never reached" not in md and "not reached: dead: " in md
