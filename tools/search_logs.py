"""search_logs: a pattern search pushed down to the host (rg, grep, zgrep, journalctl); only matches move."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tools.base import Row, Tool, ToolArgs, ToolContext, ToolResult, make_result
from tools.errors import InvalidToolArgsError
from tools.logsearch.accounting import Clock, file_coverage, journal_coverage
from tools.logsearch.dialect import compile_pattern
from tools.logsearch.fields import (
    KIND_FORMATS,
    FormatChoice,
    LineReader,
    Probe,
    format_columns,
    format_mismatch,
)
from tools.logsearch.linetime import line_time
from tools.logsearch.render import render_counts, render_coverage, render_matches
from tools.logsearch.runner import Outcome, SearchPlan, run_files, run_journal
from tools.logsearch.timestamps import parse_bound
from tools.logsearch.window import Tally, Window, window_rows
from tools.secret_paths import refuse_secret
from tools.secrets.guard import refuse_content, refuse_located

# journald keeps auth events under the auth (4) and authpriv (10) syslog facilities.
_JOURNAL_FACILITIES: dict[str, tuple[int, ...]] = {"auth": (4, 10)}


class SearchLogsArgs(ToolArgs):
    """What to search, for which pattern, in which time window."""

    paths: tuple[str, ...] = ()
    """Absolute paths of log files to search (plain or .gz)."""
    log: str | None = None
    """A log kind resolved through the host profile (auth, syslog, web_access); on journald: journalctl."""
    pattern: str = Field(min_length=1, max_length=2000)
    """The pattern: RE2 syntax over bytes (no backreferences or lookaround; ASCII \\d \\w \\s and case
    folding). Named groups `(?P<user>...)` become row columns."""
    ignore_case: bool = False
    """ASCII case-insensitive matching."""
    fixed_string: bool = False
    """Treat the pattern as a literal string."""
    max_matches: int = Field(default=10000, ge=1, le=100000)
    """At most this many matches in all (and per file); `truncated` says when there were more."""
    include_rotated: bool = True
    """Also search the rotations next to each file (auth.log.1, auth.log.2.gz, secure-20261126)."""
    since: str | None = None
    """Keep lines at or after this time: ISO 8601 (UTC when naive) or a duration back from now (2h, 7d)."""
    until: str | None = None
    """Keep lines at or before this time (same forms as since)."""
    count_only: bool = False
    """Rows are per-file match counts instead of lines."""
    engine: Literal["auto", "rg", "grep"] = "auto"
    """Which engine the host runs: auto = ripgrep when the host has it, else grep -E / zgrep."""
    unit: str | None = Field(default=None, max_length=200, pattern=r"^[A-Za-z0-9@._:\-]+$")
    """journald only: restrict to one systemd unit (journalctl -u)."""
    format: FormatChoice = "auto"
    """How matched lines are read: auth (syslog + OpenSSH/PAM/sudo/su events), syslog, access (Apache/nginx
    combined or common), error (Apache/nginx error log), jsonl (one JSON object a line); their fields become
    columns (an access log's URL path is `url_path`; the file stays `path`). auto: the log kind's format
    (log=auth is auth, web_access is access), else detected per file; none: only the pattern's groups."""
    time_field: str | None = Field(default=None, max_length=100, pattern=r"^[A-Za-z0-9@_.\-]+$")
    """jsonl: the key holding each record's time (default: timestamp, @timestamp, time, ts, eventTime...)."""

    @field_validator("paths", mode="before")
    @classmethod
    def _one_path(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    @field_validator("paths")
    @classmethod
    def _absolute(cls, paths: tuple[str, ...]) -> tuple[str, ...]:
        for path in paths:
            if not path.startswith("/") or "\n" in path or "\0" in path:
                raise ValueError(f"{path!r} is not an absolute path (or holds a newline/NUL)")
            refuse_secret(path)
        return paths

    @model_validator(mode="after")
    def _something_to_search(self) -> SearchLogsArgs:
        if not self.paths and not self.log:
            raise ValueError("give paths, a log kind (log=auth), or both")
        return self


class LogMatchRow(BaseModel):
    """One matched line (or, with count_only, one file's count: path and count only)."""

    model_config = ConfigDict(extra="allow")

    path: str
    """The file the line is in (`journald` for journal entries)."""
    line_no: int | None = None
    """1-based line number in the (decompressed) file; None for journal entries."""
    timestamp: str | None = None
    """The line's own timestamp as ISO 8601 (times without an offset read as UTC); None if none was found
    (such lines are kept even under a time window, and counted in the coverage's `untimed`)."""
    year_inferred: bool = False
    """True (the column is present only then) when the line's time has no year (classic syslog) and the
    year was inferred from the file's mtime: the latest year that does not put the line after it."""
    line: str | None = None
    """The line, decoded as UTF-8 with replacement characters (the raw bytes are the evidence)."""
    count: int | None = None
    """count_only: matching lines in this file."""


class SearchLogsTool(Tool[SearchLogsArgs]):
    """Searches logs on the target with a validated, engine-neutral pattern; extraction runs in re2 after."""

    name = "search_logs"
    description = (
        "Search log files (and their rotations, .gz included) or the journal on the target for a "
        "pattern, optionally within a time window; rows are matched lines with their timestamp, the "
        "fields of their log format (auth: event, user, src, port, command...; access: client, method, "
        "path, query, status, user_agent, command...) and the pattern's named groups as columns, or "
        "per-file counts."
    )
    args_model = SearchLogsArgs
    row_model = LogMatchRow

    def arg_columns(self, args: Mapping[str, object]) -> frozenset[str] | None:
        """The fields of the search's log format (`format`, or the log kind's with `auto`)."""
        return format_columns(args.get("format", "auto"), args.get("log"), args.get("paths"))

    def run(self, args: SearchLogsArgs, ctx: ToolContext) -> ToolResult:
        """Validate the pattern, push the search down, window, extract and render the matches, and record
        the coverage (files found or missing, lines, span, what the window kept)."""
        started = time.monotonic()
        pattern = compile_pattern(args.pattern, ignore_case=args.ignore_case, fixed=args.fixed_string)
        now = datetime.now(UTC)
        since = parse_bound(args.since, now, "since") if args.since else None
        until = parse_bound(args.until, now, "until") if args.until else None
        if since and until and since > until:
            raise InvalidToolArgsError(f"since ({since.isoformat()}) is after until ({until.isoformat()})")
        windowed = since is not None or until is not None
        paths = list(args.paths)
        journal = False
        kind_paths = ctx.profile.logs(args.log) if args.log else ()
        if args.log:
            paths += [p for p in kind_paths if p not in paths]
            journal = ctx.profile.uses_journald and not ctx.profile.logs(args.log)
        if journal and args.paths:
            raise InvalidToolArgsError("this host logs to journald: search log=... or paths=..., not both")
        if not paths and not journal:
            raise InvalidToolArgsError(f"the host profile {ctx.profile.name!r} has no {args.log!r} log")
        plan = SearchPlan(
            pattern=pattern,
            max_matches=args.max_matches,
            # journalctl has no count mode: its matches are counted here (before, count_only gave no rows)
            count=args.count_only and not windowed and not journal,
            include_rotated=args.include_rotated,
            engine=args.engine,
        )
        window = Window(since, until)
        reader = _reader(args)  # one reader: rows, probes and the format check agree on each file's format
        if journal:
            facilities = _JOURNAL_FACILITIES.get(args.log or "", ())
            outcome = run_journal(plan, ctx, since=since, until=until, unit=args.unit, facilities=facilities)
        else:
            refuse_located(ctx, paths)
            outcome = run_files(plan, paths, ctx)
            _refuse_secrets(outcome, ctx)
        notes = list(outcome.notes)
        if plan.count:
            rows: list[Row] = [{"path": p, "count": n} for p, n in outcome.counts.items()]
            text = render_counts(outcome.counts, outcome.truncated)
            truncated = outcome.truncated
            total = sum(outcome.counts.values())
            tally = Tally(matched=total, kept=total)
        else:
            references = {f.path: f.mtime for f in outcome.files if f.mtime is not None}
            rows, tally = window_rows(
                outcome.matches, pattern, args.max_matches, window, references, now, reader
            )
            truncated = outcome.truncated or tally.cut
            if args.count_only:
                rows = _count_rows(rows, outcome.searched)
                text = render_counts({str(r["path"]): int(r["count"] or 0) for r in rows}, truncated)
            else:
                text = render_matches(rows, truncated)
            if windowed:
                notes.append(
                    "the time window was applied; lines without a readable time were kept and counted"
                )
        truncated = truncated or any(o.truncated for o in outcome.outputs)  # a capped probe, too
        if journal:
            scope = f" for unit {args.unit}" if args.unit else (f" for log={args.log}" if args.log else "")
            coverage = journal_coverage(
                outcome.journal_last, tally, window, truncated=truncated, limit=args.max_matches, scope=scope
            )
        else:
            coverage = file_coverage(
                outcome.files,
                tally,
                window,
                truncated=truncated,
                limit=args.max_matches,
                include_rotated=args.include_rotated,
                now=now,
                alternatives=frozenset(p for p in kind_paths if p not in args.paths),
                clock=_clock(reader),
            )
            probes = [
                Probe(f.path, tuple(ln for ln in (f.first_line, f.last_line) if ln))
                for f in outcome.files
                if f.found
            ]
            parsed = frozenset(str(r["path"]) for r in rows if "format" in r)
            coverage = format_mismatch(reader, probes, coverage, now, parsed)
        return make_result(
            self.name,
            outcome.outputs,
            rows,
            f"{text}\n{render_coverage(coverage)}",
            host=ctx.transport.host,
            duration_s=time.monotonic() - started,
            truncated=truncated,
            notes=notes,
            coverage=coverage,
        )


def _refuse_secrets(outcome: Outcome, ctx: ToolContext) -> None:
    """After the search, before anything is kept: every file searched (rotations too, and a path swapped
    since the first check) resolves to no secret, and no probed or matched line is secret content."""
    refuse_located(ctx, [f.path for f in outcome.files if f.found])
    for f in outcome.files:
        refuse_content(f.path, (ln for ln in (f.first_line, f.last_line) if ln))
    for match in outcome.matches:
        refuse_content(match.path, (match.line,))


def _clock(reader: LineReader) -> Clock:
    """Probed lines' times read in the search's format (a JSON line's time field), else at the line start."""

    def clock(path: str, line: bytes, reference: datetime) -> tuple[datetime | None, bool]:
        parsed = reader.read(path, line, reference)
        if parsed is not None and parsed.time is not None:
            return parsed.time, parsed.year_inferred
        return line_time(line, reference)

    return clock


def _reader(args: SearchLogsArgs) -> LineReader:
    """How matched lines are read: the format asked for, or with auto the log kind's (files named by
    `paths` are detected one by one)."""
    return LineReader(
        args.format, KIND_FORMATS.get(args.log or "") if not args.paths else None, args.time_field
    )


def _count_rows(rows: list[Row], searched: list[str]) -> list[Row]:
    counts = dict.fromkeys(searched, 0)
    for row in rows:
        counts[str(row["path"])] = counts.get(str(row["path"]), 0) + 1
    return [{"path": p, "count": n} for p, n in counts.items()]


TOOL = SearchLogsTool()
