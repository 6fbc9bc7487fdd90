"""Timestamps of log lines (syslog, RFC 3339 / ISO 8601, journald short-iso, web access logs) and windows.

Times without an offset (classic syslog lines, naive ISO) are read as UTC: the target's zone is unknown.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tools.errors import InvalidToolArgsError

_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, start=1)}
# Anchored at the line start, fixed width: linear, and only ever run on bounded matched lines.
_SYSLOG = re.compile(rb"([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?=[ \t]|$)")
_ISO = re.compile(
    rb"(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?(?=[ \t]|$)"
)
# Common/combined access log (Apache, nginx): `host ident user [26/Nov/2026:10:05:40 +0000] "GET ..."`.
# Anchored and bounded per field, so a crafted line cannot make it slow; the three fields before the
# bracket have no spaces in these formats (a user name with spaces is `-` or quoted by the server).
_ACCESS = re.compile(
    rb"[^ \[\]]{1,255} [^ ]{1,255} [^ ]{1,255} "
    rb"\[(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\]"
)
_RELATIVE = re.compile(r"(\d{1,6})([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# A syslog line may come from a host whose clock or zone is ahead of ours: allow a day before
# deciding that "Dec 31" read on Jan 1 means last year.
_FUTURE_SLACK = timedelta(days=1)


def _fraction(digits: bytes | None) -> int:
    return int((digits or b"0").decode()[:6].ljust(6, "0"))


def parse_syslog(line: bytes, now: datetime) -> datetime | None:
    """`Nov 26 03:14:07 host ...`: the latest year that does not put the line in the future."""
    found = _SYSLOG.match(line)
    if found is None or found.group(1).decode() not in _MONTHS:
        return None
    month = _MONTHS[found.group(1).decode()]
    day, hour, minute, second = (int(found.group(i)) for i in range(2, 6))
    for year in range(now.year, now.year - 8, -1):
        try:
            stamp = datetime(year, month, day, hour, minute, second, _fraction(found.group(6)), tzinfo=UTC)
        except ValueError:
            continue  # Feb 29 outside a leap year, or a day that does not exist
        if stamp <= now + _FUTURE_SLACK:
            return stamp
    return None


def parse_iso(line: bytes) -> datetime | None:
    """`2026-11-26T03:14:07.123456+00:00` (rsyslog high precision), `...Z`, journald `+0000`."""
    found = _ISO.match(line)
    if found is None:
        return None
    offset = (found.group(4) or b"").decode()
    if offset == "Z":
        offset = "+00:00"
    elif offset and ":" not in offset:
        offset = offset[:3] + ":" + offset[3:]
    text = f"{found.group(1).decode()}T{found.group(2).decode()}.{_fraction(found.group(3)):06d}{offset}"
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def parse_access(line: bytes) -> datetime | None:
    """`203.0.113.5 - - [26/Nov/2026:10:05:40 +0000] "GET / HTTP/1.1" ...` (common/combined log format)."""
    found = _ACCESS.match(line)
    if found is None or found.group(2).decode() not in _MONTHS:
        return None
    day, year, hour, minute, second = (int(found.group(i)) for i in (1, 3, 4, 5, 6))
    sign = 1 if found.group(7) == b"+" else -1
    offset = timedelta(hours=int(found.group(8)), minutes=int(found.group(9)))
    if offset >= timedelta(hours=24):
        return None
    try:
        local = datetime(year, _MONTHS[found.group(2).decode()], day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None
    return local - sign * offset


def parse_line_time(line: bytes, now: datetime) -> datetime | None:
    """The timestamp of a log line (at its start, or an access log's bracketed one), or None."""
    return parse_iso(line) or parse_syslog(line, now) or parse_access(line)


def parse_bound(value: str, now: datetime, name: str) -> datetime:
    """A window bound: an ISO 8601 date/datetime (UTC when naive) or a duration before now (`2h`, `7d`)."""
    relative = _RELATIVE.fullmatch(value.strip())
    if relative:
        return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidToolArgsError(
            f"{name}={value!r}: expected an ISO 8601 datetime (2026-11-26T03:14:07Z) or a duration "
            "like 30m, 2h, 7d, 1w"
        ) from exc
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def iso(stamp: datetime | None) -> str | None:
    """The row form of a timestamp (ISO 8601 with offset)."""
    return None if stamp is None else stamp.isoformat()
