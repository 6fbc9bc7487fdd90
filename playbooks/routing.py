"""Routing facts: does a condition hold over the findings (and which values witness it), what to fan out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from playbooks.conditions import (
    AllCondition,
    AnyCondition,
    AnyInCondition,
    Condition,
    CountCondition,
    ExistsCondition,
    NotCondition,
    OutsideCondition,
    OverlapCondition,
    RowsCondition,
    TopCondition,
)
from playbooks.model import Step

Counts = Mapping[str, Mapping[str, int]]
"""Finding name -> its distinct values -> how many times each was seen, in first-seen order."""
FindingValues = Mapping[str, Sequence[str]] | Counts


class Evaluation(BaseModel):
    """Whether a condition holds, and the values that made it hold (finding -> value -> count)."""

    model_config = ConfigDict(frozen=True)

    holds: bool
    """True when the condition holds."""
    witnesses: dict[str, dict[str, int]] = {}
    """Per finding, the values that made it true, with their counts (empty when it does not hold, and for
    a `not`, which holds for want of values)."""


_FALSE = Evaluation(holds=False)


def _merge(parts: Sequence[Evaluation]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for part in parts:
        for name, values in part.witnesses.items():
            out.setdefault(name, {}).update(values)
    return out


def _true(name: str, values: Mapping[str, int]) -> Evaluation:
    return Evaluation(holds=True, witnesses={name: dict(values)}) if values else _FALSE


def evaluate(cond: Condition, findings: Counts) -> Evaluation:
    """Evaluate a condition over counted findings; linear in the values, no eval of anything."""
    empty: Mapping[str, int] = {}
    if isinstance(cond, ExistsCondition):
        return _true(cond.exists, findings.get(cond.exists, empty))
    if isinstance(cond, CountCondition):
        values = findings.get(cond.count, empty)
        return _true(cond.count, values) if len(values) > cond.over else _FALSE
    if isinstance(cond, AnyInCondition):
        values = findings.get(cond.any_in, empty)
        wanted = set(cond.values)
        return _true(cond.any_in, {v: n for v, n in values.items() if v in wanted})
    if isinstance(cond, RowsCondition):
        values = findings.get(cond.rows, empty)
        return _true(cond.rows, values) if sum(values.values()) > cond.over else _FALSE
    if isinstance(cond, TopCondition):
        values = findings.get(cond.top, empty)
        return _true(cond.top, {v: n for v, n in values.items() if n > cond.over})
    if isinstance(cond, OverlapCondition):
        left, right = findings.get(cond.overlap, empty), findings.get(cond.with_, empty)
        shared = [v for v in left if v in right]
        if not shared:
            return _FALSE
        witnesses = {cond.overlap: {v: left[v] for v in shared}}
        witnesses.setdefault(cond.with_, {}).update({v: right[v] for v in shared})
        return Evaluation(holds=True, witnesses=witnesses)
    if isinstance(cond, OutsideCondition):
        absent_from = {v for name in cond.of_names for v in findings.get(name, empty)}
        left = findings.get(cond.outside, empty)
        return _true(cond.outside, {v: n for v, n in left.items() if v not in absent_from})
    if isinstance(cond, AllCondition):
        parts = [evaluate(c, findings) for c in cond.all]
        ok = all(p.holds for p in parts)
        return Evaluation(holds=True, witnesses=_merge(parts)) if ok else _FALSE
    if isinstance(cond, AnyCondition):
        held = [p for p in (evaluate(c, findings) for c in cond.any) if p.holds]
        return Evaluation(holds=True, witnesses=_merge(held)) if held else _FALSE
    if isinstance(cond, NotCondition):
        return _FALSE if evaluate(cond.not_, findings).holds else Evaluation(holds=True)
    raise TypeError(f"unknown condition {type(cond).__name__}")


def counted(findings: FindingValues) -> dict[str, dict[str, int]]:
    """Findings as value counts: a list of values is counted (repeats add up), counts are kept as given."""
    out: dict[str, dict[str, int]] = {}
    for name, values in findings.items():
        out[name] = dict(values) if isinstance(values, Mapping) else dict(Counter(values))
    return out


def condition_holds(step: Step, findings: FindingValues) -> bool:
    """True when the step has no condition or its condition holds over the findings so far."""
    if step.when is None:
        return True
    return evaluate(step.when, counted(findings)).holds


def fanout_items(step: Step, findings: Mapping[str, Sequence[str]]) -> list[str] | None:
    """None for a plain step; else the distinct values to run the step for, in order, at most max_items."""
    if step.for_each is None:
        return None
    seen: dict[str, None] = {}
    for value in findings.get(step.for_each, ()):
        seen.setdefault(value, None)
    return list(seen)[: step.max_items]
