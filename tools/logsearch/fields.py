"""Matched lines read as a log format: the parsed fields become row columns, the parsed time the line's time.

A finding then takes its value from a field (`client`, `src`, `user`, `status`, ...), never from whatever
in the line happens to look like one: an IPv4 in a URL or a Referer is not a client.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from tools.coverage import Coverage
from tools.logformats import FIELDS, LogFormat, ParsedLine, detect_format, parse_line

FormatChoice = Literal["auto", "none", "syslog", "auth", "access", "error", "jsonl"]
# The format a log kind of the host profile is written in (`auto` with `log=`).
KIND_FORMATS: dict[str, LogFormat] = {
    "auth": "auth",
    "syslog": "syslog",
    "web_access": "access",
    "web_error": "error",
}
# Columns the tool itself sets: a parsed field of the same name never replaces them.
_OWN_COLUMNS = frozenset({"path", "line_no", "timestamp", "line", "count", "year_inferred"})


@dataclass
class LineReader:
    """Parses matched lines in one format, or per file in the format its first parsable line shows."""

    choice: FormatChoice
    """The format asked for; `auto` detects it per file (or takes the log kind's)."""
    kind_format: LogFormat | None = None
    """The format of the log kind searched (`log=auth` is auth), used by `auto`."""
    time_field: str | None = None
    """jsonl: the key holding the time (else a common name is detected)."""
    _per_file: dict[str, LogFormat | None] = field(default_factory=dict)

    def _format_of(self, path: str, line: bytes) -> LogFormat | None:
        if self.choice == "none":
            return None
        if self.choice != "auto":
            return self.choice
        if self.kind_format is not None:
            return self.kind_format
        if path not in self._per_file or self._per_file[path] is None:
            self._per_file[path] = detect_format(line)
        return self._per_file[path]

    @property
    def fixed(self) -> LogFormat | None:
        """The one format every line is read in (asked for, or the log kind's); None when detected or off."""
        if self.choice == "none":
            return None
        return self.kind_format if self.choice == "auto" else self.choice

    def read(self, path: str, line: bytes, reference: datetime) -> ParsedLine | None:
        """The line parsed in its file's format, or None (no format, or the line is not in it)."""
        fmt = self._format_of(path, line)
        if fmt is None:
            return None
        return parse_line(fmt, line, reference=reference, time_field=self.time_field)


def column_name(fmt: LogFormat, name: str) -> str:
    """The row column of a parsed field: its own name, unless the tool already has a column of that name
    (an access log's URL `path` is `url_path`, beside the file's `path`; other clashes get `FORMAT.NAME`)."""
    if name not in _OWN_COLUMNS:
        return name
    return "url_path" if (fmt, name) == ("access", "path") else f"{fmt}.{name}"


def parsed_columns(parsed: ParsedLine) -> dict[str, str | int | None]:
    """The parsed fields as row columns (renamed where they clash with the tool's), `repeat` when above 1."""
    columns = {column_name(parsed.format, k): v for k, v in parsed.fields.items()}
    if parsed.repeat > 1:
        columns["repeat"] = parsed.repeat
    return columns


def format_columns(choice: object, log: object, paths: object) -> frozenset[str] | None:
    """The columns a search's format adds, known before the run; None when only the run can tell (a
    format detected per file, a JSON-lines log's own keys, args that are references)."""
    if not isinstance(choice, str) or not (log is None or isinstance(log, str)):
        return None
    if choice == "none":
        return frozenset()
    fmt: str | None = choice
    if choice == "auto":
        fmt = None if paths or not isinstance(log, str) else KIND_FORMATS.get(log)
    if fmt is None or fmt == "jsonl" or fmt not in FIELDS:
        return None
    known: LogFormat = fmt
    return frozenset(column_name(known, f) for f in FIELDS[known]) | {"format", "repeat"}


@dataclass(frozen=True)
class Probe:
    """A found file's first and last lines, as the coverage probes read them."""

    path: str
    lines: tuple[bytes, ...]


def format_mismatch(
    reader: LineReader, probes: Sequence[Probe], coverage: Coverage, now: datetime, parsed: frozenset[str]
) -> Coverage:
    """The coverage, downgraded when the files are not in the format the search reads them in.

    A pattern written for sshd lines finds nothing in a JSON honeypot log: that silence is no evidence.
    A file none of whose probed lines (first and last) parses in the format, and none of whose matched
    lines did (`parsed`: the files with such a line), is counted as not examined.
    """
    fmt = reader.fixed
    if fmt is None:
        return coverage
    probed = [p for p in probes if p.lines and p.path not in parsed]
    wrong = [
        p
        for p in probed
        if all(parse_line(fmt, ln, reference=now, time_field=reader.time_field) is None for ln in p.lines)
    ]
    if not wrong:
        return coverage
    reasons = tuple(
        f"{p.path} is not in the {fmt} format (its first line reads "
        f"{p.lines[0][:80].decode('utf-8', 'replace')!r}): give format= or a pattern for the format it is in"
        for p in wrong
    )
    status = "not_examined" if len(wrong) == len(probes) else "partial"
    if coverage.status == "not_examined":
        status = "not_examined"
    return coverage.model_copy(update={"status": status, "reasons": (*coverage.reasons, *reasons)})
