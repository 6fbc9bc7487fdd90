"""Walk a playbook's references, conditions and finding producers (shared by lint, runtime and export)."""

from __future__ import annotations

from collections.abc import Iterator

from playbooks.conditions import condition_refs, required_findings
from playbooks.model import Step
from playbooks.refs import ArgValue, ConcatRef, FindingRef, InputRef, ItemRef
from playbooks.yamlsource import Loc

LeafRef = InputRef | FindingRef | ItemRef


def value_refs(value: ArgValue, loc: Loc) -> Iterator[tuple[Loc, LeafRef]]:
    """Every input/finding/item reference inside one argument value, with its location."""
    if isinstance(value, InputRef | FindingRef | ItemRef):
        yield loc, value
    elif isinstance(value, ConcatRef):
        for k, part in enumerate(value.concat):
            if not isinstance(part, str):
                yield (*loc, "concat", k), part
    elif isinstance(value, list):
        for j, item in enumerate(value):
            yield from value_refs(item, (*loc, j))


def step_refs(step: Step, index: int) -> Iterator[tuple[Loc, LeafRef]]:
    """Every reference in a step's args, located from the playbook root."""
    for name, value in step.args.items():
        yield from value_refs(value, ("steps", index, "args", name))


def condition_gates(step: Step) -> frozenset[str]:
    """The findings that must have values for the step's condition to hold (none without a condition)."""
    return required_findings(step.when) if step.when is not None else frozenset()


def step_dependencies(step: Step, index: int) -> Iterator[tuple[Loc, str]]:
    """Findings a step needs (condition, fan-out, finding and item references), with locations."""
    if step.when is not None:
        yield from condition_refs(step.when, ("steps", index, "when"))
    if step.for_each is not None:
        yield ("steps", index, "for_each"), step.for_each
    for loc, ref in step_refs(step, index):
        if isinstance(ref, FindingRef):
            yield from ((loc, name) for name in ref.names)
