"""What may be proposed at a step: the step's own tool, or a declared follow-up within its bounds.

Two checks, one per actor. `check_proposer_call` holds a proposer (the model, or the playbook's own
call) to default-deny: every arg keeps the value the playbook pinned (the step's resolved `args`, the
case window) or the tool's default, unless the step's `bounds` (own call) or the follow-up's `args`
(follow-up) bound it, and then the bound must hold. `check_proposal` is what a human's edit at approval
must fit: the tool is allowed, the args pass the tool's model, and the follow-up's bounds hold; which
values to run is the human's decision.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from pathlib import PurePath
from typing import Annotated, Any, Literal

import re2
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from playbooks.bounds import ArgBound
from playbooks.catalogue import Catalogue
from playbooks.errors import ProposalRejectedError
from playbooks.model import Step
from tools.base import ToolArgs


class AllowedAction(BaseModel):
    """One tool the model may propose at a step, with the bounds its arguments must respect."""

    model_config = ConfigDict(frozen=True)

    tool: str
    """Tool name."""
    source: Literal["step", "followup"]
    """step: the step's own tool; followup: a declared follow-up."""
    bounds: dict[str, ArgBound]
    """Per-argument bounds: the args a proposer may set (the step's `bounds`, or the follow-up's `args`)."""
    max_calls: int | None
    """How many calls of it the step allows (None: the step's own call, run once or per fan-out item)."""


def allowed_actions(step: Step) -> list[AllowedAction]:
    """The step's own tool first, then each follow-up tool with its bounds."""
    actions = [AllowedAction(tool=step.tool, source="step", bounds=dict(step.bounds), max_calls=None)]
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
    """Validate a call (a human's edit) against the step's allowance; ProposalRejectedError says why not."""
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
    if actions[tool].source == "step":  # the step's bounds bind the proposer only (check_proposer_call)
        return validated
    for name, bound in actions[tool].bounds.items():
        if (problem := _bound_problem(name, getattr(validated, name, None), bound)) is not None:
            raise ProposalRejectedError(f"{tool} proposal outside the bounds of step {step.id!r}: {problem}")
    return validated


def _adapter(field: FieldInfo) -> TypeAdapter[object]:
    """A validator of one field alone, its constraints and validators included."""
    form: Any = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
    return TypeAdapter(form)


def _normal(adapter: TypeAdapter[object], value: object) -> object:
    """`value` as the tool would hold it, in JSON form (a value the field refuses stays as given)."""
    try:
        return adapter.dump_python(adapter.validate_python(value), mode="json")
    except ValidationError:
        return value


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _proposer_action(step: Step, tool: str, *, followup: bool) -> AllowedAction:
    """The action a proposer's call is held to: the step's own call, or (after it) the follow-up of that
    tool, the step's own tool included (its follow-up bounds apply then)."""
    if followup:
        for f in step.followups:
            if f.tool == tool:
                return AllowedAction(tool=tool, source="followup", bounds=dict(f.args), max_calls=f.max_calls)
    if tool != step.tool:
        raise ProposalRejectedError(
            f"step {step.id!r} proposes only its own tool {step.tool!r} now, not {tool!r}"
        )
    return AllowedAction(tool=tool, source="step", bounds=dict(step.bounds), max_calls=None)


def check_proposer_call(
    step: Step,
    tool: str,
    args: Mapping[str, object],
    catalogue: Catalogue,
    *,
    pinned: Mapping[str, object],
    followup: bool = False,
) -> ToolArgs:
    """Validate a proposer's call under default-deny: an arg differs from its `pinned` value (what the
    playbook and the case window set for this call) or, unpinned, from the tool's default, only where the
    step's allowance bounds it, and within that bound; ProposalRejectedError says why it is refused."""
    validated = check_proposal(step, tool, args, catalogue)
    action = _proposer_action(step, tool, followup=followup)
    for name, field in type(validated).model_fields.items():
        adapter = _adapter(field)
        value = adapter.dump_python(getattr(validated, name), mode="json")
        if name in pinned:
            expected, what = _normal(adapter, pinned[name]), "the pinned value"
        elif field.default is not PydanticUndefined or field.default_factory is not None:
            expected = adapter.dump_python(field.get_default(call_default_factory=True), mode="json")
            what = "the tool's default"
        else:
            expected, what = PydanticUndefined, "no value (nothing pins one)"
        bound = action.bounds.get(name)
        if bound is None and value != expected:
            where = "bounds" if action.source == "step" else "follow-up args"
            shown = "" if expected is PydanticUndefined else f" {_short(expected)}"
            raise ProposalRejectedError(
                f"{tool} arg {name!r} = {_short(value)} refused at step {step.id!r}: a proposer may set only "
                f"{what}{shown} unless the step's {where} bound {name!r}"
            )
        # A follow-up's bounds hold for every value (as for a human's edit); the step's only for a change.
        if bound is None or (action.source == "step" and value == expected):
            continue
        if (problem := _bound_problem(name, getattr(validated, name), bound)) is not None:
            raise ProposalRejectedError(f"{tool} proposal outside the bounds of step {step.id!r}: {problem}")
    return validated
