"""A tampered checkpoint cannot change what runs: `execute` checks the ledger's decision and proposal.

A case is killed right after its first approval is checkpointed (SLEUTH_CRASH_AT=after:approve); the
checkpoint (checkpoints.sqlite) is then rewritten through LangGraph's own API, as anyone who can write the
file could, and `sleuth resume` must refuse with one line, a note in the ledger, and no execution.
Replayed from the library's recorded fixtures, in subprocesses.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path
from typing import Any

import yaml
from langgraph.checkpoint.sqlite import SqliteSaver

from agent.case.checkpoints import checkpoint_serde
from agent.case.ledger import iter_entries
from agent.case.payloads import LedgerKind
from agent.case.store import CHECKPOINTS_FILE
from agent.case.verify import verify
from agent.cli.main import EXIT_CHECK_FAILED
from agent.graph.build import build_graph, compile_graph
from playbooks.discovery import find_playbook
from tests.support.cli import guided_run, sleuth

HOST = "sandbox-01"
FIXTURES = find_playbook("linux.ssh.bruteforce").with_suffix(".tests") / "sandbox" / "fixtures"


def _crash_after_first_decision(home: Path, answer: str) -> Path:
    inventory = home / "inventory.yaml"
    home.mkdir(parents=True, exist_ok=True)
    inventory.write_text(yaml.safe_dump({"hosts": {HOST: {"address": "127.0.0.1", "user": "replay"}}}))
    env = {**os.environ, "SLEUTH_CRASH_AT": "after:approve"}
    args = guided_run(HOST, inventory, "--console", "--replay", str(FIXTURES))
    proc = sleuth(*args, home=home, stdin=answer + "\n", env=env)
    assert proc.returncode < 0, proc.stderr  # killed at the crash point
    match = re.search(r"case (\S+) opened", proc.stderr)
    assert match, proc.stderr
    return home / "cases" / match.group(1)


def _tamper(case_dir: Path, update: Any) -> None:
    """Rewrite the checkpointed state after `approve` with `update(values)`."""
    conn = sqlite3.connect(case_dir / CHECKPOINTS_FILE, check_same_thread=False)
    try:
        saver = SqliteSaver(conn, serde=checkpoint_serde())
        app = compile_graph(build_graph(total_steps=5, followups=False), saver)
        config: Any = {"configurable": {"thread_id": case_dir.name}}
        values = app.get_state(config).values
        app.update_state(config, update(values), as_node="approve")
        assert app.get_state(config).next == ("execute",)
    finally:
        conn.close()


def _kinds(case_dir: Path) -> list[LedgerKind]:
    return [e.kind for e in iter_entries(case_dir / "ledger.jsonl")]


def _resume_refused(case_dir: Path) -> str:
    before = _kinds(case_dir)
    assert LedgerKind.EXECUTION_STARTED not in before
    proc = sleuth("resume", case_dir.name, "--console", home=case_dir.parent.parent, stdin="")
    after = _kinds(case_dir)
    assert LedgerKind.EXECUTION_STARTED not in after, "the tampered call ran"
    assert proc.returncode == EXIT_CHECK_FAILED, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("sleuth: error: execution of proposal") and "Traceback" not in proc.stderr
    assert after[-1] is LedgerKind.NOTE  # the refusal is on the record
    assert verify(case_dir).ok
    return lines[-1]


def test_swapped_args_in_the_checkpoint_are_refused(tmp_path: Path) -> None:
    case_dir = _crash_after_first_decision(tmp_path / "home", "a")

    def swap(values: dict[str, Any]) -> dict[str, Any]:
        proposal = values["proposal"]
        args = {**proposal.args, "pattern": "root"}
        return {"proposal": proposal.model_copy(update={"args": args})}

    _tamper(case_dir, swap)
    assert "args differ from the approved ones" in _resume_refused(case_dir)


def test_a_deny_turned_into_an_approval_in_the_checkpoint_is_refused(tmp_path: Path) -> None:
    case_dir = _crash_after_first_decision(tmp_path / "home", "d not now")

    def approve(values: dict[str, Any]) -> dict[str, Any]:
        decision = values["decision"].model_copy(update={"verdict": "approve", "reason": None})
        return {"decision": decision, "step_status": None}

    _tamper(case_dir, approve)
    assert "the recorded decision is 'deny'" in _resume_refused(case_dir)
