"""file_info: inode attributes of given paths (type, size, mode, owner, times, link target) via `stat`."""

from __future__ import annotations

import time

from pydantic import Field

from tools.base import Row, Tool, ToolContext, ToolResult
from tools.hoststate.common import HostStateArgs, stderr_lines, table_result
from tools.hoststate.files import LINK_FORMAT, STAT_FORMAT, FileInfoRow, parse_links, parse_stat
from tools.hoststate.paths import AbsPath

COLUMNS = ("path", "type", "size", "mode", "user", "group", "mtime", "ctime", "inode", "target")


def stat_argv(paths: list[str]) -> tuple[str, ...]:
    """The stat argv for these absolute paths (fixed format, operands after `--`)."""
    return ("stat", f"--printf={STAT_FORMAT}", "--", *paths)


def links_argv(links: list[str]) -> tuple[str, ...]:
    """The find that prints where each of these symlinks points (the paths themselves, no descent)."""
    return ("find", *links, "-maxdepth", "0", "-type", "l", "-printf", LINK_FORMAT)


class FileInfoArgs(HostStateArgs):
    """Which paths to describe."""

    paths: list[AbsPath] = Field(min_length=1, max_length=200)
    """Absolute paths (not followed when they are symlinks)."""


class FileInfoTool(Tool[FileInfoArgs]):
    """Describes paths with one `stat`, plus one `find -printf %l` for symlink targets."""

    name = "file_info"
    description = (
        "Show type, size, permissions, owner, modification/change/access times, inode and symlink "
        "target of up to 200 absolute paths, without following symlinks."
    )
    args_model = FileInfoArgs
    row_model = FileInfoRow

    def run(self, args: FileInfoArgs, ctx: ToolContext) -> ToolResult:
        """Stat the paths; resolve symlink targets; missing paths become notes."""
        started = time.monotonic()
        # stat exits 1 when some path is missing; the others are still printed.
        out = ctx.run(stat_argv(list(args.paths)), ok_exit=frozenset({0, 1}))
        entries, bad = parse_stat(out.stdout)
        notes = stderr_lines(out.stderr) + [f"unparsed stat record: {r!r}" for r in bad[:10]]
        outputs = [out]
        links = [e.path for e in entries if e.type == "symlink"]
        targets: dict[str, str] = {}
        if links:
            link_out = ctx.run(links_argv(links), ok_exit=frozenset({0, 1}))
            outputs.append(link_out)
            targets = parse_links(link_out.stdout)
        rows: list[Row] = [
            e.model_copy(update={"target": targets.get(e.path)}).model_dump() for e in entries
        ]
        return table_result(
            self.name, ctx, outputs, rows, COLUMNS, started=started, notes=notes
        )


TOOL = FileInfoTool()
