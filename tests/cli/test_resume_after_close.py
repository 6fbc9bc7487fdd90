"""A case killed after its ledger's case_closed but before case.json said so: resume only finishes the close.

Nothing may follow a closed head (`audit verify` fails entries after it), so the resume records no
`resumed` entry after case_closed; the report node, run again, writes the head into case.json. The kill is
rebuilt from a finished case: case.json put back to open, and the checkpoint taken after the report node
(with the report node's pending writes) removed, as if the process had died inside `Case.close`.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import yaml

from agent.case.meta import read_meta, write_meta
from agent.case.store import CHECKPOINTS_FILE
from playbooks.discovery import find_playbook
from tests.support.cli import guided_run, sleuth

HOST = "sandbox-01"
FIXTURES = find_playbook("linux.ssh.bruteforce").with_suffix(".tests") / "sandbox" / "fixtures"


def _closed_case(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    inventory = home / "inventory.yaml"
    inventory.write_text(yaml.safe_dump({"hosts": {HOST: {"address": "127.0.0.1", "user": "replay"}}}))
    proc = sleuth(*guided_run(HOST, inventory, "--console", "--replay", str(FIXTURES)), home=home,
                  stdin="a\n" * 20)
    assert proc.returncode == 0, proc.stderr
    match = re.search(r"case (\S+) opened", proc.stderr)
    assert match, proc.stderr
    return home / "cases" / match.group(1)


def _kill_inside_close(case_dir: Path) -> None:
    meta = read_meta(case_dir)
    write_meta(case_dir, meta.model_copy(update={"status": "open", "closed_at": None, "head_seq": None,
                                                 "head_hash": None}))
    conn = sqlite3.connect(case_dir / CHECKPOINTS_FILE)
    try:
        last, parent = conn.execute(
            "SELECT checkpoint_id, parent_checkpoint_id FROM checkpoints ORDER BY checkpoint_id DESC LIMIT 1"
        ).fetchone()
        conn.execute("DELETE FROM checkpoints WHERE checkpoint_id = ?", (last,))
        conn.execute("DELETE FROM writes WHERE checkpoint_id IN (?, ?)", (last, parent))
        conn.commit()
    finally:
        conn.close()


def test_resume_after_a_kill_inside_close_appends_nothing_after_case_closed(tmp_path: Path) -> None:
    case_dir = _closed_case(tmp_path)
    ledger = (case_dir / "ledger.jsonl").read_bytes()
    closed = json.loads(ledger.splitlines()[-1])
    assert closed["kind"] == "case_closed"
    _kill_inside_close(case_dir)
    proc = sleuth("resume", case_dir.name, "--console", home=tmp_path, stdin="")
    assert proc.returncode == 0, proc.stderr
    assert (case_dir / "ledger.jsonl").read_bytes() == ledger, "resume appended after case_closed"
    meta = read_meta(case_dir)
    assert (meta.status, meta.head_seq, meta.head_hash) == ("closed", closed["seq"], closed["hash"])
    verified = sleuth("audit", "verify", case_dir.name, home=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
