"""The audit's semantic checks: each execution traces back to an approved proposal, each blob to its hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from agent.case.binding import binding_problem
from agent.case.entry import LedgerEntry
from agent.case.evidence import EVIDENCE_DIR, EvidenceStore
from agent.case.payloads import (
    CaseClosed,
    DecisionRecorded,
    ExecutionFinished,
    ExecutionStarted,
    FindingRecorded,
    NoteRecorded,
    ObservationRecorded,
    Payload,
    ProposalRecorded,
    ReportWritten,
    Resumed,
)


@dataclass
class LinkChecker:
    """Fed the entries in order; says what is wrong with the first one that breaks a link."""

    evidence: EvidenceStore
    warnings: list[str] = field(default_factory=list)
    proposals: dict[int, ProposalRecorded] = field(default_factory=dict)
    decisions: dict[int, DecisionRecorded] = field(default_factory=dict)
    started: dict[int, ExecutionStarted] = field(default_factory=dict)
    finished: set[int] = field(default_factory=set)
    finish_entries: set[int] = field(default_factory=set)
    failed: set[int] = field(default_factory=set)
    """Starts whose failure is recorded (an observation naming them, or the case closed as failed)."""
    # One decision may cover several runs (a group's hosts x a fan-out's items): one run per (host, item).
    executions_by_run: dict[tuple[int, str, str | None], list[int]] = field(default_factory=dict)
    last_resumed: int = 0
    _hashes: dict[str, str | None] = field(default_factory=dict)

    def check(self, entry: LedgerEntry, payload: Payload) -> str | None:
        """The problem with this entry's links (None when it is sound); records it for later entries."""
        match payload:
            case ProposalRecorded():
                self.proposals[entry.seq] = payload
            case Resumed():
                self.last_resumed = entry.seq
            case DecisionRecorded():
                return self._decision(entry.seq, payload)
            case ExecutionStarted():
                return self._started(entry.seq, payload)
            case ExecutionFinished():
                return self._finished(entry.seq, payload)
            case FindingRecorded():
                return self._finding(payload)
            case ReportWritten():
                return self._report(payload)
            case NoteRecorded() if payload.evidence is not None:
                return self._blob(payload.evidence)
            case ObservationRecorded() if payload.started_seq is not None:
                started = payload.started_seq
                if started not in self.started:
                    return f"observation refers to execution {started}, which is not an earlier start"
                self.failed.add(started)  # the run ended in this error: it finished
            case CaseClosed(status="failed"):
                self.failed.update(self.pending())  # the case recorded why its runs went no further
            case _:
                pass
        return None

    def pending(self) -> list[int]:
        """Seqs of executions that started and never ended (no finish, no recorded failure), and that no later
        re-execution replaced."""
        superseded = {seq for runs in self.executions_by_run.values() for seq in runs[:-1]}
        return sorted(set(self.started) - self.finished - self.failed - superseded)

    def _decision(self, seq: int, d: DecisionRecorded) -> str | None:
        if d.proposal_seq not in self.proposals:
            return f"decision answers proposal {d.proposal_seq}, which is not an earlier proposal entry"
        if any(o.proposal_seq == d.proposal_seq for o in self.decisions.values()):
            self.warnings.append(f"seq {seq}: proposal {d.proposal_seq} was decided more than once")
        self.decisions[seq] = d
        return None

    def _started(self, seq: int, s: ExecutionStarted) -> str | None:
        d = self.decisions.get(s.decision_seq)
        if d is None:
            return f"execution without approval: decision {s.decision_seq} is not an earlier decision entry"
        if not d.approved:
            return f"execution without approval: decision {s.decision_seq} is '{d.verdict}'"
        if d.proposal_seq != s.proposal_seq:
            return (f"execution of proposal {s.proposal_seq} cites decision {s.decision_seq}, "
                    f"which answers proposal {d.proposal_seq}")
        proposal = self.proposals[d.proposal_seq]
        if s.host not in (proposal.hosts or (proposal.host,)):
            return f"execution on {s.host}, a host proposal {d.proposal_seq} did not name"
        if proposal.items is not None and s.item not in proposal.items:
            return f"execution for item {s.item!r}, which proposal {d.proposal_seq} did not list"
        unbound = binding_problem(proposal, d, tool=s.tool, host=s.host, item=s.item, args=s.args)
        if unbound is not None:
            return f"execution is not what decision {s.decision_seq} approved: {unbound}"
        earlier = self.executions_by_run.setdefault((s.decision_seq, s.host, s.item), [])
        run = s.host + (f" [{s.item}]" if s.item is not None else "")
        if earlier:
            if not s.reexecution:
                return f"decision {s.decision_seq} was already used on {run} by execution {earlier[-1]}"
            if earlier[-1] in self.finished:
                return f"re-execution of execution {earlier[-1]}, which had finished"
            if self.last_resumed < earlier[-1]:
                return f"re-execution of execution {earlier[-1]} with no `resumed` entry after it"
        elif s.reexecution:
            return f"marked as a re-execution, but decision {s.decision_seq} was never executed"
        earlier.append(seq)
        self.started[seq] = s
        return None

    def _finished(self, seq: int, f: ExecutionFinished) -> str | None:
        s = self.started.get(f.started_seq)
        if s is None:
            return f"finishes execution {f.started_seq}, which is not an earlier execution_started entry"
        if f.started_seq in self.finished:
            return f"execution {f.started_seq} was already finished"
        if (s.tool, s.host) != (f.tool, f.host):
            return f"finishes {s.tool} on {s.host} as {f.tool} on {f.host}"
        self.finished.add(f.started_seq)
        self.finish_entries.add(seq)
        if f.evidence != f"{EVIDENCE_DIR}/{f.output_sha256}":
            return f"evidence path {f.evidence!r} is not {EVIDENCE_DIR}/<output_sha256>"
        if f.result_sha256 is not None and (problem := self._blob(f.result_sha256)):
            return problem
        return self._blob(f.output_sha256)  # name == output_sha256, so content must hash to both

    def _finding(self, f: FindingRecorded) -> str | None:
        if f.source_seq is not None and f.source_seq not in self.finish_entries:
            return f"finding cites result {f.source_seq}, which is not an earlier execution_finished entry"
        for digest in f.evidence:
            problem = self._blob(digest)
            if problem:
                return problem
        return None

    def _report(self, r: ReportWritten) -> str | None:
        case_dir = self.evidence.root.parent
        for name, recorded in (("report.md", r.markdown_sha256), ("report.json", r.json_sha256)):
            try:
                actual = hashlib.sha256((case_dir / name).read_bytes()).hexdigest()
            except FileNotFoundError:
                return f"{name} is missing"
            if actual != recorded:
                return f"{name} was altered: it hashes to {actual}, the ledger recorded {recorded}"
        return None

    def _blob(self, digest: str) -> str | None:
        if digest not in self._hashes:
            self._hashes[digest] = self.evidence.hash_of(digest)
        actual = self._hashes[digest]
        if actual is None:
            return f"evidence {EVIDENCE_DIR}/{digest} is missing"
        if actual != digest:
            return f"evidence {EVIDENCE_DIR}/{digest} was altered: its content hashes to {actual}"
        return None
