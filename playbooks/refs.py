"""References in a step's args: to inputs, findings, the fan-out item, and concatenations of them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Discriminator, Field, Tag

from playbooks.names import Name, StrictModel

Scalar = str | int | float | bool | None


class Encoding(StrEnum):
    """How a referenced value is turned into an argument; evidence is never pasted in as code."""

    RAW = "raw"
    REGEX = "regex"
    REGEX_ANY = "regex_any"
    PATH_SEGMENT = "path_segment"
    SECONDS = "seconds"


class InputRef(StrictModel):
    """The value of a declared input: `{input: since}`."""

    input: Name
    """Name of an input declared under `inputs`."""
    as_: Encoding = Field(default=Encoding.RAW, alias="as")
    """raw (as is), regex (escaped to match literally), regex_any (list: one escaped alternation),
    path_segment (refused if it holds `/` or is `.`/`..`), seconds (a duration input as whole seconds)."""


class FindingRef(StrictModel):
    """All values of a finding produced by an earlier step, as a list: `{finding: sources}`."""

    finding: Name
    """Name of a finding extracted by an earlier step."""
    also: list[Name] = Field(default_factory=list)
    """More findings whose values are added (in order, each value once): `{finding: sources, also:
    [pam_sources], as: regex_any}` matches any source that failed through sshd or through PAM."""
    as_: Encoding = Field(default=Encoding.RAW, alias="as")
    """raw (the list), regex_any (one escaped alternation matching any value)."""

    @property
    def names(self) -> tuple[str, ...]:
        """Every finding this reference reads, `finding` first."""
        return (self.finding, *self.also)


class ItemRef(StrictModel):
    """The current item of this step's fan-out: `{item: sources, as: regex}`."""

    item: Name
    """The finding this step fans out over (must equal the step's `for_each`)."""
    as_: Encoding = Field(default=Encoding.RAW, alias="as")
    """raw, regex (escaped literal) or path_segment."""


def _ref_kind(value: object) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if value is None:
        return "null"
    for kind in (str, int, float, list):
        if isinstance(value, kind):
            return kind.__name__
    if isinstance(value, dict):
        found = [k for k in ("input", "finding", "item", "concat") if k in value]
        return found[0] if len(found) == 1 else None
    if isinstance(value, BaseModel):
        return next(k for k in ("input", "finding", "item", "concat") if hasattr(value, k))
    return None


_REF_ERROR = dict(
    custom_error_type="invalid_reference",
    custom_error_message="expected a plain value or one reference: {input: NAME}, {finding: NAME}, "
    "{item: NAME} or {concat: [...]}",
)

ConcatPart = Annotated[
    Annotated[str, Tag("str")]
    | Annotated[InputRef, Tag("input")]
    | Annotated[FindingRef, Tag("finding")]
    | Annotated[ItemRef, Tag("item")],
    Discriminator(_ref_kind, **_REF_ERROR),
]


class ConcatRef(StrictModel):
    """A string of literal parts and encoded references: `{concat: ['sudo: +', {item: u, as: regex}]}`."""

    concat: list[ConcatPart] = Field(min_length=1)
    """Parts joined in order; literal strings are the author's, references are encoded by their `as`."""


ArgItem = Annotated[
    Annotated[str, Tag("str")]
    | Annotated[int, Tag("int")]
    | Annotated[float, Tag("float")]
    | Annotated[InputRef, Tag("input")]
    | Annotated[FindingRef, Tag("finding")]
    | Annotated[ItemRef, Tag("item")]
    | Annotated[ConcatRef, Tag("concat")],
    Discriminator(_ref_kind, **_REF_ERROR),
]

ArgValue = Annotated[
    Annotated[str, Tag("str")]
    | Annotated[int, Tag("int")]
    | Annotated[float, Tag("float")]
    | Annotated[bool, Tag("bool")]
    | Annotated[None, Tag("null")]
    | Annotated[list[ArgItem], Tag("list")]
    | Annotated[InputRef, Tag("input")]
    | Annotated[FindingRef, Tag("finding")]
    | Annotated[ItemRef, Tag("item")]
    | Annotated[ConcatRef, Tag("concat")],
    Discriminator(_ref_kind, **_REF_ERROR),
]
Reference = InputRef | FindingRef | ItemRef | ConcatRef
