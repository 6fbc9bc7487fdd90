"""The record every log-format parser returns, and the bounded decoding all of them share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

import re2

LogFormat = Literal["syslog", "auth", "access", "error", "jsonl"]
FieldValue = str | int | None

# Only the head of a line is parsed: every field any of these formats logs fits in it, and a 1 MB line
# costs no more than a 64 KiB one (the regexes are linear, the cut bounds the constant).
MAX_PARSED_BYTES = 64 * 1024


class Match(Protocol):
    """The part of a google-re2 match the parsers use."""

    def group(self, name: str | int, /) -> str | None:
        """One group's text, None when it did not take part."""
        ...


class Pattern(Protocol):
    """The part of a compiled google-re2 pattern the parsers use."""

    def match(self, text: str, /) -> Match | None:
        """Match at the start of text (the parsers' patterns are also anchored)."""
        ...


def compile_pattern(pattern: str) -> Pattern:
    """A google-re2 pattern (linear time on attacker text) in which `.` also matches a newline or NUL."""
    options = re2.Options()
    options.dot_nl = True
    compiled: Pattern = re2.compile(pattern, options)
    return compiled


@dataclass(frozen=True)
class ParsedLine:
    """One log line read as a format: its documented fields and its time."""

    format: LogFormat
    """The format the line was read as."""
    fields: dict[str, FieldValue]
    """The format's fields present in this line (see `FIELDS`); a field not in the line is absent."""
    time: datetime | None
    """When the line was logged, timezone-aware (naive times are read as UTC); None when unreadable."""
    year_inferred: bool
    """True when the line's time had no year and one was inferred from the reference time."""
    repeat: int = 1
    """How many times the line stands for (syslog `message repeated N times: [ ... ]` -> N)."""


def decode(line: bytes) -> str:
    """The parsed head of a raw line as text: cut to 64 KiB, line ending dropped, bad UTF-8 replaced."""
    head = line[:MAX_PARSED_BYTES]
    if head.endswith(b"\n"):
        head = head[:-1]
    if head.endswith(b"\r"):
        head = head[:-1]
    return head.decode("utf-8", "replace")


def as_int(text: str | None) -> int | None:
    """A bounded decimal field as an int (None when absent or longer than 18 digits)."""
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text)
