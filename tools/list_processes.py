"""list_processes: every process with its resolved executable, and the red signs of a hidden miner."""

from __future__ import annotations

import time

from pydantic import Field

from tools.base import Row, Tool, ToolContext, ToolResult
from tools.hoststate.common import HostStateArgs, stderr_lines, table_result
from tools.hoststate.procs import ProcessRow, parse_comms, parse_exe_links, parse_ps, resolved

PS_ARGV: tuple[str, ...] = (
    "ps",
    "-ww",
    "-e",
    "-o",
    "pid=,ppid=,uid=,user:32=,lstart=,etimes=,pcpu=,pmem=,args=",
)
COMM_ARGV: tuple[str, ...] = ("ps", "-e", "-o", "pid=,comm=")
# One command resolves every /proc/PID/exe link; find only prints (no -exec), and unreadable
# links (kernel threads, other users' processes when not root) are simply absent.
EXE_ARGV: tuple[str, ...] = (
    "find",
    "/proc",
    "-mindepth",
    "2",
    "-maxdepth",
    "2",
    "-name",
    "exe",
    "-printf",
    "%h\\t%l\\0",
)
COLUMNS = ("pid", "ppid", "user", "start", "elapsed_s", "cpu", "mem", "comm", "exe", "cmdline", "flags")


class ListProcessesArgs(HostStateArgs):
    """Filters for list_processes (all optional)."""

    user: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    """Only processes of this user name."""
    name: str | None = Field(default=None, min_length=1, max_length=128)
    """Only processes whose comm, exe or command line contains this substring (case-insensitive)."""
    only_flagged: bool = False
    """Only processes with at least one red-sign flag."""
    max_rows: int = Field(default=2000, ge=1, le=20000)
    """At most this many rows (the result says when it was cut)."""


class ListProcessesTool(Tool[ListProcessesArgs]):
    """Lists processes with `ps` and resolves their executables from /proc."""

    name = "list_processes"
    description = (
        "List running processes (pid, parent, user, start, CPU, memory, command line) with each "
        "resolved executable path, flagging deleted executables, executables in /tmp or hidden "
        "directories, fake kernel threads and argv[0]/executable name mismatches."
    )
    args_model = ListProcessesArgs
    row_model = ProcessRow

    def run(self, args: ListProcessesArgs, ctx: ToolContext) -> ToolResult:
        """Run ps twice and one find over /proc, join by pid, flag and filter."""
        started = time.monotonic()
        ps_out = ctx.run(PS_ARGV)
        comm_out = ctx.run(COMM_ARGV)
        # find exits 1 when some /proc entries vanish or are unreadable: expected, not a failure.
        exe_out = ctx.run(EXE_ARGV, ok_exit=frozenset({0, 1}))
        entries, bad = parse_ps(ps_out.stdout)
        comms = parse_comms(comm_out.stdout)
        exes = parse_exe_links(exe_out.stdout)
        notes = [f"unparsed ps line: {line!r}" for line in bad[:10]]
        if not exes:
            notes.append("no executable links were readable (not root?): exe-based flags are missing")
        rows: list[Row] = []
        needle = args.name.lower() if args.name else None
        for entry in entries:
            row = resolved(entry, comms.get(entry.pid, ""), exes.get(entry.pid, ""))
            if args.user is not None and row.user != args.user:
                continue
            if needle is not None and not any(needle in s.lower() for s in (row.comm, row.exe, row.cmdline)):
                continue
            if args.only_flagged and not row.flags:
                continue
            rows.append(row.model_dump())
        cut = len(rows) > args.max_rows
        rows = rows[: args.max_rows]
        if exe_out.exit_status != 0 and not exes:
            notes.extend(stderr_lines(exe_out.stderr, limit=3))
        return table_result(
            self.name,
            ctx,
            [ps_out, comm_out, exe_out],
            rows,
            COLUMNS,
            started=started,
            truncated=cut,
            notes=notes,
        )


TOOL = ListProcessesTool()
