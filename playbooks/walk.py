"""Walk a playbook's references, conditions and finding producers (shared by lint, runtime and export)."""

from __future__ import annotations

from collections.abc import Iterator

from playbooks.refs import (
    AnyInCondition,
    ArgValue,
    ConcatRef,
    CountCondition,
    ExistsCondition,
    FindingRef,
    InputRef,
    ItemRef,
)
from playbooks.schema import Step
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


def condition_finding(step: Step) -> str | None:
    """The finding the step's condition tests, if it has a condition."""
    cond = step.when
    if isinstance(cond, ExistsCondition):
        return cond.exists
    if isinstance(cond, CountCondition):
        return cond.count
    if isinstance(cond, AnyInCondition):
        return cond.any_in
    return None


def condition_loc(step: Step, index: int) -> Loc:
    """Location of the finding name inside the step's condition."""
    cond = step.when
    key = (
        "exists"
        if isinstance(cond, ExistsCondition)
        else "count"
        if isinstance(cond, CountCondition)
        else "any_in"
    )
    return ("steps", index, "when", key)


def step_dependencies(step: Step, index: int) -> Iterator[tuple[Loc, str]]:
    """Findings a step needs (condition, fan-out, finding and item references), with locations."""
    if (name := condition_finding(step)) is not None:
        yield condition_loc(step, index), name
    if step.for_each is not None:
        yield ("steps", index, "for_each"), step.for_each
    for loc, ref in step_refs(step, index):
        if isinstance(ref, FindingRef):
            yield loc, ref.finding
