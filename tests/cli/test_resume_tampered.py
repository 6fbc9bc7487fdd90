"""`sleuth resume` on a tampered or corrupted case: one line on stderr, exit 1, nothing written.

Also: the settings that change what may run are in the ledger's case_opened, and a run.json that disagrees
is refused. Real CLI in subprocesses, replayed from the library's recorded fixtures; each case pauses at
its first proposal (no answer on stdin) and is then damaged the way an attacker or a bad disk would.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from agent.case.ledger import iter_entries
from agent.case.payloads import CaseOpened, LedgerKind
from agent.cli.main import EXIT_CHECK_FAILED
from playbooks.discovery import find_playbook
from tests.support.cli import guided_run, sleuth

HOST = "sandbox-01"
FIXTURES = find_playbook("linux.ssh.bruteforce").with_suffix(".tests") / "sandbox" / "fixtures"
PAUSED = 5


def _paused_case(home: Path, *extra: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    inventory = home / "inventory.yaml"
    inventory.write_text(yaml.safe_dump({"hosts": {HOST: {"address": "127.0.0.1", "user": "replay"}}}))
    args = guided_run(HOST, inventory, "--console", "--replay", str(FIXTURES), *extra)
    proc = sleuth(*args, home=home, stdin="")
    assert proc.returncode == PAUSED, proc.stderr
    match = re.search(r"sleuth resume (\S+)", proc.stderr)
    assert match, proc.stderr
    return home / "cases" / match.group(1)


def _snapshot(case_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(case_dir.iterdir()) if p.is_file()}


def _refused(case_dir: Path) -> str:
    """Resume; assert one line, exit 1, no traceback, and not a byte written; returns the line."""
    before = _snapshot(case_dir)
    proc = sleuth("resume", case_dir.name, "--console", home=case_dir.parent.parent, stdin="a\n" * 5)
    assert proc.returncode == EXIT_CHECK_FAILED, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sleuth: error: case "), proc.stderr
    assert _snapshot(case_dir) == before, "resume wrote to a case it refused"
    return lines[0]


def test_the_settings_that_change_what_may_run_are_in_case_opened(tmp_path: Path) -> None:
    case_dir = _paused_case(tmp_path, "--approval-ttl", "600", "--timeout", "12")
    first = next(iter_entries(case_dir / "ledger.jsonl"))
    assert first.kind is LedgerKind.CASE_OPENED
    settings = CaseOpened.model_validate(first.data).settings
    assert settings is not None
    assert (settings.approval_ttl_s, settings.timeout_s, settings.trust_new_host_keys) == (600, 12, False)
    assert settings.backend == "guided"


def test_a_run_json_that_disagrees_with_the_ledger_is_refused(tmp_path: Path) -> None:
    case_dir = _paused_case(tmp_path, "--approval-ttl", "600")
    run = json.loads((case_dir / "run.json").read_text())
    (case_dir / "run.json").write_text(
        json.dumps({**run, "approval_ttl_s": None, "trust_new_host_keys": True})
    )
    line = _refused(case_dir)
    assert "disagrees with the ledger" in line and "approval_ttl_s, trust_new_host_keys" in line


def test_a_corrupt_run_json_is_one_line(tmp_path: Path) -> None:
    case_dir = _paused_case(tmp_path)
    (case_dir / "run.json").write_text('{"playbook_path": ')
    assert "run.json is corrupt" in _refused(case_dir)


def test_a_ledger_whose_chain_breaks_is_one_line(tmp_path: Path) -> None:
    case_dir = _paused_case(tmp_path)
    path = case_dir / "ledger.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    assert len(lines) >= 2 and b'"inputs":{}' in lines[0]
    lines[0] = lines[0].replace(b'"inputs":{}', b'"inputs":{"user":"x"}', 1)  # an earlier line edited
    path.write_bytes(b"".join(lines))
    line = _refused(case_dir)
    assert "the ledger fails verification at seq 1: hash mismatch" in line


def test_a_corrupt_checkpoints_file_is_one_line(tmp_path: Path) -> None:
    case_dir = _paused_case(tmp_path)
    for name in ("checkpoints.sqlite-wal", "checkpoints.sqlite-shm"):
        (case_dir / name).unlink(missing_ok=True)
    (case_dir / "checkpoints.sqlite").write_bytes(b"this is not a database\n" * 64)
    assert "checkpoints.sqlite is damaged" in _refused(case_dir)
