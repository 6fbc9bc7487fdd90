"""Matched lines read as a log format: the parsed fields become row columns, the parsed time the line's time.

A finding then takes its value from a field (`client`, `src`, `user`, `status`, ...), never from whatever
in the line happens to look like one: an IPv4 in a URL or a Referer is not a client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

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
