"""A case's checkpoints (LangGraph's, `checkpoints.sqlite` beside the ledger): the saver and its serializer.

Only our own state records may be revived from a checkpoint (the msgpack allowlist). Checkpoints name a
record by module: those written before the agent package was split into sub-packages name `agent.state`,
so that name is an alias of `agent.case.state` and allowed too; a case paused by that version resumes with
its records revived as records (tests/case/test_checkpoints.py).
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver

from agent.case import state
from agent.case.store import CHECKPOINTS_FILE, Case

STATE_MODULE = state.__name__
LEGACY_STATE_MODULE = "agent.state"
STATE_RECORDS = ("CaseState", "Proposal", "Decision", "Execution", "Finding", "StepOutcome")

sys.modules.setdefault(LEGACY_STATE_MODULE, state)


def checkpoint_serde() -> JsonPlusSerializer:
    """The checkpoints' serializer: only our own state records may be revived (msgpack allowlist)."""
    allowed = [(module, name) for module in (STATE_MODULE, LEGACY_STATE_MODULE) for name in STATE_RECORDS]
    return JsonPlusSerializer(allowed_msgpack_modules=allowed)


@contextmanager
def case_checkpointer(case: Case) -> Iterator[SqliteSaver]:
    """The case's SqliteSaver (one file per case)."""
    conn = sqlite3.connect(case.dir / CHECKPOINTS_FILE, check_same_thread=False)
    # WAL + synchronous=NORMAL: a commit survives a process crash without an fsync of its own (~2-3 ms
    # less per step, tests/bench/bench_graph.py). After a power loss the newest
    # checkpoints may roll back; resume then re-runs nodes whose ledger writes are already there, as after
    # any crash between an entry and its checkpoint: the fsynced ledger stays the record.
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    try:
        yield SqliteSaver(conn, serde=checkpoint_serde())
    finally:
        conn.close()
