"""Checks `sleuth resume` makes before it writes anything: the chain verifies, the checkpoints can be read,
every ledger entry the latest checkpoint was built from is still in the ledger, and the settings beside the
ledger (run.json) are the ones the ledger recorded when the case opened.

Each failure is one CaseIntegrityError whose message is the one line the responder sees.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pydantic import ValidationError

from agent.case.checkpoint_refs import LedgerRef, checkpoint_refs
from agent.case.entry import LedgerEntry
from agent.case.errors import CaseIntegrityError, inert
from agent.case.ledger import LEDGER_FILE
from agent.case.payloads import CaseSettings
from agent.case.store import CHECKPOINTS_FILE
from agent.case.tail import parse_line
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
    if path.exists() and not path.is_file():
        raise CaseIntegrityError(
            f"case {case_dir.name}: {CHECKPOINTS_FILE} is not a file; refusing to resume"
        )
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


def _entries_at(path: Path, seqs: set[int]) -> tuple[dict[int, LedgerEntry], int, bool]:
    """The entries at `seqs`, the seq of the last whole entry, and whether a torn last line follows it."""
    found: dict[int, LedgerEntry] = {}
    last = 0
    with path.open("rb") as fh:
        for raw in fh:
            try:
                entry = parse_line(raw[:-1]) if raw.endswith(b"\n") else None
            except ValidationError:
                entry = None  # check_chain refused any bad line but the last: this one is torn
            if entry is None:
                return found, last, True
            last = entry.seq
            if last in seqs:
                found[last] = entry
    return found, last, False


def _mismatch(ref: LedgerRef, entry: LedgerEntry) -> bool:
    return entry.kind not in ref.kinds or any(entry.data.get(k) != v for k, v in ref.expect.items())


def check_ledger_head(case_dir: Path, case_id: str) -> None:
    """Refuse a case whose ledger lacks, or holds something else at, an entry its latest checkpoint names.

    A crash never causes this (an entry is durable before the node that wrote it returns, hence before its
    checkpoint): the ledger was cut or rewritten behind the checkpoint, and resuming would decide or run
    what the ledger no longer records. A torn last line the checkpoint does not depend on is left to the
    repair resume makes.
    """
    refs = checkpoint_refs(case_dir, case_id)
    if not refs:
        return
    entries, last, torn = _entries_at(case_dir / LEDGER_FILE, {r.seq for r in refs})
    missing = [r for r in refs if r.seq > last]
    if missing:
        ref = max(missing, key=lambda r: r.seq)
        needs = f"the checkpoint refers to ledger entry {ref.seq} ({inert(ref.what)})"
        readable = f"`sleuth audit verify {case_id}` and `sleuth report {case_id}` still read what is left"
        if torn:
            raise CaseIntegrityError(
                f"case {case_id}: {needs}, but the ledger's last whole entry is seq {last} and a torn line "
                f"follows it: `sleuth audit repair {case_id}` cuts that line, which cannot bring the entry "
                f"back, so the case cannot be resumed safely ({readable}); refusing to resume"
            )
        raise CaseIntegrityError(
            f"case {case_id}: {needs}, but the ledger ends at seq {last}: its tail was lost and the case "
            f"cannot be resumed safely ({readable}); refusing to resume"
        )
    for ref in sorted(refs, key=lambda r: r.seq):
        entry = entries.get(ref.seq)
        if entry is not None and _mismatch(ref, entry):
            raise CaseIntegrityError(
                f"case {case_id}: the checkpoint's {inert(ref.what)} is ledger entry {ref.seq}, but that "
                f"entry is a {entry.kind.value} that does not match it: the ledger was rewritten behind the "
                "checkpoint and the case cannot be resumed safely; refusing to resume"
            )
