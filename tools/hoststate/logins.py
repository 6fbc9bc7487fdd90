"""Parse `last -F -w -i` / `lastb` and `who --ips` output into list_logins rows."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from tools.hoststate.common import RowModel, decode

Kind = Literal["success", "failed", "current", "reboot"]
LastKind = Literal["success", "failed"]
"""What a `last` reads: wtmp's logins (success) or, as `lastb`, btmp's failed attempts."""

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


class LoginRow(RowModel):
    """One login, failed attempt, reboot or open session (a row of list_logins)."""

    kind: Kind
    """success, failed, current (open session) or reboot."""
    user: str
    """User name as recorded (for failed logins, whatever the client sent: attacker-controlled)."""
    tty: str
    """Terminal (pts/0, ssh:notty, system boot)."""
    source: str | None
    """Source IP address (None for a local login)."""
    start: str | None
    """Start, ISO 8601 in the target's local time (no zone)."""
    end: str | None
    """End (ISO) or status: still logged in, gone - no logout, crash, down, still running."""
    duration: str | None
    """Session length as last prints it ([days+]hh:mm)."""


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


def parse_last(data: bytes, kind: LastKind = "success") -> tuple[list[LoginRow], list[str]]:
    """Parse `last -F -w -i` (kind success: the reboot pseudo-user's lines are reboots) or `lastb` (kind
    failed); return rows and lines it could not read."""
    logins: list[LoginRow] = []
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
            LoginRow(
                kind="reboot" if kind == "success" and match["user"] == "reboot" else kind,
                user=match["user"],
                tty=match["tty"],
                source=_source(match["source"]),
                start=_date_iso(match["start"], "%a %b %d %H:%M:%S %Y"),
                end=end if end is not None else (end_text or match["status"]),
                duration=match["duration"],
            )
        )
    return logins, bad


def parse_who(data: bytes) -> tuple[list[LoginRow], list[str]]:
    """Parse `who --ips [FILE]` output; return current sessions and lines it could not read."""
    logins: list[LoginRow] = []
    bad: list[str] = []
    for line in decode(data).split("\n"):
        if not line.strip():
            continue
        match = _WHO_LINE.match(line)
        if match is None:
            bad.append(line[:200])
            continue
        logins.append(
            LoginRow(
                kind="current",
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
