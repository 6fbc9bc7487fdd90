"""A log line's time in whichever format it is written: ISO 8601, syslog (year inferred), access log, or an
Apache/nginx error log (whose parser owns that format). Above both the timestamp parsers and the formats."""

from __future__ import annotations

from datetime import datetime

from tools.logformats.errorlog import parse_error_line
from tools.logsearch.timestamps import parse_access, parse_iso, parse_syslog


def line_time(line: bytes, reference: datetime) -> tuple[datetime | None, bool]:
    """A line's time and whether its year was inferred: year-less syslog times take the latest year that
    does not put the line after `reference` (the file's mtime) plus a day."""
    stamp = parse_iso(line)
    if stamp is not None:
        return stamp, False
    stamp = parse_syslog(line, reference)
    if stamp is not None:
        return stamp, True
    stamp = parse_access(line)
    if stamp is not None:
        return stamp, False
    return _error_log_time(line, reference), False


def _error_log_time(line: bytes, reference: datetime) -> datetime | None:
    """An Apache (`[Wed Nov 26 10:05:40.123456 2026] [core:error] ...`) or nginx error-log time."""
    if not line.startswith((b"[", b"1", b"2")):
        return None
    parsed = parse_error_line(line, reference)
    return parsed.time if parsed is not None else None
