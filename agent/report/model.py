"""The report's records, as written to report.json: steps, timeline, host keys, the verdict and its basis."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from agent.case.payloads import AnalysisVerdict
from agent.case.state import Execution, Finding, StepOutcome
from agent.report.coverage import StepCoverage

CaseStatus = Literal["compromised", "suspicious", "no_evidence", "inconclusive"]
"""The case verdict: inconclusive whenever the evidence that would decide it was not examined."""


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class StepRecord(_Record):
    """One proposal of the case with its decision, approver and runs."""

    step_id: str
    """The playbook step the proposal belongs to."""
    proposal_id: str
    """The proposal's id (`<step>#<n>`)."""
    proposal_seq: int
    """Seq of the proposal's ledger entry."""
    tool: str
    """The tool proposed."""
    args: dict[str, object]
    """The args proposed."""
    source: str
    """Who proposed it (playbook, model, fallback)."""
    followup: bool
    """True for a follow-up call (not the step's own)."""
    verdict: str | None
    """The approver's answer, None when never decided."""
    approver: str | None
    """Who decided."""
    reason: str | None
    """The reason given, if any."""
    decision_seq: int | None
    """Seq of the decision's ledger entry."""
    runs: list[Execution]
    """Every run of the proposal, failed ones included."""
    analysis: str | None = None
    """The model's verdict on this proposal's evidence (untrusted model text), when one was made."""
    fallback_reason: str | None = None
    """For a fallback proposal: why the model's proposal is missing (deadline passed, answers refused)."""


class TimelineEvent(_Record):
    """An event of the incident, timed from the evidence."""

    ts: str
    """When (ISO 8601)."""
    what: str
    """`<finding> first seen` or `<finding> last seen`."""
    finding: str
    """The finding's name."""
    value: str
    """The finding's value."""
    ledger_seq: int
    """Seq of the finding's ledger entry."""
    evidence_sha256: str
    """The evidence it came from."""
    year_inferred: bool = False
    """The time's year was inferred (year-less syslog line), not read."""


class HostKeyRecord(_Record):
    """A host key seen for the first time during the case: pinned or refused, on whose word."""

    host: str
    """The host."""
    fingerprint: str
    """The key's SHA256 fingerprint."""
    key_type: str
    """The key's type."""
    pinned: bool
    """True when pinned, False when refused."""
    by: str
    """flag, approver or nobody."""
    actor: str
    """Who the ledger entry names."""
    ledger_seq: int
    """Seq of the host-key ledger entry."""


class Basis(_Record):
    """One cited value a verdict rests on, with the ledger entry and evidence that hold it."""

    finding: str
    """The finding's name."""
    value: str
    """The cited value."""
    count: int
    """Rows that carried it (as cited)."""
    ledger_seq: int
    """Seq of the finding's ledger entry."""
    evidence_sha256: str
    """The evidence it was extracted from."""


class FiredConclusion(_Record):
    """A playbook conclusion whose rule held: its status, its sentence and what it cites."""

    id: str
    """The conclusion's id in the playbook."""
    status: str
    """compromised, suspicious, review or context."""
    sentence: str
    """The sentence, built from the cited values (attacker text: shown inert)."""
    attack: list[str] = []
    """ATT&CK techniques the conclusion supports."""
    basis: list[Basis] = []
    """Every cited value with its ledger entry and evidence."""


class UndecidedConclusion(_Record):
    """A conclusion that could not be decided: the evidence it needs was not examined."""

    id: str
    """The conclusion's id."""
    reasons: list[str]
    """Why (which steps were not examined, and why)."""


class ModelVerdict(_Record):
    """A model's verdict on one proposal's evidence, shown beside the deterministic one (never instead)."""

    proposal_id: str
    """The proposal analysed."""
    verdict: AnalysisVerdict
    """benign, suspicious, malicious or inconclusive."""
    confidence: float
    """The model's own estimate."""
    summary: str
    """The model's words (untrusted text)."""
    ledger_seq: int
    """Seq of the analysis ledger entry."""
    more_severe: bool = False
    """True when it is more severe than the deterministic verdict: listed under Needs review."""


class CaseVerdict(_Record):
    """The case's verdict: deterministic, from the playbook's conclusions over findings and coverage."""

    status: CaseStatus
    """compromised, suspicious, no_evidence or inconclusive."""
    summary: str
    """One sentence a responder reads first."""
    basis: list[Basis] = []
    """Every value the fired conclusions cite."""
    fired: list[FiredConclusion] = []
    """Conclusions whose rule held."""
    ruled_out: list[str] = []
    """Conclusions whose rule was decided false over examined evidence."""
    undecided: list[UndecidedConclusion] = []
    """Conclusions left undecided because their evidence was not examined."""
    model: list[ModelVerdict] = []
    """The model's verdicts, when a model analysed (beside, never instead of, the status)."""


class Report(_Record):
    """The whole report, as written to report.json."""

    case_id: str
    """The case."""
    playbook_id: str
    """The playbook's id."""
    playbook_title: str
    """The playbook's title."""
    playbook_version: str
    """The playbook's version."""
    hosts: list[str]
    """Target hosts."""
    status: str
    """closed or aborted (the case's lifecycle; the verdict is in `verdict`)."""
    generated_at: str
    """When the report was built."""
    summary: str
    """The verdict's sentence and what ran (steps, coverage, findings)."""
    attack: list[str]
    """ATT&CK techniques supported by fired conclusions and by findings whose extractor declares them."""
    findings: list[Finding]
    """Every finding."""
    timeline: list[TimelineEvent]
    """Timed events, in order."""
    steps: list[StepRecord]
    """Every proposal with its decision and runs."""
    outcomes: list[StepOutcome]
    """How each step ended."""
    host_keys: list[HostKeyRecord] = []
    """Host keys first seen during the case (the connections' trust), in ledger order."""
    verdict: CaseVerdict | None = None
    """The case verdict (always set by build_report)."""
    coverage: list[StepCoverage] = []
    """What each playbook step examined, in playbook order."""
    attack_investigated: list[str] = []
    """The techniques the playbook investigates (its header): what was looked for, not what was found."""
