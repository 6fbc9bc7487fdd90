"""Typed conditions over findings, for a step's `when` and a conclusion's `when` (no eval, no templating)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from pydantic import BaseModel, Discriminator, Field, Tag

from playbooks.names import Name, StrictModel, given_keys
from playbooks.yamlsource import Loc


class ExistsCondition(StrictModel):
    """True when the finding has at least one value: `{exists: accepted_users}`."""

    exists: Name
    """The finding to test."""


class CountCondition(StrictModel):
    """True when the finding has more than `over` distinct values: `{count: sources, over: 5}`."""

    count: Name
    """The finding to count."""
    over: int = Field(ge=0)
    """The threshold (strictly greater than)."""


class AnyInCondition(StrictModel):
    """True when any value of the finding is in the set: `{any_in: users, values: [root, admin]}`."""

    any_in: Name
    """The finding to test."""
    values: list[str] = Field(min_length=1)
    """The set of values that make the condition true (exact match)."""


class RowsCondition(StrictModel):
    """True when the finding's values were seen more than `over` times in all: `{rows: failed, over: 20}`."""

    rows: Name
    """The finding whose value counts are summed."""
    over: int = Field(ge=0)
    """The threshold (strictly greater than)."""


class TopCondition(StrictModel):
    """True when some value was seen more than `over` times: `{top: notfound_clients, over: 50}` (one
    client behind 50+ 404s is a scanner, however many clients there are)."""

    top: Name
    """The finding whose values are tested one by one (those over the threshold are the witnesses)."""
    over: int = Field(ge=0)
    """The threshold per value (strictly greater than)."""


class OverlapCondition(StrictModel):
    """True when a value of one finding is also a value of another: `{overlap: accepted, with: sources}`."""

    overlap: Name
    """The finding whose values are tested (its shared values are the witnesses)."""
    with_: Name = Field(alias="with")
    """The finding they must also appear in."""


class OutsideCondition(StrictModel):
    """True when some value of one finding is not a value of another: `{outside: accepted, of: sources}`."""

    outside: Name
    """The finding whose values are tested (those missing from `of` are the witnesses)."""
    of: Name | list[Name]
    """The finding (or findings) they must be absent from: `of: [sources, pam_sources]`."""

    @property
    def of_names(self) -> tuple[str, ...]:
        """The findings of `of`, as a tuple."""
        return (self.of,) if isinstance(self.of, str) else tuple(self.of)


class AllCondition(StrictModel):
    """True when every condition holds: `{all: [{exists: a}, {count: b, over: 3}]}`."""

    all: list[Condition] = Field(min_length=1)
    """The conditions that must all hold."""


class AnyCondition(StrictModel):
    """True when at least one condition holds: `{any: [{exists: a}, {exists: b}]}`."""

    any: list[Condition] = Field(min_length=1)
    """The conditions of which one must hold."""


class NotCondition(StrictModel):
    """True when the condition does not hold: `{not: {exists: failures}}`."""

    not_: Condition = Field(alias="not")
    """The condition that must not hold."""


_KINDS: dict[str, type[BaseModel]] = {
    "exists": ExistsCondition,
    "count": CountCondition,
    "any_in": AnyInCondition,
    "rows": RowsCondition,
    "top": TopCondition,
    "overlap": OverlapCondition,
    "outside": OutsideCondition,
    "all": AllCondition,
    "any": AnyCondition,
    "not": NotCondition,
}
_KIND_OF = {model: kind for kind, model in _KINDS.items()}


def _cond_kind(value: object) -> str | None:
    if isinstance(value, BaseModel):
        return _KIND_OF.get(type(value))
    keys = given_keys(value)
    found = [k for k in _KINDS if k in keys]
    return found[0] if len(found) == 1 else None


