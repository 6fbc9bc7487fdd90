"""The typed `data` of each ledger entry kind, and the kind enum itself.

Links between entries are by sequence number: a decision names its proposal
(`proposal_seq`), an execution start names the decision approving it (`decision_seq`),
an execution finish names its start (`started_seq`). `sleuth audit verify` checks them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from playbooks import CaseWindow
from tools.base import CommandRecord

SHA256_PATTERN = r"^[0-9a-f]{64}$"
Sha256 = Annotated[str, Field(pattern=SHA256_PATTERN)]

Verdict = Literal["approve", "edit", "deny", "skip", "abort"]
"""A human's answer to a proposal; `approve` and `edit` allow execution."""
ProposalSource = Literal["model", "playbook", "fallback"]
"""Who proposed a call (fallback: the playbook's own call after the model's answers were refused)."""
ClosedStatus = Literal["closed", "aborted", "failed"]
"""How a case ended."""
AnalysisVerdict = Literal["benign", "suspicious", "malicious", "inconclusive"]
"""A model's reading of one proposal's evidence."""
HostKeyTrust = Literal["flag", "approver", "nobody"]
"""On whose word a new host key was pinned or refused."""


class LedgerKind(StrEnum):
    """What a ledger entry records."""

    CASE_OPENED = "case_opened"
    PROPOSAL = "proposal"
    DECISION = "decision"
    EXECUTION_STARTED = "execution_started"
    EXECUTION_FINISHED = "execution_finished"
    FINDING = "finding"
    REPORT = "report"
    CASE_CLOSED = "case_closed"
    OBSERVATION = "observation"
    REFUSAL = "refusal"
    RESUMED = "resumed"
    NOTE = "note"
    ANALYSIS = "analysis"
    HOST_KEY = "host_key"


class Payload(BaseModel):
    """Base of every entry's data: strict (unknown keys rejected) and immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: ClassVar[LedgerKind]


class CaseSettings(BaseModel):
    """Settings that change what may run, fixed in the ledger when the case opens (run.json must agree)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    approval_ttl_s: float | None = None
    """Approvals older than this are asked again; None: no expiry."""
    trust_new_host_keys: bool = False
    """Host keys seen for the first time are pinned without asking."""
    timeout_s: float = 30.0
    """Per-command timeout."""
    log_paths: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """Where the target's logs of a kind are (`--log KIND=PATH`)."""
    backend: str = "guided"
    """Who proposes (guided, local, openai)."""


class CaseOpened(Payload):
    """The case was opened."""

    kind = LedgerKind.CASE_OPENED
    playbook_id: str
    """Id of the playbook the case follows."""
    target: str
    """The target host or group name."""
    approver: str | None = None
    """Who approves steps in this case, when known at opening."""
    inputs: dict[str, JsonValue] = Field(default_factory=dict)
    """The playbook inputs the case was opened with."""
    window: CaseWindow | None = None
    """The incident window (absolute `--since/--until`) the steps inherit; None: the whole log."""
    settings: CaseSettings | None = None
    """What may run in this case (TTL, host-key trust, timeout, log paths, backend); None in older ledgers."""


class ProposalRecorded(Payload):
    """A tool call was proposed (by the model, the playbook or a human) and shown for approval."""

    kind = LedgerKind.PROPOSAL
    tool: str
    """Name of the proposed tool."""
    args: dict[str, JsonValue]
    """The proposed tool arguments."""
    host: str
    """The host the call would run on."""
    step_id: str | None = None
    """The playbook step this proposal belongs to."""
    source: ProposalSource = "model"
    """Who proposed it (fallback: the playbook's own call after the model's answers were refused)."""
    rationale: str = ""
    """Why, as given by the proposer (untrusted text when it comes from the model)."""
    proposal_id: str | None = None
    """Stable id of the proposal within the case (`<step id>#<n>`), for idempotent writes."""
    hosts: tuple[str, ...] = ()
    """Every host the call would run on (a group's hosts, in one decision)."""
    items: tuple[str, ...] | None = None
    """Fan-out items: one run per item and host, all shown in the one decision."""
    item_args: dict[str, dict[str, JsonValue]] | None = None
    """For a fan-out: the args of each item."""
    cites: tuple[str, ...] = ()
    """Evidence hashes or finding values the rationale cites."""
    followup: bool = False
    """True for a follow-up the model proposed after the step's own call."""


