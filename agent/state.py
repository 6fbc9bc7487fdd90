"""The graph's state: typed, JSON-serialisable facts only (dependencies live in the run context)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from agent.case.payloads import ProposalSource, Verdict
from playbooks import CaseWindow

__all__ = [
    "CaseState", "Decision", "Execution", "Fact", "Finding", "FindingSource", "Proposal", "ProposalSource",
    "StepOutcome", "StepStatus", "Verdict",
]

FindingSource = Literal["extractor", "model"]
"""Who drew a finding from evidence: a deterministic extractor or the model's analysis."""
StepStatus = Literal["done", "skipped", "denied", "condition_false", "failed", "aborted"]


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
    status: Literal["open", "aborted", "closed"] = "open"
    """Case status."""