Condition = Annotated[
    Annotated[ExistsCondition, Tag("exists")]
    | Annotated[CountCondition, Tag("count")]
    | Annotated[AnyInCondition, Tag("any_in")]
    | Annotated[RowsCondition, Tag("rows")]
    | Annotated[TopCondition, Tag("top")]
    | Annotated[OverlapCondition, Tag("overlap")]
    | Annotated[OutsideCondition, Tag("outside")]
    | Annotated[AllCondition, Tag("all")]
    | Annotated[AnyCondition, Tag("any")]
    | Annotated[NotCondition, Tag("not")],
    Discriminator(
        _cond_kind,
        custom_error_type="invalid_condition",
        custom_error_message="expected one of {exists: F}, {count: F, over: N}, {any_in: F, values: [...]}, "
        "{rows: F, over: N}, {top: F, over: N}, {overlap: F, with: G}, {outside: F, of: G}, {all: [...]}, "
        "{any: [...]}, {not: C}",
    ),
]

for _model in (AllCondition, AnyCondition, NotCondition):
    _model.model_rebuild()


def condition_refs(cond: Condition, loc: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """Every finding a condition names, with its location below `loc` (the key holding the name)."""
    if isinstance(cond, ExistsCondition):
        yield (*loc, "exists"), cond.exists
    elif isinstance(cond, CountCondition):
        yield (*loc, "count"), cond.count
    elif isinstance(cond, AnyInCondition):
        yield (*loc, "any_in"), cond.any_in
    elif isinstance(cond, RowsCondition):
        yield (*loc, "rows"), cond.rows
    elif isinstance(cond, TopCondition):
        yield (*loc, "top"), cond.top
    elif isinstance(cond, OverlapCondition):
        yield (*loc, "overlap"), cond.overlap
        yield (*loc, "with"), cond.with_
    elif isinstance(cond, OutsideCondition):
        yield (*loc, "outside"), cond.outside
        if isinstance(cond.of, str):
            yield (*loc, "of"), cond.of
        else:
            yield from (((*loc, "of", k), name) for k, name in enumerate(cond.of))
    elif isinstance(cond, AllCondition | AnyCondition):
        key = "all" if isinstance(cond, AllCondition) else "any"
        for k, part in enumerate(cond.all if isinstance(cond, AllCondition) else cond.any):
            yield from condition_refs(part, (*loc, key, k))
    else:
        yield from condition_refs(cond.not_, (*loc, "not"))


def condition_findings(cond: Condition) -> list[str]:
    """The distinct findings a condition names, in the order written."""
    return list(dict.fromkeys(name for _, name in condition_refs(cond)))


def required_findings(cond: Condition) -> frozenset[str]:
    """Findings that must have values for the condition to hold (`outside`'s `of` and `not` need none)."""
    if isinstance(cond, OverlapCondition):
        return frozenset((cond.overlap, cond.with_))
    if isinstance(cond, OutsideCondition):
        return frozenset((cond.outside,))
    if isinstance(cond, AllCondition):
        return frozenset().union(*(required_findings(c) for c in cond.all))
    if isinstance(cond, AnyCondition):
        return frozenset.intersection(*(required_findings(c) for c in cond.any))
    if isinstance(cond, NotCondition):
        return frozenset()
    return frozenset(condition_findings(cond))


def condition_text(cond: Condition) -> str:
    """A condition in words, for a responder: `a value of accepted_sources is also in sources`."""
    if isinstance(cond, ExistsCondition):
        return f"{cond.exists} has a value"
    if isinstance(cond, CountCondition):
        return f"{cond.count} has more than {cond.over} distinct value(s)"
    if isinstance(cond, RowsCondition):
        return f"{cond.rows} was seen more than {cond.over} time(s)"
    if isinstance(cond, TopCondition):
        return f"one value of {cond.top} was seen more than {cond.over} time(s)"
    if isinstance(cond, AnyInCondition):
        return f"{cond.any_in} is one of {', '.join(cond.values)}"
    if isinstance(cond, OverlapCondition):
        return f"a value of {cond.overlap} is also in {cond.with_}"
    if isinstance(cond, OutsideCondition):
        return f"a value of {cond.outside} is in none of {', '.join(cond.of_names)}"
    if isinstance(cond, AllCondition):
        return " and ".join(f"({condition_text(c)})" for c in cond.all)
    if isinstance(cond, AnyCondition):
        return " or ".join(f"({condition_text(c)})" for c in cond.any)
    return f"not ({condition_text(cond.not_)})"
