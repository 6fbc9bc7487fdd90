"""The playbook schema: a pydantic model per YAML record, strict, documented field by field."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, PrivateAttr, model_validator

from playbooks.bounds import ArgBound
from playbooks.conditions import Condition
from playbooks.extractors import Extractor
from playbooks.names import TECHNIQUE_PATTERN as TECHNIQUE_PATTERN
from playbooks.names import Name, StrictModel, Technique
from playbooks.refs import ArgValue
from playbooks.values import BoundValue, InputType, parse_value
from playbooks.yamlsource import SourceMap

PLAYBOOK_ID_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
ConclusionStatus = Literal["compromised", "suspicious", "review", "context"]


def _one_line(text: str) -> str:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        raise ValueError("must be one line of plain text (no newlines or control characters)")
    return text


OneLine = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(_one_line)]


class InputSpec(StrictModel):
    """A typed parameter of the playbook, given with `--input NAME=VALUE` or taken from its default."""

    type: InputType
    """string, int, duration (30m, 12h, 7d), host, path (absolute), ip, hash, regex, list."""
    description: str = Field(min_length=1)
    """What the input means, shown by `sleuth playbook show`."""
    default: str | int | list[str] | None = None
    """Value used when none is given; without a default the input is required."""

    @model_validator(mode="after")
    def _default_has_type(self) -> InputSpec:
        if self.default is not None:
            parse_value(self.type, self.default)  # ValueError -> a located schema error
        return self

    def typed_default(self) -> BoundValue | None:
        """The default parsed to its type (None when the input is required)."""
        return None if self.default is None else parse_value(self.type, self.default)


class TargetSpec(StrictModel):
    """Which hosts the playbook is meant for: one host or an inventory group."""

    host: str | None = None
    """An inventory host name."""
    group: str | None = None
    """An inventory group name."""

    @model_validator(mode="after")
    def _exactly_one(self) -> TargetSpec:
        if (self.host is None) == (self.group is None):
            raise ValueError("give exactly one of host or group")
        return self


class Followup(StrictModel):
    """A tool the model may propose after this step, with limits on its arguments."""

    tool: str
    """Tool name from the catalogue (`sleuth tool list`)."""
    args: dict[str, ArgBound] = Field(default_factory=dict)
    """Limits per argument: the only args a model may set; the others keep the tool's default (or the case
    window's since/until)."""
    max_calls: int = Field(default=3, ge=1, le=20)
    """How many follow-up calls of this tool the step allows."""


class Step(StrictModel):
    """One approved tool call (or one per fan-out item) and what to make of its output."""

    id: Name
    """Unique step id (lower_snake_case)."""
    title: str = Field(min_length=1)
    """Short title shown to the approver."""
    tool: str
    """Tool name from the catalogue (`sleuth tool list`)."""
    args: dict[str, ArgValue] = Field(default_factory=dict)
    """Plain values or typed references ({input: X}, {finding: X}, {item: X}, {concat: []})."""
    bounds: dict[str, ArgBound] = Field(default_factory=dict)
    """Args a proposer (the model) may change in the step's own call, within these limits; every other
    arg keeps the value `args` gives it, or the tool's default (a human's edit at approval is not bound)."""
    when: Condition | None = None
    """Run only if this holds; otherwise the step is skipped (and the skip recorded)."""
    for_each: Name | None = None
    """Fan out: run the step once per value of this earlier finding (referenced as {item: NAME})."""
    max_items: int = Field(default=10, ge=1, le=100)
    """Most fan-out items run (the first ones, in finding order)."""
    extract: dict[Name, Extractor] = Field(default_factory=dict)
    """Findings this step produces: name -> extractor over the tool's rows."""
    guidance: str | None = None
    """What the model should look for in this step's output (shown to the model, not executed)."""
    followups: list[Followup] = Field(default_factory=list)
    """Tools the model may propose after this step, and bounds on their arguments."""


class Conclusion(StrictModel):
    """A verdict rule: when its condition holds over the findings, it states a status and a cited sentence."""

    id: Name
    """Unique conclusion id (lower_snake_case)."""
    status: ConclusionStatus
    """compromised or suspicious decide the verdict; review is a fact a human must judge (shown under
    "Needs review"); context is a fact stated in the summary. Review and context never change the verdict."""
    when: Condition
    """The condition over findings that makes this conclusion fire."""
    decided_by: list[Name] | None = None
    """Step ids whose examination decides this rule (default: the steps producing the findings `when` names);
    when one was not (fully) examined and the rule did not fire, the case is inconclusive."""
    summary: OneLine
    """Fixed one-line text stated when the conclusion fires (no templating: cited values follow it)."""
    cite: list[Name] | None = None
    """Findings whose values, ranked by count, follow the sentence (default: the findings `when` names)."""
    ruled_out: OneLine | None = None
    """The one-line sentence stated when the rule was decided false (e.g. "No attacking source logged in")."""
    attack: list[Technique] = Field(default_factory=list)
    """MITRE ATT&CK technique ids this conclusion supports (claimed only when it fires)."""


class Playbook(StrictModel):
    """A named, versioned investigation: typed inputs, a target selection and ordered steps."""

    id: str = Field(pattern=PLAYBOOK_ID_PATTERN)
    """Dotted id mirroring the file's path under the library, e.g. linux.ssh.bruteforce."""
    title: str = Field(min_length=1)
    """One-line title."""
    version: str = Field(pattern=r"^[0-9]+\.[0-9]+(\.[0-9]+)?$")
    """Version of this playbook, e.g. "1.0" (quote it: YAML reads 1.0 as a number)."""
    description: str = Field(min_length=1)
    """What the playbook investigates and what it concludes."""
    severity: Literal["low", "medium", "high", "critical"]
    """Severity of the suspected activity."""
    attack: list[Technique] = Field(default_factory=list)
    """MITRE ATT&CK technique ids this playbook investigates (what it claims comes from its conclusions)."""
    inputs: dict[Name, InputSpec] = Field(default_factory=dict)
    """Typed parameters, by name."""
    targets: TargetSpec | None = None
    """Intended target (host or group); the responder may still pick another."""
    steps: list[Step] = Field(min_length=1)
    """Steps, run in order."""
    conclusions: list[Conclusion] = Field(default_factory=list)
    """Verdict rules over the findings, evaluated when the case ends."""
    _source: SourceMap | None = PrivateAttr(default=None)

    @property
    def source(self) -> SourceMap | None:
        """Where each key sits in the file this playbook was loaded from (None when built in code)."""
        return self._source

    def step(self, step_id: str) -> Step:
        """The step with that id (KeyError when absent)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def producer_of(self, finding: str) -> int | None:
        """Index of the first step that extracts this finding, or None."""
        return next((i for i, s in enumerate(self.steps) if finding in s.extract), None)
