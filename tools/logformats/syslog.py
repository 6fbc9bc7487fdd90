"""Syslog lines: RFC 3164 (`Nov 26 03:14:07 host prog[pid]: msg`), RFC 3339-prefixed, journald short-iso and
RFC 5424 (`<38>1 2026-11-26T03:14:07Z host prog pid msgid [sd] msg`).

Fields: `host`, `program` (as logged, e.g. `sshd(pam_unix)`), `service` (the program's base name:
`sshd`), `pid` (int), `message` (the text after `prog[pid]: `; for `message repeated N times: [ inner ]`
the inner text, with `ParsedLine.repeat = N`). A line with a time and a host but no `prog:` tag has a
`message` and no `program`. sysklogd's `last message repeated N times` is kept as a plain message: it
repeats the line before it, which a single-line parser cannot see.
"""

from __future__ import annotations

from datetime import datetime

from tools.logformats.model import FieldValue, Match, ParsedLine, as_int, compile_pattern, decode
from tools.logsearch.timestamps import parse_iso, parse_syslog

FIELDS: tuple[str, ...] = ("host", "program", "service", "pid", "message")

# Every pattern is anchored and bounded per field; RE2 makes them linear in the (64 KiB) head.
_STAMP = (
    r"(?:<\d{1,3}>)?"  # a priority prefix, as some relays forward it
    r"(?P<stamp>[A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?"
    r"|\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?) "
)
# `.` matches NUL and CR too (compile_pattern): a stray byte inside a line is part of the message.
_TAGGED = compile_pattern(
    "^" + _STAMP + r"(?:(?P<host>[^ :\[\]]{1,255}) )?"
    r"(?P<program>[^ :\[\]]{1,128})(?:\[(?P<pid>\d{1,10})\])?: ?(?P<message>.*)$"
)
_UNTAGGED = compile_pattern("^" + _STAMP + r"(?P<host>[^ :\[\]]{1,255}) (?P<message>.*)$")
# RFC 5424: `<PRI>1 STAMP HOST APP PROCID MSGID SD MSG`, `-` for a missing value; structured data is
# `[id k="v" ...]...`, with `\]` and `\"` escaped inside quoted values.
_RFC5424 = compile_pattern(
    r"^<\d{1,3}>\d{1,2} (?P<stamp>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})|-) "
    r"(?P<host>[^ ]{1,255}) (?P<program>[^ ]{1,48}) (?P<pid>[^ ]{1,128}) [^ ]{1,32} "
    r'(?:-|(?:\[(?:[^\]"\\]|"(?:[^"\\]|\\.)*")*\])+)(?: \x{FEFF}?(?P<message>.*))?$'
)
_REPEATED = compile_pattern(r"^message repeated (\d{1,9}) times: \[ ?(.*)\]$")
_BASE = compile_pattern(r"^(?:.*/)?([^/(]{1,128})")


def parse_syslog_line(line: bytes, reference: datetime) -> ParsedLine | None:
    """The syslog fields of a line, or None when it does not start with a syslog header."""
    text = decode(line)
    found = _RFC5424.match(text) if text.startswith("<") else None
    if found is not None:
        return _record(found, tagged=True, reference=reference, nil="-")
    found = _TAGGED.match(text)
    tagged = found is not None
    if found is None:
        found = _UNTAGGED.match(text)
    if found is None:
        return None
    return _record(found, tagged=tagged, reference=reference)


def _record(found: Match, *, tagged: bool, reference: datetime, nil: str | None = None) -> ParsedLine:
    stamp = found.group("stamp") or ""
    time = parse_iso(stamp.encode())
    inferred = False
    if time is None:
        time = parse_syslog(stamp.encode(), reference)
        inferred = time is not None
    fields: dict[str, FieldValue] = {}
    host = found.group("host")
    if host is not None and host != nil:
        fields["host"] = host
    program = found.group("program") if tagged else None
    if program is not None and program != nil:
        fields["program"] = program
        base = _BASE.match(program)
        fields["service"] = base.group(1) if base else program
        pid = as_int(found.group("pid"))
        if pid is not None:
            fields["pid"] = pid
    message = found.group("message") or ""
    repeat = 1
    repeated = _REPEATED.match(message)
    if repeated is not None:
        repeat = max(1, as_int(repeated.group(1)) or 1)
        message = repeated.group(2) or ""
    fields["message"] = message
    return ParsedLine("syslog", fields, time, inferred, repeat)
