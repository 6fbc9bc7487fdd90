"""What of a playbook validated: the whole model, or, when it failed, each input and each step on its own.

Lint runs its reference checks on these parts so one pass reports schema errors and every catalogue or
reference problem it can still be sure of. Names the file declares (input names, step ids, finding names
under `extract`) are kept even for records that failed, so a check never calls something unknown that
the author did write; a part that cannot be read at all (`None`) makes the checks that need it stay silent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError

from playbooks.model import InputSpec, Playbook, Step
from playbooks.names import Name

_INPUT = TypeAdapter(dict[Name, InputSpec])


@dataclass(frozen=True)
class PlaybookParts:
    """The validated pieces of one playbook file, with where each step sits in it."""

    steps: tuple[tuple[int, Step], ...]
    """Steps that validated, with their index in the file's `steps` list."""
    inputs: Mapping[str, InputSpec]
    """Inputs that validated, by name."""
    input_names: tuple[str, ...] | None
    """Every input name the file declares, valid or not (None when `inputs` is not a mapping)."""
    step_ids: tuple[str | None, ...]
    """Per step of the file: its id as written (None when unreadable)."""
    step_findings: tuple[tuple[str, ...] | None, ...]
    """Per step of the file: the finding names its `extract` declares (None when unreadable)."""
    whole: Playbook | None = None
    """The playbook, when all of it validated."""

    @classmethod
    def of(cls, playbook: Playbook) -> PlaybookParts:
        """The parts of a playbook that validated as a whole."""
        return cls(
            steps=tuple(enumerate(playbook.steps)),
            inputs=playbook.inputs,
            input_names=tuple(playbook.inputs),
            step_ids=tuple(s.id for s in playbook.steps),
            step_findings=tuple(tuple(s.extract) for s in playbook.steps),
            whole=playbook,
        )

    @classmethod
    def salvage(cls, data: Mapping[str, object]) -> PlaybookParts:
        """Validate each input and step of a playbook mapping that failed as a whole; keep what passes."""
        raw_inputs = data.get("inputs", {})
        inputs: dict[str, InputSpec] = {}
        names: tuple[str, ...] | None = None
        if isinstance(raw_inputs, dict):
            names = tuple(str(k) for k in raw_inputs)
            for key, spec in raw_inputs.items():
                try:
                    inputs.update(_INPUT.validate_python({key: spec}))
                except ValidationError:
                    continue  # already reported, located, by the whole-playbook validation
        raw_steps = data.get("steps", [])
        steps: list[tuple[int, Step]] = []
        ids: list[str | None] = []
        findings: list[tuple[str, ...] | None] = []
        for i, raw in enumerate(raw_steps if isinstance(raw_steps, list) else [None]):
            ids.append(raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None)
            findings.append(_declared_findings(raw))
            try:
                steps.append((i, Step.model_validate(raw)))
            except ValidationError:
                continue  # already reported, located, by the whole-playbook validation
        return cls(tuple(steps), inputs, names, tuple(ids), tuple(findings))

    @property
    def all_steps(self) -> bool:
        """True when every step of the file validated."""
        return len(self.steps) == len(self.step_ids)

    def producers(self) -> dict[str, int]:
        """Finding name -> index of the first step that declares it (valid or not)."""
        out: dict[str, int] = {}
        for i, names in enumerate(self.step_findings):
            for name in names or ():
                out.setdefault(name, i)
        return out

    def unreadable_before(self, index: int) -> bool:
        """True when a step before `index` has an unreadable `extract` (it may produce anything)."""
        return any(names is None for names in self.step_findings[:index])

    def produced_by_valid_step(self, name: str) -> bool:
        """True when the first step declaring this finding validated, so its extractor is known."""
        first = self.producers().get(name)
        if first is None or self.unreadable_before(first):
            return False
        return any(i == first for i, _ in self.steps)


def _declared_findings(raw: object) -> tuple[str, ...] | None:
    if not isinstance(raw, dict):
        return None
    extract = raw.get("extract", {})
    if not isinstance(extract, dict):
        return None
    return tuple(k for k in extract if isinstance(k, str))
