"""Helpers for the case-store tests: real case directories under tmp_path."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from agent.case.payloads import (
    DecisionRecorded,
    ExecutionFinished,
    ExecutionStarted,
    FindingRecorded,
    ProposalRecorded,
)
from agent.case.store import Case, CaseStore
from tests.support import cli


def run_step(case: Case, output: bytes, *, tool: str = "list_processes", host: str = "web01") -> int:
    """Record one proposal -> approval -> execution -> result -> finding; returns the finish seq."""
    proposal = ProposalRecorded(tool=tool, args={"user": "root"}, host=host, rationale="look")
    p = case.ledger.append(proposal, actor="model").seq
    d = case.ledger.append(
        DecisionRecorded(proposal_seq=p, verdict="approve", approver="alice"), actor="alice"
    ).seq
    s = case.ledger.append(ExecutionStarted(decision_seq=d, proposal_seq=p, tool=tool, host=host,
                                            args={"user": "root"}), actor="system").seq
    ref = case.evidence.put(output)
    f = case.ledger.append(ExecutionFinished(
        started_seq=s, tool=tool, host=host, host_key_fingerprint="SHA256:abc",
        argv=("ps", "-eo", "pid,comm"), exit_status=0, output_sha256=ref.sha256, bytes=ref.size,
        truncated=False, evidence=ref.relpath, duration_s=0.05), actor="system").seq
    case.ledger.append(FindingRecorded(name="suspicious_process", value="kworkerd", evidence=(ref.sha256,),
                                       source_seq=f), actor="system")
    return f


def make_case(root: Path, *, steps: int = 2, close: bool = True) -> Path:
    """A case with `steps` executions: 1 + 5*steps entries (+1 case_closed when closed); returns its dir."""
    store = CaseStore(root)
    with store.create(playbook_id="ssh-bruteforce", target="web01", actor="alice", approver="alice") as case:
        for i in range(steps):
            run_step(case, f"PID COMMAND\n{i} kworkerd\n".encode())
        if close:
            case.close(actor="alice")
        return case.dir


def ledger_lines(case_dir: Path) -> list[bytes]:
    """The ledger's lines, newline kept."""
    return (case_dir / "ledger.jsonl").read_bytes().splitlines(keepends=True)


def write_lines(case_dir: Path, lines: list[bytes]) -> None:
    """Overwrite the ledger with these lines."""
    (case_dir / "ledger.jsonl").write_bytes(b"".join(lines))


def entry_of(line: bytes) -> dict[str, Any]:
    """One ledger line as a dict."""
    parsed: dict[str, Any] = json.loads(line)
    return parsed


def sleuth(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """Run the real `sleuth` CLI in a subprocess, SLEUTH_HOME=home, in a bare environment (PATH, HOME)."""
    return cli.sleuth(*args, home=home, env={"PATH": "/usr/bin:/bin", "HOME": str(home)}, timeout=60)


@pytest.fixture
def cases_root(tmp_path: Path) -> Path:
    """A fresh cases directory."""
    return tmp_path / "cases"
