"""How a step turns its tool's rows into findings: built-in kinds, an RE2 regex's named group, a column."""

from __future__ import annotations

from typing import Annotated, Literal

import re2
from pydantic import Discriminator, Field, Tag, field_validator

from playbooks.names import StrictModel, Technique, given_keys
from playbooks.values import regex_problem

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
