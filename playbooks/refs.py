"""Typed pieces of a step: references to inputs and findings, conditions, extractors and follow-up bounds."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

import re2
from pydantic import BaseModel, Discriminator, Field, Tag, field_validator, model_validator

from playbooks.conditions import AllCondition as AllCondition
from playbooks.conditions import AnyCondition as AnyCondition
from playbooks.conditions import AnyInCondition as AnyInCondition
from playbooks.conditions import Condition as Condition
from playbooks.conditions import CountCondition as CountCondition
from playbooks.conditions import ExistsCondition as ExistsCondition
from playbooks.conditions import NotCondition as NotCondition
from playbooks.conditions import OutsideCondition as OutsideCondition
from playbooks.conditions import OverlapCondition as OverlapCondition
from playbooks.conditions import RowsCondition as RowsCondition
from playbooks.conditions import TopCondition as TopCondition
from playbooks.names import NAME_PATTERN as NAME_PATTERN
from playbooks.names import Name as Name
from playbooks.names import StrictModel as StrictModel
from playbooks.names import Technique as Technique
from playbooks.names import given_keys
from playbooks.values import regex_problem

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


BuiltinKind = Literal["ipv4", "ipv6", "domain", "url", "md5", "sha1", "sha256", "user", "path", "pid"]


RowMatch = str | int | list[str | int]


class _ExtractorBase(StrictModel):
    """What every extractor may add: the ATT&CK ids its values support, and which rows it reads."""

    attack: list[Technique] = Field(default_factory=list)
    """MITRE ATT&CK technique ids a value of this finding supports."""
    where: dict[str, RowMatch] = Field(default_factory=dict)
    """Only rows whose columns equal these values (or one of a list) are read: `{event: sudo_command}`
    keeps a denied sudo out of `sudo_commands`. Columns come from the tool's rows (a parsed log format's
    fields, see `sleuth tool show search_logs`)."""


class BuiltinExtractor(_ExtractorBase):
    """Values of a built-in kind found in the rows' text: `{builtin: ipv4}`."""

    builtin: BuiltinKind
    """ipv4, ipv6, domain, url, md5, sha1, sha256, user (login names in auth lines), path, pid."""
    column: str | None = None
    """Only scan this column (default: every text column of the row)."""


class RegexExtractor(_ExtractorBase):
    """Values captured by an RE2 regex's named group `value`: `{regex: 'for (?P<value>\\S+)'}`."""

    regex: str
    """RE2 pattern with a named group `(?P<value>...)` (or exactly one named group)."""
    column: str | None = None
    """Only scan this column (default: every text column of the row)."""

    @field_validator("regex")
    @classmethod
    def _valid(cls, pattern: str) -> str:
        if problem := regex_problem(pattern):
            raise ValueError(problem)
        if not _groups(pattern):
            raise ValueError("the regex needs a named group, e.g. (?P<value>\\S+)")
        return pattern


def _groups(pattern: str) -> dict[str, int]:
    options = re2.Options()
    options.log_errors = False
    return dict(re2.compile(pattern, options).groupindex)


class ColumnExtractor(_ExtractorBase):
    """The value of one column of each row: `{column: pid}`."""

    column: str
    """The row column to take (see the tool's row model)."""


def _extractor_kind(value: object) -> str | None:
    keys = given_keys(value)
    if "builtin" in keys:
        return "builtin"
    if "regex" in keys:
        return "regex"
    return "column" if "column" in keys else None


Extractor = Annotated[
    Annotated[BuiltinExtractor, Tag("builtin")]
    | Annotated[RegexExtractor, Tag("regex")]
    | Annotated[ColumnExtractor, Tag("column")],
    Discriminator(
        _extractor_kind,
        custom_error_type="invalid_extractor",
        custom_error_message="expected {builtin: KIND}, {regex: '(?P<value>...)'} or {column: NAME}",
    ),
]


class ArgBound(StrictModel):
    """Limits on one argument of a follow-up tool call; every limit given must hold."""

    equals: Scalar | list[str] = None
    """The argument must be exactly this value."""
    one_of: list[Scalar] | None = None
    """The argument must be one of these values."""
    min: int | float | None = None
    """Lowest allowed number."""
    max: int | float | None = None
    """Highest allowed number."""
    pattern: str | None = None
    """RE2 pattern the whole (string) value must match."""
    prefix: str | None = None
    """The (string or path) value must start with this."""
    max_length: int | None = Field(default=None, ge=1)
    """Longest allowed string (or list)."""

    @model_validator(mode="after")
    def _some_limit(self) -> ArgBound:
        if not self.model_fields_set:
            raise ValueError(
                "a bound needs at least one of equals, one_of, min, max, pattern, prefix, max_length"
            )
        if self.pattern is not None and (problem := regex_problem(self.pattern)):
            raise ValueError(f"pattern: {problem}")
        return self
