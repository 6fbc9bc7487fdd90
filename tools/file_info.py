"""file_info: inode attributes of given paths (type, size, mode, owner, times, link target) via `stat`."""

from __future__ import annotations

import time

from pydantic import Field

from tools.base import Row, Tool, ToolContext, ToolResult
from tools.hoststate.common import (
    HostStateArgs,
    RowModel,
    run_command,
    stderr_lines,
    table_result,
)
from tools.hoststate.files import LINK_FORMAT, parse_links, parse_stat, stat_argv
from tools.hoststate.paths import AbsPath

COLUMNS = ("path", "type", "size", "mode", "user", "group", "mtime", "ctime", "inode", "target")
_TYPES = {
    "regular file": "file",
    "regular empty file": "file",
    "directory": "dir",
    "symbolic link": "symlink",
    "fifo": "fifo",
    "socket": "socket",
    "character special file": "char_device",
    "block special file": "block_device",
}


class FileInfoArgs(HostStateArgs):
    """Which paths to describe."""

    paths: list[AbsPath] = Field(min_length=1, max_length=200)
    """Absolute paths (not followed when they are symlinks)."""


class FileInfoRow(RowModel):
    """One path's inode."""

    path: str
    """The path as given."""
    type: str
    """file, dir, symlink, fifo, socket, char_device, block_device."""
    size: int
    """Size in bytes."""
    mode: str
    """Permission bits in octal, with setuid/setgid/sticky (e.g. 4755)."""
    uid: int
    """Owner user id."""
    user: str
    """Owner user name (UNKNOWN when the id has no name)."""
    gid: int
    """Owner group id."""
    group: str
    """Owner group name."""
    mtime: str | None
    """Content modification time, ISO 8601 UTC."""
    ctime: str | None
    """Inode change time, ISO 8601 UTC (touch cannot fake it)."""
    atime: str | None
    """Last access time, ISO 8601 UTC."""
    inode: int
    """Inode number."""
    links: int
    """Hard link count."""
    target: str | None
    """Symlink target, for symlinks."""


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
        out = run_command(ctx, stat_argv(list(args.paths)), ok_exit=frozenset({0, 1}))
        entries, bad = parse_stat(out.stdout)
        notes = stderr_lines(out.stderr) + [f"unparsed stat record: {r!r}" for r in bad[:10]]
        outputs = [out]
        links = [e.path for e in entries if e.type == "symbolic link"]
        targets: dict[str, str] = {}
        if links:
            find_links = ("find", *links, "-maxdepth", "0", "-type", "l", "-printf", LINK_FORMAT)
            link_out = run_command(ctx, find_links, ok_exit=frozenset({0, 1}))
            outputs.append(link_out)
            targets = parse_links(link_out.stdout)
        rows: list[Row] = [
            FileInfoRow(
                **{k: v for k, v in e.__dict__.items() if k != "type"},
                type=_TYPES.get(e.type, e.type),
                target=targets.get(e.path),
            ).model_dump()
            for e in entries
        ]
        return table_result(
            self.name, ctx, outputs, rows, COLUMNS, started=started, notes=notes
        )


TOOL = FileInfoTool()
