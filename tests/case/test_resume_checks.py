"""The checks `sleuth resume` makes on a case's checkpoints before it writes anything (files made here)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agent.case.checkpoint_refs import checkpoint_refs
from agent.case.errors import CaseIntegrityError
from agent.case.integrity import check_checkpoints, check_ledger_head
from agent.case.store import CHECKPOINTS_FILE
from tests.case.conftest import make_case


def test_a_checkpoints_path_that_is_not_a_file_is_one_line(cases_root: Path) -> None:
    case_dir = make_case(cases_root, close=False)
    (case_dir / CHECKPOINTS_FILE).mkdir()
    with pytest.raises(CaseIntegrityError, match=rf"^case {case_dir.name}: {CHECKPOINTS_FILE} is not a file"):
        check_checkpoints(case_dir)


@pytest.mark.parametrize("made", ["empty file", "no tables yet"])
def test_a_checkpoints_file_without_a_checkpoint_names_nothing(cases_root: Path, made: str) -> None:
    # A crash between creating the file and the saver's setup: nothing checkpointed, nothing to check.
    case_dir = make_case(cases_root, close=False)
    path = case_dir / CHECKPOINTS_FILE
    path.touch()
    if made == "no tables yet":
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.close()
    before = sorted(p.name for p in case_dir.iterdir())
    assert checkpoint_refs(case_dir, case_dir.name) == []
    check_ledger_head(case_dir, case_dir.name)
    assert sorted(p.name for p in case_dir.iterdir()) == before, "reading created files"


def test_a_checkpoints_file_sqlite_cannot_query_is_one_line(cases_root: Path) -> None:
    case_dir = make_case(cases_root, close=False)
    conn = sqlite3.connect(case_dir / CHECKPOINTS_FILE)
    conn.execute("CREATE TABLE checkpoints (thread_id TEXT)")  # not the saver's schema
    conn.commit()
    conn.close()
    with pytest.raises(CaseIntegrityError, match=rf"{CHECKPOINTS_FILE} cannot be read \(no such column"):
        checkpoint_refs(case_dir, case_dir.name)
