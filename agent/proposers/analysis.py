"""Model analysis of a proposal's evidence: the answer schema, and the check that every value the model
reports really is in the evidence it cites (a model cannot add an IOC the hosts never showed)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model

from agent.case.evidence import EvidenceStore, result_cells
from agent.case.payloads import AnalysisVerdict
from agent.case.state import Execution

FindingKind = Literal[
    "ipv4",
    "ipv6",
    "domain",
    "url",
    "md5",
    "sha1",
    "sha256",
    "user",
    "path",
    "pid",
    "process",
    "command",
    "other",
]
# Bounds stay at or under 120: xgrammar 0.2.8 fails on larger repetition bounds (see proposers/actions.py).
Name = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Value = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^\x00-\x1f]{1,120}$")]
Summary = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^\x00-\x1f]{1,120}$")]
Technique = Annotated[str, Field(pattern=r"^T[0-9]{4}(\.[0-9]{3})?$")]


class ModelFinding(BaseModel):
    """One value the model reports, citing the evidence it is in."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: FindingKind
    value: str
    evidence: str


class AnalysisAnswer(BaseModel):
    """What the model concludes from one proposal's evidence."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verdict: AnalysisVerdict
    confidence: float
    summary: str
    findings: list[ModelFinding]
    attack: list[str]


def analysis_adapter(evidence_shas: list[str]) -> TypeAdapter[Any]:
    """The validator (and schema) of an analysis whose findings may cite only these evidence hashes."""
    cite: Any = Literal[tuple(evidence_shas)]
    finding_fields: dict[str, Any] = {
        "name": (Name, ...),
        "kind": (FindingKind, ...),
        "value": (Value, ...),
        "evidence": (cite, ...),
    }
    finding: type[BaseModel] = create_model(
        "Finding", __config__=ConfigDict(extra="forbid"), **finding_fields
    )
    answer_fields: dict[str, Any] = {
        "verdict": (AnalysisVerdict, ...),
        "confidence": (float, Field(ge=0.0, le=1.0)),
        "summary": (Summary, ...),
        "findings": (list[finding], Field(max_length=8)),
        "attack": (list[Technique], Field(max_length=6)),
    }
    answer: type[BaseModel] = create_model("Analysis", __config__=ConfigDict(extra="forbid"), **answer_fields)
    return TypeAdapter(answer)


def parse_analysis(raw: str, evidence_shas: list[str]) -> AnalysisAnswer:
    """Validate the model's text against the analysis schema (a ValidationError when it does not fit)."""
    parsed = analysis_adapter(evidence_shas).validate_json(raw)
    return AnalysisAnswer.model_validate(parsed.model_dump(mode="json"))


def value_in_evidence(value: str, execution: Execution, store: EvidenceStore) -> bool:
    """True when the value appears in the raw output or the parsed rows of the execution it cites."""
    needle = value.encode("utf-8")
    blobs = [store.get(sha) for sha in (execution.evidence_sha256, execution.result_sha256) if sha]
    if any(needle in blob for blob in blobs):
        return True
    if execution.result_sha256:  # rows are JSON: compare against decoded cell text, not escaped bytes
        return any(value in cell for cell in result_cells(store, execution.result_sha256))
    return False
