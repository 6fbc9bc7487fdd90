"""Run-time values: inputs bound from `--input k=v`, and step args resolved from typed references."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from playbooks.errors import InputBindingError, UnresolvedReferenceError
from playbooks.model import Playbook, Step
from playbooks.refs import ArgValue, ConcatRef, Encoding, FindingRef, InputRef, ItemRef
from playbooks.values import BoundValue, duration_seconds, parse_value
from playbooks.window import CaseWindow, inherit

_REGEX_SPECIALS = frozenset("\\.^$|?*+()[]{}")


class BoundInputs(BaseModel):
    """Every input of a playbook with its typed value (given or default)."""

    model_config = ConfigDict(frozen=True)

    values: dict[str, BoundValue]
    """Input name -> typed value (str, int, or list of str)."""


def input_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """`--input` values (`name=value`, a later one wins) as the raw mapping `bind_inputs` takes."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputBindingError(f"--input {pair!r} is not K=V")
        out[key] = value
    return out


def bind_inputs(playbook: Playbook, raw: Mapping[str, str]) -> BoundInputs:
    """Parse `--input k=v` strings against the declared types, fill defaults; one error lists them all."""
    problems: list[str] = []
    values: dict[str, BoundValue] = {}
    for name in raw:
        if name not in playbook.inputs:
            known = ", ".join(playbook.inputs) or "none"
            problems.append(f"unknown input {name!r} (inputs of {playbook.id}: {known})")
    for name, spec in playbook.inputs.items():
        if name in raw:
            try:
                values[name] = parse_value(spec.type, raw[name])
            except ValueError as exc:
                problems.append(f"input {name!r} ({spec.type.value}): {exc}")
        elif (default := spec.typed_default()) is not None:
            values[name] = default
        else:
            problems.append(f"input {name!r} ({spec.type.value}) is required: pass --input {name}=VALUE")
    if problems:
        raise InputBindingError("; ".join(problems))
    return BoundInputs(values=values)


def regex_literal(text: str) -> str:
    """`text` escaped to match itself in RE2, POSIX ERE (grep -E) and ripgrep alike."""
    return "".join("\\" + c if c in _REGEX_SPECIALS else c for c in text)


def _one(value: str, how: Encoding, what: str) -> str:
    if any(c in value for c in "\x00\n\r"):
        raise UnresolvedReferenceError(f"{what} holds a control character; refused")
    if how == Encoding.REGEX:
        return regex_literal(value)
    if how == Encoding.REGEX_ANY:
        return "(?:" + regex_literal(value) + ")"
    if how == Encoding.PATH_SEGMENT and (not value or "/" in value or value in (".", "..")):
        raise UnresolvedReferenceError(f"{what} = {value!r} is not a single path segment; refused")
    return value


def _many(values: Sequence[str], how: Encoding, what: str) -> str | list[str]:
    if how == Encoding.REGEX_ANY:
        if not values:  # an empty alternation would match every line
            raise UnresolvedReferenceError(f"{what} is empty: guard the step with `when: {{exists: ...}}`")
        return "(?:" + "|".join(_one(v, Encoding.REGEX, what) for v in values) + ")"
    return [_one(v, how, what) for v in values]


def _resolve(
    value: ArgValue | str, inputs: BoundInputs, findings: Mapping[str, Sequence[str]], item: str | None
) -> object:
    if isinstance(value, InputRef):
        if value.input not in inputs.values:
            raise UnresolvedReferenceError(f"input {value.input!r} is not bound")
        bound = inputs.values[value.input]
        what = f"input {value.input!r}"
        if value.as_ == Encoding.SECONDS and isinstance(bound, str):
            return duration_seconds(bound)
        if isinstance(bound, list):
            return _many(bound, value.as_, what)
        return bound if isinstance(bound, int) else _one(bound, value.as_, what)
    if isinstance(value, FindingRef):
        values = dict.fromkeys(v for name in value.names for v in findings.get(name, ()))
        return _many(list(values), value.as_, f"finding {value.finding!r}")
    if isinstance(value, ItemRef):
        if item is None:
            raise UnresolvedReferenceError(f"{{item: {value.item}}} used outside a fan-out")
        return _one(item, value.as_, f"item of {value.item!r}")
    if isinstance(value, ConcatRef):
        parts = [_resolve(p, inputs, findings, item) for p in value.concat]
        return "".join(str(p) for p in parts)
    if isinstance(value, list):
        out: list[object] = []
        for element in value:  # lists (a list input, a finding) are spliced into the surrounding list
            resolved = _resolve(element, inputs, findings, item)
            out.extend(resolved) if isinstance(resolved, list) else out.append(resolved)
        return out
    return value


def resolve_args(
    step: Step,
    inputs: BoundInputs,
    findings: Mapping[str, Sequence[str]],
    item: str | None = None,
    *,
    window: CaseWindow | None = None,
    tool_args: Collection[str] = (),
) -> dict[str, object]:
    """The step's args with every reference replaced by its concrete, encoded value; the case `window`
    fills `since`/`until` where the step leaves them unset and its tool takes them (`tool_args`: the
    tool's argument names); a step that pins its own bound keeps it."""
    args = {name: _resolve(value, inputs, findings, item) for name, value in step.args.items()}
    return args if window is None else inherit(args, window.tool_args(tool_args))
