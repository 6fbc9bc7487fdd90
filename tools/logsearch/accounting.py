"""A search's coverage: which files (or the journal) it read, their span, and what the window did.

The reasons are shown to responders as they are: concrete, with counts and ISO 8601 times. A window
that cuts the log's span is the question asked, not a gap: it adds a reason line, not `partial`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tools.coverage import Coverage, CoverageStatus, SourceCoverage
from tools.logsearch.linetime import line_time
from tools.logsearch.sources import LogFile
from tools.logsearch.timestamps import iso
from tools.logsearch.window import Tally, Window

Clock = Callable[[str, bytes, datetime], tuple[datetime | None, bool]]
"""A line's time (and whether its year was inferred) in its file's format: path, line, reference."""


def plain_clock(path: str, line: bytes, reference: datetime) -> tuple[datetime | None, bool]:
    """The time at a line's start (ISO, syslog, access- or error-log), whatever the file's format."""
    return line_time(line, reference)


def _source(
    f: LogFile, now: datetime, clock: Clock
) -> tuple[SourceCoverage, datetime | None, datetime | None]:
    reference = f.mtime or now
    first, first_inferred = clock(f.path, f.first_line, reference) if f.first_line else (None, False)
    last, last_inferred = clock(f.path, f.last_line, reference) if f.last_line else (None, False)
    note = "; ".join(f.notes) if f.found else "; ".join(["log missing", *f.notes])
    source = SourceCoverage(
        path=f.path,
        found=f.found,
        lines=f.lines,
        bytes=f.size,
        first_ts=iso(first),
        last_ts=iso(last),
        mtime=iso(f.mtime),
        year_inferred=(first is not None and first_inferred) or (last is not None and last_inferred),
        note=note or None,
    )
    return source, first, last


def _missing(files: list[LogFile], include_rotated: bool, alternatives: frozenset[str]) -> list[str]:
    reasons: list[str] = []
    # A profile names several places a log kind may be (nginx's or Apache's access log): one found is enough.
    spare = bool(alternatives) and any(f.found and f.family in alternatives for f in files)
    for f in files:
        if f.found or f.family != f.path or (spare and f.path in alternatives):
            continue
        rotations = [r for r in files if r.family == f.path and r.path != f.path and r.found]
        if f.notes:
            why = "; ".join(f.notes)
        elif rotations:
            why = f"its {len(rotations)} rotation(s) were read"
        else:
            why = "and no rotation" if include_rotated else "rotations not searched"
        reasons.append(f"log missing: {f.path} ({why})")
    return reasons


def file_coverage(
    files: list[LogFile],
    tally: Tally,
    window: Window,
    *,
    truncated: bool,
    limit: int,
    include_rotated: bool,
    now: datetime,
    alternatives: frozenset[str] = frozenset(),
    clock: Clock = plain_clock,
) -> Coverage:
    """The coverage of a search over files: examined, partial or not_examined, with the reasons."""
    described = [_source(f, now, clock) for f in files]
    sources = tuple(s for s, _, _ in described)
    firsts = [first for _, first, _ in described if first is not None]
    lasts = [last for _, _, last in described if last is not None]
    firsts += [tally.earliest] if tally.earliest is not None else []
    lasts += [tally.latest] if tally.latest is not None else []
    found = [f for f in files if f.found]
    counted = [f.lines for f in found if f.lines is not None]
    lines_read = sum(counted) if counted else None
    first, last = (min(firsts) if firsts else None), (max(lasts) if lasts else None)
    span = f"{iso(first) or '?'}..{iso(last) or '?'}"
    reasons = _missing(files, include_rotated, alternatives)
    status: CoverageStatus = "partial" if reasons else "examined"
    excluded = (
        window.set
        and not tally.in_window
        and (
            (window.since is not None and last is not None and window.since > last)
            or (window.until is not None and first is not None and window.until < first)
        )
    )
    if not found:
        status = "not_examined"
    elif lines_read == 0 and len(counted) == len(found):
        status = "not_examined"
        reasons.append("the log is empty: " + ", ".join(f"{f.path} (0 lines)" for f in found))
    elif excluded:
        status = "not_examined"
        lines = "all lines" if lines_read is None else f"all {lines_read} lines"
        reasons.append(f"the window {window.text()} excludes {lines}, which span {span}")
    elif window.set and (first or last):
        starts_late = window.since is not None and first is not None and window.since > first
        ends_early = window.until is not None and last is not None and window.until < last
        if starts_late or ends_early:
            low = max(d for d in (window.since, first) if d is not None)
            highs = [d for d in (window.until, last) if d is not None]
            high = min(highs) if highs else None
            reasons.append(
                f"the window {window.text()} covers {iso(low)}..{iso(high) or '?'} of the log's span {span}"
            )
    if truncated:
        if status == "examined":
            status = "partial"
        reasons.append(f"truncated: the result stopped at max_matches={limit} or an output cap; more exist")
    if window.set and tally.untimed:
        if status == "examined":
            status = "partial"
        reasons.append(
            f"the window was set but {tally.untimed} matched line(s) had no readable time: kept, not windowed"
        )
    return Coverage(
        status=status,
        reasons=tuple(reasons),
        sources=sources,
        lines_read=lines_read,
        first_ts=iso(first),
        last_ts=iso(last),
        window_since=iso(window.since),
        window_until=iso(window.until),
        matched=tally.matched,
        kept=tally.kept,
        outside_window=tally.outside_window,
        untimed=tally.untimed,
        year_inferred=tally.year_inferred,
        truncated=truncated,
    )


def journal_coverage(
    newest: datetime | None,
    tally: Tally,
    window: Window,
    *,
    truncated: bool,
    limit: int,
    scope: str,
) -> Coverage:
    """The coverage of a journal search: its newest entry is known, its oldest is not read."""
    source = SourceCoverage(
        path="journald", found=True, last_ts=iso(newest), note="the oldest entry's time is not read"
    )
    reasons: list[str] = []
    status: CoverageStatus = "examined"
    if newest is None:
        status = "not_examined"
        reasons.append(f"the journal holds no entries{scope}")
    elif window.since is not None and window.since > newest:
        status = "not_examined"
        reasons.append(
            f"the window {window.text()} excludes every journal entry{scope}: the newest is {iso(newest)}"
        )
    if truncated:
        status = "partial" if status == "examined" else status
        reasons.append(f"truncated: only the newest {limit} matching entries were kept; more exist")
    return Coverage(
        status=status,
        reasons=tuple(reasons),
        sources=(source,),
        last_ts=iso(newest),
        window_since=iso(window.since),
        window_until=iso(window.until),
        matched=tally.matched,
        kept=tally.kept,
        outside_window=tally.outside_window,
        untimed=tally.untimed,
        truncated=truncated,
    )
