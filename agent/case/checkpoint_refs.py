"""What a case's latest checkpoint refers to in its ledger, so `sleuth resume` can check it is still there.

The checkpointed state is built from ledger entries and names them by seq (`ledger_seq` of the proposal
awaiting a decision, of each decision, run and finding), and so does a pending approval's request. A
ledger shortened behind the checkpoint's back (a torn last line, a lost tail) would have the run decide a
proposal that is no longer recorded, or run on a decision that is gone: the chain it closes with fails
`audit verify`. Reading is read-only: a refused resume leaves the case's files as it found them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.types import Interrupt
from pydantic import BaseModel, JsonValue

from agent.case.checkpoints import STATE_MODULE, checkpoint_serde
from agent.case.errors import CaseIntegrityError
from agent.case.payloads import LedgerKind
from agent.case.store import CHECKPOINTS_FILE

_BY_KEY = {"proposal": "Proposal", "decision": "Decision", "executions": "Execution", "findings": "Finding"}
"""State keys holding records with a `ledger_seq`, and the record each holds (a request carries JSON)."""


@dataclass(frozen=True)
class LedgerRef:
    """One ledger entry the checkpointed state depends on."""

    seq: int
    """The seq it names."""
    kinds: tuple[LedgerKind, ...]
    """The entry kinds that seq may hold."""
    what: str
    """What it is, for a message (`proposal failed_logins#1`)."""
    expect: Mapping[str, JsonValue] = field(default_factory=dict)
    """Fields of the entry's data that must have these values."""


def _ref(record: str, data: Mapping[str, Any]) -> LedgerRef | None:
    seq, get = data.get("ledger_seq"), data.get
    if not isinstance(seq, int):
        return None
    match record:
        case "Proposal":
            return LedgerRef(seq, (LedgerKind.PROPOSAL,), f"proposal {get('id')}", {"tool": get("tool")})
        case "Decision":
            # Not the verdict: an altered decision in a checkpoint is `execute`'s to refuse, on the record.
            return LedgerRef(seq, (LedgerKind.DECISION,), f"decision on {get('proposal_id')}")
        case "Execution":
            return LedgerRef(seq, (LedgerKind.EXECUTION_FINISHED, LedgerKind.OBSERVATION),
                             f"result of {get('proposal_id')} on {get('host')}", {"tool": get("tool")})
        case "Finding":
            return LedgerRef(seq, (LedgerKind.FINDING,), f"finding {get('name')}", {"value": get("value")})
    return None


def _walk(value: object, key: str | None, out: list[LedgerRef]) -> None:
    """Collect the refs of every state record in `value` (a checkpoint's channels, a pending write)."""
    if isinstance(value, BaseModel):
        record = type(value).__name__ if type(value).__module__ == STATE_MODULE else ""
        if ref := _ref(record, value.model_dump()):
            out.append(ref)
        return
    if isinstance(value, Interrupt):
        _walk(value.value, None, out)
    elif isinstance(value, Mapping):
        if key in _BY_KEY and "ledger_seq" in value:
            if ref := _ref(_BY_KEY[key], value):
                out.append(ref)
            return
        for k, v in value.items():
            _walk(v, str(k), out)
    elif isinstance(value, list | tuple):
        for v in value:
            _walk(v, key, out)


def _damaged(case_dir: Path, detail: str) -> CaseIntegrityError:
    return CaseIntegrityError(
        f"case {case_dir.name}: {CHECKPOINTS_FILE} cannot be read ({detail[:200]}); refusing to resume"
    )


def checkpoint_refs(case_dir: Path, thread_id: str) -> list[LedgerRef]:
    """The ledger entries the case's latest checkpoint (and its pending writes) refer to; [] without one."""
    path = case_dir / CHECKPOINTS_FILE
    if not path.is_file():
        return []
    wal = path.with_name(path.name + "-wal")
    # A cleanly closed file holds every checkpoint: read it as immutable, which creates no -wal/-shm beside
    # it (plain read-only would). After a crash the newest checkpoints may be only in the -wal, which
    # SQLite reads (through the -shm index it keeps) only without `immutable`.
    how = "mode=ro" if wal.is_file() and wal.stat().st_size > 0 else "mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?{how}", uri=True)
        try:
            # A crash before the saver's first setup leaves a file without its tables: no checkpoint yet.
            tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            row = None if "checkpoints" not in tables else conn.execute(
                "SELECT checkpoint_id, type, checkpoint FROM checkpoints"
                " WHERE thread_id = ? AND checkpoint_ns = '' ORDER BY checkpoint_id DESC LIMIT 1",
                (thread_id,),
            ).fetchone()
            writes = [] if row is None or "writes" not in tables else conn.execute(
                "SELECT channel, type, value FROM writes WHERE thread_id = ? AND checkpoint_ns = ''"
                " AND checkpoint_id = ?",
                (thread_id, row[0]),
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise _damaged(case_dir, str(exc)) from exc
    if row is None:
        return []
    serde = checkpoint_serde()
    refs: list[LedgerRef] = []
    try:
        checkpoint = serde.loads_typed((row[1], row[2]))
        _walk(checkpoint.get("channel_values", {}), None, refs)
        for channel, kind, blob in writes:
            _walk(serde.loads_typed((kind, blob)), str(channel), refs)
    except Exception as exc:  # any decoding failure of stored bytes: damage, said in one line
        raise _damaged(case_dir, f"{type(exc).__name__}: {exc}") from exc
    return refs
