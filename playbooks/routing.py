"""Routing facts the graph asks of a step: does its condition hold, which items does it fan out over."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from playbooks.refs import AnyInCondition, CountCondition, ExistsCondition
from playbooks.schema import Step


def condition_holds(step: Step, findings: Mapping[str, Sequence[str]]) -> bool:
    """True when the step has no condition or its condition holds over the findings so far."""
    cond = step.when
    if cond is None:
        return True
    if isinstance(cond, ExistsCondition):
        return bool(findings.get(cond.exists))
    if isinstance(cond, CountCondition):
        return len(set(findings.get(cond.count, ()))) > cond.over
    if isinstance(cond, AnyInCondition):
        wanted = set(cond.values)
        return any(v in wanted for v in findings.get(cond.any_in, ()))
    raise TypeError(f"unknown condition {type(cond).__name__}")


def fanout_items(step: Step, findings: Mapping[str, Sequence[str]]) -> list[str] | None:
    """None for a plain step; else the distinct values to run the step for, in order, at most max_items."""
    if step.for_each is None:
        return None
    seen: dict[str, None] = {}
    for value in findings.get(step.for_each, ()):
        seen.setdefault(value, None)
    return list(seen)[: step.max_items]
