"""Matched lines to rows: each line's time (year-less syslog times from its file's mtime), the window
applied, and every line accounted for: kept, outside the window, or kept without a readable time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tools.base import Row
from tools.logsearch.dialect import CompiledPattern
from tools.logsearch.engines import Match
from tools.logsearch.fields import LineReader, parsed_columns
from tools.logsearch.linetime import line_time
from tools.logsearch.timestamps import iso


@dataclass(frozen=True)
class Window:
    """The time window asked for (either bound may be open)."""

    since: datetime | None
    until: datetime | None

    @property
    def set(self) -> bool:
        """True when either bound is given."""
        return self.since is not None or self.until is not None

    def holds(self, stamp: datetime) -> bool:
        """Whether a time is inside the window (bounds included)."""
        return (self.since is None or stamp >= self.since) and (self.until is None or stamp <= self.until)

    def text(self) -> str:
        """`SINCE..UNTIL` in ISO 8601, `the start` / `now` for an open bound."""
        return f"{iso(self.since) or 'the start'}..{iso(self.until) or 'now'}"


@dataclass
class Tally:
    """How the window treated the matched lines."""

    matched: int = 0
    kept: int = 0
    outside_window: int = 0
    untimed: int = 0
    year_inferred: bool = False
    cut: bool = False
    in_window: int = 0
    earliest: datetime | None = None
    latest: datetime | None = None

    def saw(self, stamp: datetime) -> None:
        """Widen the span of matched times (the first/last lines bound it only in an ordered log)."""
        self.earliest = stamp if self.earliest is None else min(self.earliest, stamp)
        self.latest = stamp if self.latest is None else max(self.latest, stamp)


def window_rows(
    matches: list[Match],
    pattern: CompiledPattern,
    limit: int,
    window: Window,
    references: dict[str, datetime],
    now: datetime,
    reader: LineReader | None = None,
) -> tuple[list[Row], Tally]:
    """Rows for the matches inside the window (undated ones kept), at most `limit`, and the tally.

    `references` maps a file to its mtime: a year-less syslog time takes the latest year that does not
    put the line after it (plus a day); without one (the journal), `now` is the reference. With a
    `reader`, a line in its format takes its time from the parsed line (a JSON line's time field) and its
    fields become columns; the pattern's named groups fill only the columns no field set.
    """
    rows: list[Row] = []
    tally = Tally(matched=len(matches))
    for match in matches:
        reference = references.get(match.path, now)
        parsed = reader.read(match.path, match.line, reference) if reader is not None else None
        stamp: datetime | None
        if parsed is not None and parsed.time is not None:
            stamp, inferred = parsed.time, parsed.year_inferred
        else:
            stamp, inferred = line_time(match.line, reference)
        if stamp is None:
            tally.untimed += 1
        else:
            tally.saw(stamp)
            if window.set and not window.holds(stamp):
                tally.outside_window += 1
                continue
            tally.in_window += 1
        if len(rows) >= limit:
            tally.cut = True
            continue  # keep counting: the tally covers every line the engine returned
        row: Row = {
            "path": match.path,
            "line_no": match.line_no,
            "timestamp": iso(stamp),
            "line": match.line.decode("utf-8", "replace"),
        }
        if inferred and stamp is not None:
            row["year_inferred"] = True
            tally.year_inferred = True
        groups = pattern.extract(match.line)
        if parsed is not None:
            row.update(parsed_columns(parsed))
            row["format"] = parsed.format
            groups = {k: v for k, v in groups.items() if k not in row}
        row.update(groups)
        rows.append(row)
    tally.kept = len(rows)
    return rows, tally