class DecisionRecorded(Payload):
    """A human answered a proposal."""

    kind = LedgerKind.DECISION
    proposal_seq: int = Field(ge=1)
    """Seq of the proposal entry this decision answers."""
    verdict: Verdict
    """The answer; `approve` and `edit` allow execution."""
    approver: str
    """Who decided."""
    reason: str = ""
    """The approver's reason (required in spirit for deny/abort)."""
    args: dict[str, JsonValue] | None = None
    """The edited arguments, for `edit`."""
    diff: dict[str, dict[str, JsonValue]] | None = None
    """For `edit`: per changed argument, its value before and after."""

    @property
    def approved(self) -> bool:
        """True when this decision allows the proposal to run."""
        return self.verdict in ("approve", "edit")


class ExecutionStarted(Payload):
    """An approved tool call is about to run."""

    kind = LedgerKind.EXECUTION_STARTED
    decision_seq: int = Field(ge=1)
    """Seq of the decision approving this execution."""
    proposal_seq: int = Field(ge=1)
    """Seq of the proposal being executed (must match the decision's)."""
    tool: str
    """Name of the tool."""
    host: str
    """The host it runs on."""
    args: dict[str, JsonValue]
    """The arguments actually used (the edited ones after an `edit`)."""
    reexecution: bool = False
    """True when re-running, after a restart, an execution that started but never finished."""
    item: str | None = None
    """The fan-out item this run is for."""


class ExecutionFinished(Payload):
    """A tool call finished; its raw output is stored as evidence."""

    kind = LedgerKind.EXECUTION_FINISHED
    started_seq: int = Field(ge=1)
    """Seq of the matching execution_started entry."""
    tool: str
    """Name of the tool."""
    host: str
    """The host it ran on."""
    host_key_fingerprint: str | None = None
    """SHA256 fingerprint of the verified SSH host key (None for local runs)."""
    argv: tuple[str, ...]
    """The exact argv of the first command."""
    commands: tuple[CommandRecord, ...] = ()
    """Every command run, in order, when the tool ran more than one."""
    exit_status: int
    """Exit status of the (first) command."""
    output_sha256: str = Field(pattern=SHA256_PATTERN)
    """sha256 of the raw output (the evidence blob)."""
    bytes: int = Field(ge=0)
    """Raw output size in bytes."""
    truncated: bool
    """True when an output cap cut the output."""
    evidence: str
    """Path of the evidence blob relative to the case directory (`evidence/<sha256>`)."""
    duration_s: float = Field(ge=0)
    """Wall time of the tool run."""
    reexecution: bool = False
    """True when this finishes a re-execution."""
    item: str | None = None
    """The fan-out item this run was for."""
    result_sha256: str | None = Field(default=None, pattern=SHA256_PATTERN)
    """sha256 of the parsed result (rows) stored as evidence beside the raw output."""


class FindingRecorded(Payload):
    """A typed finding was derived from evidence."""

    kind = LedgerKind.FINDING
    name: str
    """The finding's name (as declared by the playbook's extractor or the analysis)."""
    value: JsonValue
    """The finding's value."""
    evidence: tuple[Sha256, ...] = ()
    """sha256 of each evidence blob the finding is derived from."""
    source_seq: int | None = None
    """Seq of the execution_finished entry it came from, when one."""
    summary: str = ""
    """One line for humans."""
    host: str | None = None
    """The host whose evidence it came from."""
    finding_kind: str | None = None
    """ipv4, user, sha256, path, ... (the extractor's kind)."""
    count: int = Field(default=1, ge=1)
    """Rows that carried the value."""
    first_seen: str | None = None
    """Earliest event timestamp among those rows."""
    last_seen: str | None = None
    """Latest event timestamp among those rows."""


