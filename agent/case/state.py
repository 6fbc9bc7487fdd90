"""The graph's state: typed, JSON-serialisable facts only (dependencies live in the run context)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from agent.case.entry import LedgerEntry
from agent.case.errors import LedgerError
from agent.case.payloads import (
    DecisionRecorded,
    ExecutionFinished,
    ExecutionStarted,
    FindingRecorded,
    ObservationRecorded,
    ProposalRecorded,
    ProposalSource,
    Verdict,
)
from playbooks import CaseWindow

__all__ = [
    "CaseRunStatus", "CaseState", "Decision", "Execution", "Fact", "Finding", "FindingSource", "Proposal",
    "ProposalSource", "StepOutcome", "StepStatus", "Verdict",
]

FindingSource = Literal["extractor", "model"]
"""Who drew a finding from evidence: a deterministic extractor or the model's analysis."""
StepStatus = Literal["done", "skipped", "denied", "condition_false", "failed", "aborted"]
CaseRunStatus = Literal["open", "aborted", "closed"]
"""Where the graph's run of the case stands (a failed close is the case store's, never the graph's)."""


class Fact(BaseModel):
    """Base of recorded facts: frozen, strict about unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Proposal(Fact):
    """One tool call proposed for a human decision: the step's own call or a declared follow-up."""

    id: str
    """Stable id within the case: `<step id>#<n>` (n counts proposals in the step)."""
    step_id: str
    """The playbook step this proposal belongs to."""
    tool: str
    """Tool name from the catalogue."""
    args: dict[str, JsonValue]
    """Validated tool args, as JSON."""
    rationale: str
    """Why this call (the playbook's title in guided mode, the model's words otherwise)."""
    cites: tuple[str, ...] = ()
    """Evidence sha256s or finding values the rationale relies on."""
    source: ProposalSource
    """Who proposed it."""
    followup: bool = False
    """True for a follow-up the model proposed after the step's own call."""
    hosts: tuple[str, ...]
    """Every host it will run on."""
    items: tuple[str, ...] | None = None
    """Fan-out items (one run per item and host), shown in full in one decision."""
    item_args: dict[str, dict[str, JsonValue]] | None = None
    """For a fan-out: the args of each item (an edit's changes apply to every item)."""
    ledger_seq: int
    """Seq of the ledger's proposal entry."""

    @classmethod
    def from_entry(cls, entry: LedgerEntry) -> Self:
        """The proposal a ledger proposal entry records (it must carry its proposal and step ids)."""
        p = entry.payload_as(ProposalRecorded)
        if p.proposal_id is None or p.step_id is None:
            raise LedgerError(f"proposal entry {entry.seq} has no proposal id or step id")
        return cls(
            id=p.proposal_id,
            step_id=p.step_id,
            tool=p.tool,
            args=p.args,
            rationale=p.rationale,
            cites=p.cites,
            source=p.source,
            followup=p.followup,
            hosts=p.hosts or (p.host,),
            items=p.items,
            item_args=p.item_args,
            ledger_seq=entry.seq,
        )


class Decision(Fact):
    """A human's answer to a proposal, as recorded in the ledger."""

    proposal_id: str
    """The proposal decided."""
    verdict: Verdict
    """approve | edit | deny | skip | abort."""
    args: dict[str, JsonValue] | None = None
    """For edit: the new args (validated against the tool's args model)."""
    reason: str | None = None
    """Required for deny; optional otherwise."""
    approver: str
    """Who decided (--approver, config, or user@host)."""
    decided_at: datetime
    """When the decision was taken."""
    ledger_seq: int
    """Seq of the ledger's decision entry."""

    @classmethod
    def from_entry(cls, entry: LedgerEntry, proposal_id: str) -> Self:
        """The decision a ledger decision entry records; `proposal_id`: the id of the proposal it answers (the
        entry names the proposal by seq only)."""
        d = entry.payload_as(DecisionRecorded)
        return cls(
            proposal_id=proposal_id,
            verdict=d.verdict,
            args=d.args,
            reason=d.reason or None,
            approver=d.approver,
            decided_at=entry.when,
            ledger_seq=entry.seq,
        )


