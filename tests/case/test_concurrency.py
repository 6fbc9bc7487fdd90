"""Two processes appending to one ledger at once: no interleaving, no lost entries, one valid chain."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from agent.case.ledger import iter_entries
from agent.case.store import CaseStore
from agent.case.verify import verify

_WRITER = """
import sys
import time
from pathlib import Path
from agent.case.ledger import Ledger
from agent.case.payloads import NoteRecorded
path, case_id, name, go = Path(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[4])
with Ledger.open(path, case_id) as ledger:
    (go.parent / f"ready-{name}").touch()
    while not go.exists():
        time.sleep(0.001)
    for i in range(200):
        ledger.append(NoteRecorded(text=f"{name} {i}"), actor=name)
"""


def test_two_processes_append_200_entries_each(cases_root: Path, tmp_path: Path) -> None:
    with CaseStore(cases_root).create(playbook_id="pb", target="web01", actor="alice") as case:
        case_dir, case_id = case.dir, case.id
    go = tmp_path / "go"
    root = Path(__file__).resolve().parents[2]
    ledger = str(case_dir / "ledger.jsonl")
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, ledger, case_id, name, str(go)], cwd=root)
        for name in ("w1", "w2")
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{n}").exists() for n in ("w1", "w2")) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()  # both have read the same head on open: the later appender must notice the other's lines
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    entries = list(iter_entries(case_dir / "ledger.jsonl"))
    assert len(entries) == 401
    assert [e.seq for e in entries] == list(range(1, 402))
    for name in ("w1", "w2"):
        texts = [e.data["text"] for e in entries if e.actor == name]
        assert texts == [f"{name} {i}" for i in range(200)]  # each writer's order kept
    report = verify(case_dir)
    assert report.ok, report.problem
    assert report.entries == 401
