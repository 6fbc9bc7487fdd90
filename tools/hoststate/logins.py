"""Parse `last -F -w -i` / `lastb` and `who --ips` output into login records."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from tools.hoststate.common import decode

_DATE = r"\S+ \S+ +\d+ \d\d:\d\d:\d\d \d{4}"
_LAST_LINE = re.compile(
    rf"^(?P<user>\S*)\s+(?P<tty>.+?)\s+(?P<source>\S+)\s+(?P<start>{_DATE})"
    rf"(?:\s+-\s+(?P<end>{_DATE}|\S+)\s+\((?P<duration>[^)]*)\)|\s+(?P<status>\S.*?))?\s*$"
)
# `last` ends with "<file> begins <date>"; a file name may hold spaces.
_TRAILER = re.compile(rf"^.* begins {_DATE}\s*$")
_WHO_LINE = re.compile(
    r"^(?P<user>\S+)\s+(?P<tty>\S+)\s+(?P<start>\d{4}-\d\d-\d\d \d\d:\d\d|[A-Z][a-z]{2} +\d+ \d\d:\d\d)"
    r"(?:\s+\(?(?P<source>[^()\s]+)\)?)?\s*$"
)


@dataclass(frozen=True)
class Login:
    """One login session or attempt as the target recorded it."""

    user: str
    tty: str
    source: str | None
    start: str | None
    end: str | None
    duration: str | None


def _date_iso(text: str | None, fmt: str) -> str | None:
    if not text:
        return None
    try:
        return datetime.strptime(" ".join(text.split()), fmt).isoformat()
    except ValueError:
        return None


def _source(text: str | None) -> str | None:
    # last -i prints 0.0.0.0 for a local login; who prints a display or nothing.
    return None if not text or text in ("0.0.0.0", "::") else text  # noqa: S104


def parse_last(data: bytes) -> tuple[list[Login], list[str]]:
    """Parse `last -F -w -i` (or `lastb`); return records and lines it could not read."""
    logins: list[Login] = []
    bad: list[str] = []
    for line in decode(data).split("\n"):
        if not line.strip() or _TRAILER.match(line):
            continue
        match = _LAST_LINE.match(line)
        if match is None:
            bad.append(line[:200])
            continue
        end_text = match["end"]
        end = _date_iso(end_text, "%a %b %d %H:%M:%S %Y")
        logins.append(
            Login(
                user=match["user"],
                tty=match["tty"],
                source=_source(match["source"]),
                start=_date_iso(match["start"], "%a %b %d %H:%M:%S %Y"),
                end=end if end is not None else (end_text or match["status"]),
                duration=match["duration"],
            )
        )
    return logins, bad


def parse_who(data: bytes) -> tuple[list[Login], list[str]]:
    """Parse `who --ips [FILE]` output; return current sessions and lines it could not read."""
    logins: list[Login] = []
    bad: list[str] = []
    for line in decode(data).split("\n"):
        if not line.strip():
            continue
        match = _WHO_LINE.match(line)
        if match is None:
            bad.append(line[:200])
            continue
        logins.append(
            Login(
                user=match["user"],
                tty=match["tty"],
                source=_source(match["source"]),
                # The C locale prints `Dec 29 09:21` (no year): kept as printed rather than guessed.
                start=_date_iso(match["start"], "%Y-%m-%d %H:%M") or " ".join(match["start"].split()),
                end=None,
                duration=None,
            )
        )
    return logins, bad
