"""What a tool run examined: sources found or missing, lines read, the time span seen, the window's effect.

Evidence of absence is data: a search that matched nothing says over which files, lines and times it
looked, so a report can tell "looked and found nothing" from "did not look".
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

CoverageStatus = Literal["examined", "partial", "not_examined"]
"""examined: every source asked for was read (within the window); partial: some were missing, cut short or
unreadable in time; not_examined: nothing that could decide the question was read."""


class SourceCoverage(BaseModel):
    """One source a tool read (a log file or rotation, the journal, a directory root)."""

    model_config = ConfigDict(frozen=True)

    path: str
    """The file (or `journald`, or a search root)."""
    found: bool
    """False when the source does not exist or could not be read on the target."""
    lines: int | None = None
    """Lines in the source (decompressed), None when not counted."""
    bytes: int | None = None
    """Size in bytes on the target, None when unknown."""
    first_ts: str | None = None
    """Timestamp of the source's first dated line (ISO 8601), None when none could be read."""
    last_ts: str | None = None
    """Timestamp of the source's last dated line (ISO 8601), None when none could be read."""
    mtime: str | None = None
    """Modification time on the target (ISO 8601): the year of year-less syslog times is inferred from it."""
    year_inferred: bool = False
    """True when this source's times carry no year and the year was inferred from `mtime`."""
    note: str | None = None
    """Why the source was not found or not read, when it was not."""


class Coverage(BaseModel):
    """What one tool run examined, and whether that is enough to conclude anything from its silence."""

    model_config = ConfigDict(frozen=True)

    status: CoverageStatus
    """examined, partial or not_examined."""
    reasons: tuple[str, ...] = ()
    """Why the run is partial or not examined (log missing, the window excluded all N lines of A..B)."""
    sources: tuple[SourceCoverage, ...] = ()
    """Every source asked for, found or not (rotations included)."""
    lines_read: int | None = None
    """Lines in the sources that were found (the haystack), None when not counted."""
    first_ts: str | None = None
    """Earliest dated line over all found sources."""
    last_ts: str | None = None
    """Latest dated line over all found sources."""
    window_since: str | None = None
    """Start of the time window applied (ISO 8601), None for no lower bound."""
    window_until: str | None = None
    """End of the time window applied (ISO 8601), None for no upper bound."""
    matched: int | None = None
    """Lines the pattern matched (before the window)."""
    kept: int | None = None
    """Matched lines kept: inside the window, or undated (kept, counted in `untimed`)."""
    outside_window: int = 0
    """Matched lines dropped because their time is outside the window."""
    untimed: int = 0
    """Matched lines whose time could not be read: kept (never silently dropped) and counted here."""
    year_inferred: bool = False
    """True when any kept line's year was inferred (year-less syslog times)."""
    truncated: bool = False
    """True when an output cap or match limit cut the result (more may exist)."""


def coverage_of(
    *, truncated: bool, reasons: tuple[str, ...] = (), sources: tuple[SourceCoverage, ...] = ()
) -> Coverage:
    """The coverage of a tool that reads a fixed thing (a process table, a directory): examined, or partial
    when the output was cut or a source was missing."""
    missing = tuple(
        f"{s.path} not found" + (f" ({s.note})" if s.note else "") for s in sources if not s.found
    )
    if sources and len(missing) == len(sources):
        return Coverage(
            status="not_examined", reasons=(*missing, *reasons), sources=sources, truncated=truncated
        )
    cut = ("the output was cut by a cap: more may exist",) if truncated else ()
    status: CoverageStatus = "partial" if missing or truncated or reasons else "examined"
    return Coverage(status=status, reasons=(*missing, *cut, *reasons), sources=sources, truncated=truncated)
