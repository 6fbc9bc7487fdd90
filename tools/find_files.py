"""find_files: a bounded `find` under absolute roots: recent changes, world-writable files, hidden entries."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import Field, field_validator

from tools.base import Row, Tool, ToolContext, ToolResult
from tools.coverage import Coverage, SourceCoverage, coverage_of
from tools.hoststate.common import HostStateArgs, stderr_lines, table_result
from tools.hoststate.files import FIND_FORMAT, FoundFileRow, parse_find
from tools.hoststate.paths import AbsPath

COLUMNS = ("path", "type", "size", "mtime", "mode", "user")
MAX_WITHIN = timedelta(days=3650)


class FindFilesArgs(HostStateArgs):
    """What to look for, and where."""

    roots: list[AbsPath] = Field(min_length=1, max_length=20)
    """Absolute directories to search (each stays on its own filesystem: -xdev)."""
    name: str | None = Field(default=None, min_length=1, max_length=255, pattern=r"^[^/\x00\n]+$")
    """Shell glob on the file name (find -name), e.g. `*.php`."""
    type: Literal["file", "dir", "symlink", "any"] = "file"
    """Entry type to match."""
    modified_within: timedelta | None = None
    """Only entries modified within this long before now (ISO 8601 duration like PT24H, or seconds)."""
    world_writable: bool = False
    """Only entries anyone may write (-perm -o+w)."""
    hidden_only: bool = False
    """Only entries whose name starts with a dot."""
    larger_than_bytes: int | None = Field(default=None, ge=0, le=2**50)
    """Only files larger than this many bytes."""
    max_depth: int = Field(default=6, ge=0, le=40)
    """How many directory levels below each root to descend."""
    max_results: int = Field(default=1000, ge=1, le=20000)
    """At most this many rows (the result says when it was cut)."""

    @field_validator("modified_within")
    @classmethod
    def _bounded_duration(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and not timedelta(0) < value <= MAX_WITHIN:
            raise ValueError(f"modified_within must be positive and at most {MAX_WITHIN.days} days")
        return value


def find_argv(args: FindFilesArgs) -> tuple[str, ...]:
    """The find argv for these args: starting paths first, then bounded, print-only primaries."""
    argv: list[str] = ["find", *args.roots, "-xdev", "-maxdepth", str(args.max_depth)]
    if args.type != "any":
        argv += ["-type", args.type[0]]
    if args.name is not None:
        argv += ["-name", args.name]
    if args.hidden_only:
        argv += ["-name", ".*"]
    if args.modified_within is not None:
        argv += ["-mmin", f"-{max(1, math.ceil(args.modified_within.total_seconds() / 60))}"]
    if args.world_writable:
        argv += ["-perm", "-o+w"]
    if args.larger_than_bytes is not None:
        argv += ["-size", f"+{args.larger_than_bytes}c"]
    argv += ["-printf", FIND_FORMAT]
    return tuple(argv)


class FindFilesTool(Tool[FindFilesArgs]):
    """Runs one bounded find; never -exec, never -delete."""

    name = "find_files"
    description = (
        "Find files under absolute roots with a bounded depth and result count: by name glob, type, "
        "modified within a duration, world-writable, hidden (dot) names or size; returns path, type, "
        "size, mtime, mode and owner."
    )
    args_model = FindFilesArgs
    row_model = FoundFileRow

    def run(self, args: FindFilesArgs, ctx: ToolContext) -> ToolResult:
        """Run find; unreadable directories become notes, missing roots gaps in the coverage."""
        started = time.monotonic()
        out = ctx.run(find_argv(args), ok_exit=frozenset({0, 1}))
        # A cut output can end inside a record: keep only whole (NUL-terminated) records.
        data = out.stdout[: out.stdout.rfind(b"\0") + 1] if out.truncated else out.stdout
        found, bad = parse_find(data)
        notes = stderr_lines(out.stderr) + [f"unparsed find record: {r!r}" for r in bad[:10]]
        rows: list[Row] = [f.model_dump() for f in found[: args.max_results]]
        truncated = len(found) > args.max_results or out.truncated
        return table_result(
            self.name,
            ctx,
            [out],
            rows,
            COLUMNS,
            started=started,
            truncated=truncated,
            notes=notes,
            coverage=roots_coverage(args, out.stderr, truncated=truncated),
        )


def roots_coverage(args: FindFilesArgs, stderr: bytes, *, truncated: bool) -> Coverage:
    """Which roots were searched: a root find could not enter is not examined (a web root that lives elsewhere
    must not rule out a web shell); `modified_within` is the window of the search."""
    errors = stderr_lines(stderr, limit=200)
    sources = []
    for root in args.roots:
        why = next((e.rsplit(": ", 1)[-1] for e in errors if e.startswith(f"find: '{root}': ")), None)
        sources.append(SourceCoverage(path=root, found=why is None, note=why))
    coverage = coverage_of(truncated=truncated, sources=tuple(sources))
    if args.modified_within is None:
        return coverage
    since = datetime.now(UTC) - args.modified_within
    return coverage.model_copy(update={"window_since": since.isoformat(timespec="seconds")})


TOOL = FindFilesTool()
