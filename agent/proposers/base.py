"""The proposer interface: given what a step allows and what was found, propose one call or say done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, JsonValue

from agent.llm.budget import Deadline, ProgressCallback
from agent.proposers.analysis import AnalysisAnswer
from playbooks import Step


class EvidenceExcerpt(BaseModel):
    """A bounded excerpt of one execution's output, shown to a model as untrusted data."""

    model_config = ConfigDict(frozen=True)

    sha256: str
    """Content address of the full evidence."""
    tool: str
    """Tool that produced it."""
    host: str
    """Host it came from."""
    text: str
    """The excerpt (attacker-controlled text)."""


class StepView(BaseModel):
    """What a proposer sees of the current step."""

    model_config = ConfigDict(frozen=True)

    step: Step
    """The playbook step."""
    step_number: int
    """1-based position."""
    step_count: int
    """Steps in the playbook."""
    default_args: dict[str, JsonValue]
    """The step's own args with references resolved (what guided mode proposes)."""
    own_call_done: bool
    """Whether the step's own call was already decided: then only follow-ups (or done) remain."""
    followups_left: dict[str, int]
    """Follow-up tool -> calls still allowed."""
    findings: dict[str, list[str]]
    """Findings so far, by name."""
    evidence: tuple[EvidenceExcerpt, ...] = ()
    """Output of this step's executions so far."""
    feedback: str | None = None
    """Why the previous proposal was refused (for the model's retry)."""


class Call(BaseModel):
    """Propose one tool call."""

    model_config = ConfigDict(frozen=True)

    action: Literal["call"] = "call"
    tool: str
    args: dict[str, JsonValue]
    rationale: str
    cites: tuple[str, ...] = ()


class Done(BaseModel):
    """Nothing more to run in this step."""

    model_config = ConfigDict(frozen=True)

    action: Literal["done"] = "done"
    rationale: str = ""


class ModelOutputError(Exception):
    """The model's output was not a valid proposal (garbage, wrong shape); `raw` holds it, bounded.

    `final`: asking again cannot help now (the proposal's deadline passed), so no retry is made.
    """

    def __init__(self, message: str, *, raw: str = "", final: bool = False) -> None:
        super().__init__(message)
        self.raw = raw[:2000]
        self.final = final


@dataclass(frozen=True)
class CallBudget:
    """How long one proposal's model calls may take together, and who hears their progress."""

    deadline: Deadline | None = None
    """Every try of the proposal together ends by this (None: each backend call's own limit only)."""
    on_progress: ProgressCallback | None = None
    """Hears tokens so far and tokens/s while the model works (from the calling thread)."""


class Analyst(Protocol):
    """Reads one proposal's evidence and reports a verdict and findings (model mode only)."""

    deadline_s: float | None
    """Seconds one analysis may take (None: the backend's own call limit)."""

    def analyse(self, view: StepView, budget: CallBudget | None = None) -> tuple[AnalysisAnswer, str]:
        """The parsed analysis and the raw answer; raises ModelOutputError on garbage."""
        ...


ProposerSource = Literal["playbook", "model"]
"""Who a proposer's proposals come from, as the ledger records them."""


class Proposer(Protocol):
    """Proposes the next call of a step; what it can do is in its attributes, never in its name."""

    name: str
    """What the human is shown (`guided`, `model`); never compared."""
    source: ProposerSource
    """Who its proposals come from: the `source` of each proposal, the actor of each refusal."""
    proposes_followups: bool
    """It may propose more calls after a step's own (the graph asks it again after each analysis)."""
    fallible: bool
    """Its answers may be garbage or refused (a model): it is asked up to `max_refusals` times, then the
    playbook's own call is proposed instead. False: its proposal is the playbook's, asked once."""
    deadline_s: float | None
    """Seconds one proposal may take with all its tries (None: it asks no model, so it takes no time)."""

    def propose(self, view: StepView, budget: CallBudget | None = None) -> Call | Done:
        """One call inside the step's allowance, or Done; may raise ModelOutputError."""
        ...