class ReportWritten(Payload):
    """The case report was written."""

    kind = LedgerKind.REPORT
    markdown_sha256: str = Field(pattern=SHA256_PATTERN)
    """sha256 of report.md."""
    json_sha256: str = Field(pattern=SHA256_PATTERN)
    """sha256 of report.json."""
    claims: int = Field(ge=0)
    """How many claims the report makes (each points at evidence)."""


class CaseClosed(Payload):
    """The case was closed."""

    kind = LedgerKind.CASE_CLOSED
    status: ClosedStatus
    """How it ended."""
    reason: str = ""
    """Why, in one line."""


class ObservationRecorded(Payload):
    """A tool call failed; the error is recorded as an observation and the investigation goes on."""

    kind = LedgerKind.OBSERVATION
    tool: str
    """Name of the tool."""
    error: str
    """The error's class name (e.g. `HostUnreachableError`)."""
    message: str
    """The error message."""
    started_seq: int | None = None
    """Seq of the execution_started entry, when the failure happened during an execution."""


class RefusalRecorded(Payload):
    """A model proposal was refused before it reached the human (off-playbook, invalid args)."""

    kind = LedgerKind.REFUSAL
    reason: str
    """Why it was refused."""
    tool: str | None = None
    """The tool it named, if any."""
    raw: str = ""
    """The refused proposal as text (untrusted, bounded by the caller)."""
    attempt_id: str | None = None
    """`<proposal id>/<attempt>`: which try of which proposal was refused."""


class Resumed(Payload):
    """The process restarted and the case was resumed."""

    kind = LedgerKind.RESUMED
    last_seq: int = Field(ge=0)
    """The ledger head seq found when resuming."""
    reason: str = ""
    """Why (crash, restart, user resumed)."""
    pending_started_seq: int | None = None
    """Seq of an execution that started but never finished, if one."""


class NoteRecorded(Payload):
    """A free remark by the system or a human (e.g. a torn-line repair)."""

    kind = LedgerKind.NOTE
    text: str
    """The remark."""
    evidence: str | None = Field(default=None, pattern=SHA256_PATTERN)
    """sha256 of an evidence blob the note refers to (e.g. the bytes a repair removed)."""


class AnalysisRecorded(Payload):
    """The model's reading of one proposal's evidence; its findings are recorded separately once checked."""

    kind = LedgerKind.ANALYSIS
    proposal_id: str
    """The proposal whose evidence was analysed."""
    verdict: AnalysisVerdict
    """The model's overall reading."""
    confidence: float = Field(ge=0.0, le=1.0)
    """The model's own confidence."""
    summary: str = ""
    """One line (untrusted model text)."""
    attack: tuple[str, ...] = ()
    """ATT&CK technique ids the model names."""
    raw: str = ""
    """The model's answer as given (bounded), so a crash never asks the model twice."""


class HostKeyDecided(Payload):
    """A host key seen for the first time during the case, and whether it was pinned, and on whose word."""

    kind = LedgerKind.HOST_KEY
    host: str
    """The inventory host."""
    known_hosts_name: str
    """The name the key is (or would be) pinned under."""
    key_type: str
    """The key's algorithm."""
    fingerprint: str
    """Its SHA256 fingerprint."""
    known_hosts: str
    """The known_hosts file."""
    pinned: bool
    """True when the key was appended to `known_hosts` (the connection then went on)."""
    by: HostKeyTrust
    """`flag`: --trust-new-host-key; `approver`: the approver was asked and answered; `nobody`: no one
    could be asked (the key was refused)."""


PAYLOAD_MODELS: dict[LedgerKind, type[Payload]] = {
    model.kind: model
    for model in (
        CaseOpened, ProposalRecorded, DecisionRecorded, ExecutionStarted, ExecutionFinished,
        FindingRecorded, ReportWritten, CaseClosed, ObservationRecorded, RefusalRecorded, Resumed,
        NoteRecorded, AnalysisRecorded, HostKeyDecided,
    )
}
"""The payload model of each kind."""
