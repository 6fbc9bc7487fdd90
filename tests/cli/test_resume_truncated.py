"""`sleuth resume` over a ledger shortened behind its checkpoint's back: refused in one line, nothing written.

The case pauses at a proposal (the ledger's last entry, which the checkpointed state and its pending
approval name by seq); then the ledger loses that entry: cut whole (a lost tail), cut mid-line (a torn
last line), or cut and written again (another entry at that seq). Resuming would record a decision for a
proposal the ledger no longer holds and close with a chain that fails `audit verify`. A torn line the
checkpoint does not depend on is still repaired on resume, as before.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import yaml

from agent.case.payloads import NoteRecorded
from agent.case.store import CaseStore
from agent.cli.main import EXIT_CHECK_FAILED
from agent.graph.faults import ENV_VAR
from playbooks.discovery import find_playbook
from tests.support.cli import guided_run, sleuth

HOST = "sandbox-01"
FIXTURES = find_playbook("linux.ssh.bruteforce").with_suffix(".tests") / "sandbox" / "fixtures"
PAUSED = 5


def _paused_case(home: Path, *, crash_at: str | None = None) -> Path:
    """A case paused (or killed, at `crash_at`) at its second proposal, the first approved and run."""
    home.mkdir(parents=True, exist_ok=True)
    inventory = home / "inventory.yaml"
    inventory.write_text(yaml.safe_dump({"hosts": {HOST: {"address": "127.0.0.1", "user": "replay"}}}))
    args = guided_run(HOST, inventory, "--console", "--replay", str(FIXTURES))
    env = {**os.environ, ENV_VAR: crash_at} if crash_at else None
    proc = sleuth(*args, home=home, stdin="a\n", env=env)
    assert proc.returncode == (-9 if crash_at else PAUSED), proc.stderr
    match = re.search(r"case (\S+) opened", proc.stderr)
    assert match, proc.stderr
    case_dir = home / "cases" / match.group(1)
    assert json.loads(_lines(case_dir)[-1])["kind"] == "proposal"
    return case_dir


def _lines(case_dir: Path) -> list[bytes]:
    return (case_dir / "ledger.jsonl").read_bytes().splitlines(keepends=True)


def _write(case_dir: Path, lines: list[bytes]) -> None:
    (case_dir / "ledger.jsonl").write_bytes(b"".join(lines))


def _snapshot(case_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(case_dir)): p.read_bytes() for p in sorted(case_dir.rglob("*")) if p.is_file()}


def _refused(case_dir: Path) -> str:
    """Resume (answers ready on stdin); assert one line, exit 1, not a byte written; returns the line."""
    before = _snapshot(case_dir)
    proc = sleuth("resume", case_dir.name, "--console", home=case_dir.parent.parent, stdin="a\n" * 5)
    assert proc.returncode == EXIT_CHECK_FAILED, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"sleuth: error: case {case_dir.name}: "), proc.stderr
    assert _snapshot(case_dir) == before, "resume wrote to a case it refused"
    return lines[0]


def test_a_lost_tail_the_checkpoint_depends_on_is_refused(tmp_path: Path) -> None:
    case_dir = _paused_case(tmp_path)
    lines = _lines(case_dir)
    _write(case_dir, lines[:-1])  # the pending proposal's entry is gone; the shorter chain is valid
    line = _refused(case_dir)
    seq = len(lines)
    assert f"the checkpoint refers to ledger entry {seq} (proposal accepted_logins#1)" in line
    assert f"the ledger ends at seq {seq - 1}: its tail was lost" in line
    assert "cannot be resumed safely" in line and f"`sleuth report {case_dir.name}`" in line


def test_a_torn_last_line_the_checkpoint_depends_on_is_refused(tmp_path: Path) -> None:
    case_dir = _paused_case(tmp_path)
    lines = _lines(case_dir)
    _write(case_dir, [*lines[:-1], lines[-1][:60]])  # the proposal's line cut mid-write
    line = _refused(case_dir)
    assert f"the checkpoint refers to ledger entry {len(lines)} (proposal accepted_logins#1)" in line
    assert "a torn line follows it" in line and f"`sleuth audit repair {case_dir.name}`" in line


def test_a_lost_tail_is_refused_after_a_crash_too(tmp_path: Path) -> None:
    # Killed right after the second proposal's checkpoint: the newest checkpoints are in the -wal only.
    case_dir = _paused_case(tmp_path, crash_at="after:propose#2")
    assert (case_dir / "checkpoints.sqlite-wal").stat().st_size > 0
    lines = _lines(case_dir)
    _write(case_dir, lines[:-1])
    proc = sleuth("resume", case_dir.name, "--console", home=tmp_path, stdin="a\n" * 5)
    assert proc.returncode == EXIT_CHECK_FAILED, proc.stderr
    assert f"the checkpoint refers to ledger entry {len(lines)} (proposal accepted_logins#1)" in proc.stderr
    assert _lines(case_dir) == lines[:-1], "resume wrote to a ledger it refused"


def test_a_tail_cut_and_written_again_is_refused(tmp_path: Path) -> None:
    case_dir = _paused_case(tmp_path)
    lines = _lines(case_dir)
    _write(case_dir, lines[:-1])
    with CaseStore(case_dir.parent).open(case_dir.name) as case:  # a valid chain, another entry at that seq
        case.ledger.append(NoteRecorded(text="written after the cut"), actor="mallory")
    line = _refused(case_dir)
    assert f"the checkpoint's proposal accepted_logins#1 is ledger entry {len(lines)}" in line
    assert "is a note that does not match it" in line


def test_a_torn_line_the_checkpoint_does_not_need_is_repaired_on_resume(tmp_path: Path) -> None:
    case_dir = _paused_case(tmp_path)
    whole = _lines(case_dir)
    (case_dir / "ledger.jsonl").write_bytes(b"".join(whole) + b'{"actor":"sys')  # a crash mid-append
    proc = sleuth("resume", case_dir.name, "--console", home=case_dir.parent.parent, stdin="")
    assert proc.returncode == PAUSED, proc.stderr
    after = _lines(case_dir)
    assert after[: len(whole)] == whole
    kinds = [json.loads(line)["kind"] for line in after[len(whole):]]
    assert kinds == ["note", "resumed"], kinds
    verified = sleuth("audit", "verify", case_dir.name, home=case_dir.parent.parent)
    assert verified.returncode == 0, verified.stdout
