"""Structured parsers of common log formats, so a finding takes a value from its field, not from the line.

`parse_line(fmt, line, reference=...)` reads one raw line as syslog, auth (syslog + OpenSSH/PAM/sudo/su
events), access (Apache/nginx), error (Apache/nginx) or jsonl; `detect_format(line)` guesses the
format; `FIELDS` names each format's documented fields. Every parser reads only the first 64 KiB of a
line, decodes bad UTF-8 with replacement and uses anchored linear-time (RE2) patterns: log text is
attacker-controlled.
"""

from __future__ import annotations

from datetime import datetime

from tools.logformats.access import FIELDS as ACCESS_FIELDS
from tools.logformats.access import parse_access_line
from tools.logformats.auth import FIELDS as AUTH_FIELDS
from tools.logformats.auth import parse_auth_line
from tools.logformats.detect import detect_format
from tools.logformats.errorlog import FIELDS as ERROR_FIELDS
from tools.logformats.errorlog import parse_error_line
from tools.logformats.jsonl import FIELDS as JSONL_FIELDS
from tools.logformats.jsonl import parse_jsonl_line
from tools.logformats.model import FieldValue, LogFormat, ParsedLine
from tools.logformats.syslog import FIELDS as SYSLOG_FIELDS
from tools.logformats.syslog import parse_syslog_line

__all__ = ["FIELDS", "FieldValue", "LogFormat", "ParsedLine", "detect_format", "parse_line"]

FIELDS: dict[LogFormat, tuple[str, ...]] = {
    "syslog": SYSLOG_FIELDS,
    "auth": AUTH_FIELDS,
    "access": ACCESS_FIELDS,
    "error": ERROR_FIELDS,
    "jsonl": JSONL_FIELDS,  # none fixed: a JSON-lines log's fields are its own keys
}


def parse_line(
    fmt: LogFormat, line: bytes, *, reference: datetime, time_field: str | None = None
) -> ParsedLine | None:
    """One raw line read as `fmt`, or None when it is not in that format.

    `reference` is the latest time a year-less syslog stamp may mean (the file's mtime, or now; one day
    of slack for clock skew): the line gets the latest year that does not put it past that. `time_field`
    (jsonl only) names the key holding the time; otherwise a common name is detected.
    """
    if fmt == "syslog":
        return parse_syslog_line(line, reference)
    if fmt == "auth":
        return parse_auth_line(line, reference)
    if fmt == "access":
        return parse_access_line(line)
    if fmt == "error":
        return parse_error_line(line, reference)
    return parse_jsonl_line(line, time_field)
