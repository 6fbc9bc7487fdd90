"""What the model may propose at a step: the step's own tool, or a declared follow-up within its bounds."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import PurePath
from typing import Literal

import re2
from pydantic import BaseModel, ConfigDict, ValidationError

from playbooks.catalogue import Catalogue
from playbooks.errors import ProposalRejectedError
from playbooks.refs import ArgBound
from playbooks.schema import Step
from tools.base import ToolArgs


class AllowedAction(BaseModel):
    """One tool the model may propose at a step, with the bounds its arguments must respect."""

    model_config = ConfigDict(frozen=True)

    tool: str
    """Tool name."""
    source: Literal["step", "followup"]
    """step: the step's own tool (any args its model accepts); followup: a declared follow-up."""
    bounds: dict[str, ArgBound]
    """Per-argument bounds (empty for the step's own tool)."""
    max_calls: int | None
    """How many calls of it the step allows (None: the step's own call, run once or per fan-out item)."""


def allowed_actions(step: Step) -> list[AllowedAction]:
    """The step's own tool first, then each follow-up tool with its bounds."""
    actions = [AllowedAction(tool=step.tool, source="step", bounds={}, max_calls=None)]
    actions += [
        AllowedAction(tool=f.tool, source="followup", bounds=dict(f.args), max_calls=f.max_calls)
        for f in step.followups
        if f.tool != step.tool
    ]
    return actions


def _scalars(value: object) -> list[object]:
    items = list(value) if isinstance(value, list | tuple | set | frozenset) else [value]
    return [str(v) if isinstance(v, PurePath) else v for v in items]


def _bound_problem(name: str, value: object, bound: ArgBound) -> str | None:
    items = _scalars(value)
    whole = items if isinstance(value, list | tuple) else items[0]
    if "equals" in bound.model_fields_set and whole != bound.equals:
        return f"{name} must be {bound.equals!r}"
    for item in items:
        if bound.one_of is not None and item not in bound.one_of:
            return f"{name} must be one of {bound.one_of!r}, got {item!r}"
        if isinstance(item, int | float) and not isinstance(item, bool):
            if bound.min is not None and item < bound.min:
                return f"{name} must be >= {bound.min}, got {item}"
            if bound.max is not None and item > bound.max:
                return f"{name} must be <= {bound.max}, got {item}"
        if isinstance(item, str):
            if bound.pattern is not None and not re2.fullmatch(bound.pattern, item):
                return f"{name} must match {bound.pattern!r}, got {item!r}"
            checked = posixpath.normpath(item) if item.startswith("/") else item
            if bound.prefix is not None and not checked.startswith(bound.prefix):
                return f"{name} must start with {bound.prefix!r}, got {item!r}"
    if bound.max_length is not None and isinstance(whole, str | list) and len(whole) > bound.max_length:
        return f"{name} is longer than {bound.max_length}"
    return None


def check_proposal(step: Step, tool: str, args: Mapping[str, object], catalogue: Catalogue) -> ToolArgs:
    """Validate a proposed call against the step's allowance; ProposalRejectedError says why it is refused."""
    actions = {a.tool: a for a in allowed_actions(step)}
    if tool not in actions:
        raise ProposalRejectedError(
            f"step {step.id!r} does not allow tool {tool!r} (allowed: {', '.join(actions)})"
        )
    if tool not in catalogue:
        raise ProposalRejectedError(f"tool {tool!r} is not in the catalogue")
    try:
        validated = catalogue[tool].args_model.model_validate(dict(args))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'args'}: {e['msg']}" for e in exc.errors())
        raise ProposalRejectedError(f"invalid args for {tool}: {problems}") from exc
    for name, bound in actions[tool].bounds.items():
        if (problem := _bound_problem(name, getattr(validated, name, None), bound)) is not None:
            raise ProposalRejectedError(f"{tool} proposal outside the bounds of step {step.id!r}: {problem}")
    return validated
