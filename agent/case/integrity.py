"""Checks `sleuth resume` makes before it writes anything: the chain verifies, the checkpoints can be read,
and the settings beside the ledger (run.json) are the ones the ledger recorded when the case opened.

Each failure is one CaseIntegrityError whose message is the one line the responder sees.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from agent.case.errors import CaseIntegrityError
from agent.case.payloads import CaseSettings
from agent.case.store import CHECKPOINTS_FILE
from agent.case.verify import verify

_TORN = "torn final line"  # a crash mid-append: resume repairs it (recorded), so it does not block


def check_chain(case_dir: Path) -> None:
    """Refuse a case whose ledger fails `audit verify` (other than a torn last line, which resume repairs)."""
    report = verify(case_dir)
    problem = report.problem
    if problem is None or problem.reason.startswith(_TORN):
        return
    where = f"seq {problem.seq}" if problem.seq is not None else "case"
    raise CaseIntegrityError(
        f"case {case_dir.name}: the ledger fails verification at {where}: {problem.reason} "
        f"(see `sleuth audit verify {case_dir.name}`); refusing to resume"
    )


def check_checkpoints(case_dir: Path) -> None:
    """Refuse a checkpoints file SQLite cannot read or finds damaged (a missing one is left to the runner)."""
    path = case_dir / CHECKPOINTS_FILE
    if not path.is_file():
        return
    try:
        # immutable: read what is on disk, create no -wal/-shm beside it (a refused resume writes nothing)
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            row = conn.execute("PRAGMA quick_check").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        row = (str(exc),)
    if row is None or row[0] != "ok":
        detail = str(row[0]) if row else "no answer"
        raise CaseIntegrityError(
            f"case {case_dir.name}: {CHECKPOINTS_FILE} is damaged ({detail[:200]}); refusing to resume"
        )


def settings_mismatch(recorded: CaseSettings, current: CaseSettings) -> list[str]:
    """The names of the settings on which `current` (run.json) differs from what the ledger recorded."""
    return [name for name in CaseSettings.model_fields if getattr(recorded, name) != getattr(current, name)]
