"""The case's ledger seen by the graph: appends that are idempotent across crashes, and lookups by key.

LangGraph re-runs a node that was cut short, so every ledger write a node makes goes through here:
a write whose key is already in the ledger is not repeated, and the entry already there is returned.
The index is rebuilt from `ledger.jsonl` when a process opens the case, so it survives SIGKILL.
Thread-safe: a fan-out's workers record their runs at once, so a key check and its append happen under
one lock (without it two workers could both miss a key and append it twice).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from pydantic import JsonValue

from agent.case.entry import LedgerEntry
from agent.case.ledger import iter_entries
from agent.case.payloads import ExecutionStarted, LedgerKind, Payload, ProposalRecorded
from agent.case.store import Case


def _key(entry: LedgerEntry) -> str | None:
    """The identity of an entry for idempotency (None: never deduplicated)."""
    return _key_of(entry.kind, entry.data)


def _key_of(kind: LedgerKind, data: dict[str, JsonValue]) -> str | None:
    match kind:
        case LedgerKind.PROPOSAL:
            return f"proposal:{data.get('proposal_id')}"
        case LedgerKind.DECISION:
            return f"decision:{data.get('proposal_seq')}"
        case LedgerKind.EXECUTION_STARTED:
            # Never deduplicated: each start is one real run of the tool. execute records a start only
            # when `runs()` shows no finished run, so a second crash mid re-execution gets its own start
            # (a key shared by all re-executions hid the third run behind the second's entry).
            return None
        case LedgerKind.EXECUTION_FINISHED:
            return f"finished:{data.get('started_seq')}"
        case LedgerKind.OBSERVATION:
            return f"observation:{data.get('started_seq')}"
        case LedgerKind.FINDING:
            return f"finding:{data.get('name')}:{data.get('value')}:{data.get('host')}"
        case LedgerKind.REFUSAL:
            return f"refusal:{data.get('attempt_id')}"
        case LedgerKind.NOTE:
            return f"note:{data.get('text')}"
        case LedgerKind.ANALYSIS:
            return f"analysis:{data.get('proposal_id')}"
        case LedgerKind.REPORT:
            return "report"
        case LedgerKind.CASE_CLOSED:
            return "case_closed"
        case _:
            return None


def payload_key(payload: Payload) -> str | None:
    """The idempotency key a payload will have once written."""
    return _key_of(payload.kind, payload.model_dump(mode="json"))


@dataclass
class Journal:
    """A case's ledger with an in-memory index by idempotency key."""

    case: Case
    by_key: dict[str, LedgerEntry] = field(default_factory=dict)
    started_by_decision: dict[int, list[LedgerEntry]] = field(default_factory=dict)
    approvals_by_seq: dict[int, LedgerEntry] = field(default_factory=dict)
    # Starts per (decision, host, item): `runs()` is asked once per run of a fan-out, so a scan of the
    # decision's starts there would cost hosts x items parses per run.
    _starts_by_run: dict[tuple[int, str, str | None], list[LedgerEntry]] = field(
        default_factory=dict, repr=False, compare=False
    )
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @classmethod
    def load(cls, case: Case) -> Journal:
        """Index every entry already in the case's ledger."""
        journal = cls(case)
        for entry in iter_entries(case.ledger.path):
            journal._index(entry)
        return journal

    def _index(self, entry: LedgerEntry) -> None:
        key = _key(entry)
        if key is not None:
            self.by_key.setdefault(key, entry)
        if entry.kind in (LedgerKind.PROPOSAL, LedgerKind.DECISION):
            self.approvals_by_seq[entry.seq] = entry
        if entry.kind == LedgerKind.EXECUTION_STARTED:
            run = entry.payload_as(ExecutionStarted)
            self.started_by_decision.setdefault(run.decision_seq, []).append(entry)
            self._starts_by_run.setdefault((run.decision_seq, run.host, run.item), []).append(entry)

    def record(self, payload: Payload, *, actor: str) -> LedgerEntry:
        """Append the payload unless an entry with the same key exists; return the entry in the ledger."""
        key = payload_key(payload)
        with self._lock:
            if key is not None and key in self.by_key:
                return self.by_key[key]
            entry = self.case.ledger.append(payload, actor=actor)
            self._index(entry)
            return entry

    def find(self, key: str) -> LedgerEntry | None:
        """The entry with this idempotency key, if recorded."""
        with self._lock:
            return self.by_key.get(key)

    def proposal(self, proposal_id: str) -> LedgerEntry | None:
        """The recorded proposal with this id."""
        return self.find(f"proposal:{proposal_id}")

    def proposal_at(self, seq: int) -> ProposalRecorded | None:
        """The proposal entry at this seq, as recorded (None when that seq is not a proposal)."""
        with self._lock:
            entry = self.approvals_by_seq.get(seq)
        if entry is None or entry.kind != LedgerKind.PROPOSAL:
            return None
        return entry.payload_as(ProposalRecorded)

    def decision(self, proposal_seq: int) -> LedgerEntry | None:
        """The recorded decision on a proposal."""
        return self.find(f"decision:{proposal_seq}")

    def decision_at(self, seq: int) -> LedgerEntry | None:
        """The decision entry at this seq (None when that seq is not a decision)."""
        with self._lock:
            entry = self.approvals_by_seq.get(seq)
        return entry if entry is not None and entry.kind == LedgerKind.DECISION else None

    def runs(
        self, decision_seq: int, host: str, item: str | None
    ) -> tuple[LedgerEntry | None, LedgerEntry | None]:
        """The last execution_started for (decision, host, item) and its execution_finished, if any."""
        with self._lock:
            starts = self._starts_by_run.get((decision_seq, host, item))
        if not starts:
            return None, None
        last = starts[-1]
        done = self.find(f"finished:{last.seq}") or self.find(f"observation:{last.seq}")
        return last, done