class Execution(Fact):
    """One run of an approved proposal on one host (and item), or the error it ended in."""

    proposal_id: str
    """The approved proposal."""
    host: str
    """Where it ran."""
    item: str | None = None
    """The fan-out item, if any."""
    tool: str
    """Tool name."""
    args: dict[str, JsonValue]
    """The args it ran with."""
    argv: tuple[tuple[str, ...], ...] = ()
    """Exact argv of each command."""
    evidence_sha256: str | None = None
    """Content address of the raw output (None when the tool failed before output)."""
    result_sha256: str | None = None
    """Content address of the parsed ToolResult (rows) as JSON."""
    rows: int = 0
    """Rows in the result."""
    truncated: bool = False
    """The result was capped."""
    error: str | None = None
    """The typed error a tool raised, as a message the responder sees (an observation)."""
    error_kind: str | None = None
    """The error's class name (HostKeyUnknownError, CommandTimeoutError, ...)."""
    reexecution: bool = False
    """True when this run repeats one cut short by a crash (flagged in the ledger)."""
    ledger_seq: int
    """Seq of the execution_finished entry."""

    @classmethod
    def from_entries(cls, proposal_id: str, start: LedgerEntry, end: LedgerEntry, *, rows: int = 0) -> Self:
        """The run an execution_started entry and its end (execution_finished or observation) record; `rows`:
        the row count of the parsed result, which lives in the evidence, not the ledger."""
        started = start.payload_as(ExecutionStarted)
        common = cls(
            proposal_id=proposal_id,
            host=started.host,
            item=started.item,
            tool=started.tool,
            args=started.args,
            reexecution=started.reexecution,
            ledger_seq=end.seq,
        )
        if end.kind == ObservationRecorded.kind:
            obs = end.payload_as(ObservationRecorded)
            return common.model_copy(update={"error": obs.message, "error_kind": obs.error})
        fin = end.payload_as(ExecutionFinished)
        return common.model_copy(
            update={
                "argv": tuple(c.argv for c in fin.commands) or ((fin.argv,) if fin.argv else ()),
                "evidence_sha256": fin.output_sha256,
                "result_sha256": fin.result_sha256,
                "truncated": fin.truncated,
                "rows": rows,
            }
        )


class Finding(Fact):
    """A typed, deduplicated fact drawn from evidence."""

    name: str
    """The finding list it belongs to (the playbook's extractor name)."""
    kind: str
    """ipv4, user, sha256, path, count, ... ."""
    value: str
    """The value, as text."""
    step_id: str
    """Step whose evidence it came from."""
    host: str
    """Host whose evidence it came from."""
    evidence_sha256: str
    """The evidence it was extracted from."""
    ledger_seq: int
    """Seq of the ledger's finding entry (which cites the execution_finished entry and the evidence)."""
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    """1.0 for deterministic extraction; the model's own estimate otherwise."""
    attack: tuple[str, ...] = ()
    """ATT&CK technique ids this finding supports."""
    source: FindingSource = "extractor"
    """Deterministic extractor or model analysis."""
    first_seen: str | None = None
    """Earliest event timestamp of the rows it came from, when they carry one."""
    last_seen: str | None = None
    """Latest event timestamp of those rows."""
    count: int = 1
    """How many events carried this value: rows, a folded `message repeated N times` line counting N."""

    @classmethod
    def from_entry(
        cls,
        entry: LedgerEntry,
        *,
        step_id: str,
        attack: tuple[str, ...] = (),
        confidence: float = 1.0,
        source: FindingSource = "extractor",
    ) -> Self:
        """The finding a ledger finding entry records; the step, techniques, confidence and source are what
        the graph knows beside it (the entry cites the evidence and the result it came from)."""
        f = entry.payload_as(FindingRecorded)
        if f.host is None or f.finding_kind is None or not f.evidence:
            raise LedgerError(f"finding entry {entry.seq} has no host, kind or evidence")
        return cls(
            name=f.name,
            kind=f.finding_kind,
            value=f.value if isinstance(f.value, str) else str(f.value),
            step_id=step_id,
            host=f.host,
            evidence_sha256=f.evidence[0],
            ledger_seq=entry.seq,
            confidence=confidence,
            attack=attack,
            source=source,
            first_seen=f.first_seen,
            last_seen=f.last_seen,
            count=f.count,
        )


class StepOutcome(Fact):
    """How a playbook step ended."""

    step_id: str
    """The step."""
    status: StepStatus
    """done | skipped | denied | condition_false | failed | aborted."""
    proposals: tuple[str, ...] = ()
    """Proposal ids decided in this step."""
    note: str | None = None
    """A human-readable remark (deny reason, condition)."""


class CaseState(BaseModel):
    """Everything the graph carries from node to node; checkpointed after every node."""

    model_config = ConfigDict(extra="forbid")

    case_id: str
    """The case (and LangGraph thread) id."""
    playbook_path: str
    """The playbook file this case runs."""
    hosts: tuple[str, ...]
    """Target hosts (a group resolved to its hosts)."""
    inputs: dict[str, JsonValue] = Field(default_factory=dict)
    """Bound playbook inputs."""
    window: CaseWindow | None = None
    """The case's incident window (`--since/--until`, absolute); None: the whole log."""
    step_index: int = 0
    """Index of the current step."""
    step_proposals: int = 0
    """Proposals made in the current step (numbers the next proposal id)."""
    own_call_done: bool = False
    """Whether the current step's own tool call was decided (follow-ups come after it)."""
    followups_used: dict[str, int] = Field(default_factory=dict)
    """Follow-up calls approved or refused so far in the current step, per tool."""
    step_status: StepStatus | None = None
    """How the current step's own call ended (set when decided or run)."""
    step_proposal_ids: list[str] = Field(default_factory=list)
    """Proposals of the current step."""
    proposal: Proposal | None = None
    """The proposal awaiting or under decision."""
    decision: Decision | None = None
    """The decision on `proposal`."""
    executions: list[Execution] = Field(default_factory=list)
    """Every execution in the case, in order."""
    findings: list[Finding] = Field(default_factory=list)
    """Every finding, deduplicated by (name, value, host)."""
    outcomes: list[StepOutcome] = Field(default_factory=list)
    """Every finished step."""
    status: CaseRunStatus = "open"
    """Case status."""
