"""The case's incident window (`--since/--until`): parsed once when a case opens, inherited by the steps.

No window means the whole log: no playbook default hides old data. Durations (`12h`, `7d`) are resolved
to absolute times against the opening time, so a case resumed next week searches the same span.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict

from playbooks.errors import PlaybookError

WINDOW_ARGS: tuple[str, str] = ("since", "until")
"""The tool arguments a case window fills (a tool's args model declares them, e.g. search_logs)."""
FUTURE_SLACK = timedelta(minutes=5)
"""How far past now a bound may lie (clock skew between the responder and the host)."""
_MAX_TEXT = 64
# Anchored and bounded: linear on any input.
_DURATION = re.compile(r"([0-9]{1,6})([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class WindowError(PlaybookError):
    """A `--since`/`--until` value is malformed, reversed, or in the future."""


class CaseWindow(BaseModel):
    """The time span a case investigates; the steps whose tool takes `since`/`until` inherit it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    since: datetime | None = None
    """Earliest event time kept (UTC); None: from the start of the log."""
    until: datetime | None = None
    """Latest event time kept (UTC); None: up to the end of the log."""
    since_given: str | None = None
    """`--since` as the responder typed it (a duration is resolved into `since` at opening)."""
    until_given: str | None = None
    """`--until` as the responder typed it."""

    def tool_args(self, accepted: Collection[str]) -> dict[str, str]:
        """The bounds as ISO 8601 tool args, for those of `since`/`until` the tool accepts."""
        bounds = {"since": self.since, "until": self.until}
        return {k: v.isoformat() for k, v in bounds.items() if v is not None and k in accepted}

    def describe(self) -> str:
        """One line for the responder: `2026-11-20T00:00:00+00:00 .. end of log (--since 14d)`."""
        start = self.since.isoformat() if self.since else "start of log"
        end = self.until.isoformat() if self.until else "end of log"
        given = [f"--{k} {v}" for k, v in (("since", self.since_given), ("until", self.until_given)) if v]
        return f"{start} .. {end}" + (f" ({', '.join(given)})" if given else "")


def describe_window(window: CaseWindow | None) -> str:
    """What a case searches, said plainly; no window is the whole log."""
    return "whole log (no --since/--until)" if window is None else window.describe()


def parse_window(since: str | None, until: str | None, *, now: datetime) -> CaseWindow | None:
    """The window of `--since X --until Y` at `now`; None when neither is given. Raises WindowError."""
    now = now.astimezone(UTC).replace(microsecond=0)
    since = since.strip() if since and since.strip() else None
    until = until.strip() if until and until.strip() else None
    if since is None and until is None:
        return None
    start = _bound(since, now, "since", end_of_day=False) if since else None
    end = _bound(until, now, "until", end_of_day=True) if until else None
    if start is not None and end is not None and start > end:
        raise WindowError(
            f"--since {since} ({start.isoformat()}) is after --until {until} ({end.isoformat()})"
        )
    return CaseWindow(since=start, until=end, since_given=since, until_given=until)


def _bound(text: str, now: datetime, name: str, *, end_of_day: bool) -> datetime:
    """One bound: a duration back from `now`, or an ISO 8601 date or datetime (UTC when naive)."""
    if len(text) > _MAX_TEXT or not text.isprintable():
        raise WindowError(f"--{name} {text[:_MAX_TEXT]!r}: not a time (too long or not printable)")
    shown = text
    if (relative := _DURATION.fullmatch(text)) is not None:
        try:
            return now - timedelta(**{_UNITS[relative.group(2)]: int(relative.group(1))})
        except OverflowError:
            raise WindowError(f"--{name} {text}: reaches before year 1") from None
    try:
        if _DATE_ONLY.fullmatch(text):  # a day: from its first second (since) to its last (until)
            day = date.fromisoformat(text)
            stamp = datetime.combine(day, time.max if end_of_day else time.min).replace(microsecond=0)
        else:
            stamp = datetime.fromisoformat(text)
    except ValueError:
        raise WindowError(
            f"--{name} {shown}: expected an ISO 8601 date or datetime (2026-11-20, 2026-11-20T03:14:07Z; "
            "UTC when no offset) or a duration back from now (30m, 12h, 7d, 2w)"
        ) from None
    stamp = stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)
    today = _DATE_ONLY.fullmatch(text) is not None and stamp.date() == now.date()  # `--until <today>` is fine
    if stamp > now + FUTURE_SLACK and not today:
        raise WindowError(f"--{name} {shown} ({stamp.isoformat()}) is in the future (now {now.isoformat()})")
    return stamp


def inherit(args: Mapping[str, object], inherited: Mapping[str, object]) -> dict[str, object]:
    """`args` with every inherited value the args leave unset added; what the args set themselves wins."""
    return {**{k: v for k, v in inherited.items() if k not in args}, **args}
