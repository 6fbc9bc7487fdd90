"""list_processes: every process with its resolved executable, and the red signs of a hidden miner."""

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
from tools.hoststate.procs import parse_comms, parse_exe_links, parse_ps, process_flags

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


class ProcessRow(RowModel):
    """One process."""

    pid: int
    """Process id."""
    ppid: int
    """Parent process id."""
    uid: int
    """Real user id."""
    user: str
    """User name (or the numeric id when the name is too long)."""
    start: str | None
    """Start time, ISO 8601 in the target's local time (no zone)."""
    elapsed_s: int
    """Seconds since the process started."""
    cpu: float
    """CPU use, percent (ps pcpu)."""
    mem: float
    """Resident memory, percent of RAM (ps pmem)."""
    comm: str
    """Kernel command name (at most 15 bytes; attacker-controlled text)."""
    exe: str
    """Resolved /proc/PID/exe target; may end in " (deleted)"; empty for kernel threads or when unreadable."""
    cmdline: str
    """Full command line; argv[0] is attacker-controlled text, not evidence of what runs."""
    flags: str
    """Comma-separated red signs: exe_deleted, exe_memfd, exe_in_tmp, exe_hidden_dir,
    fake_kernel_thread, name_mismatch."""


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
        ps_out = run_command(ctx, PS_ARGV)
        comm_out = run_command(ctx, COMM_ARGV)
        # find exits 1 when some /proc entries vanish or are unreadable: expected, not a failure.
        exe_out = run_command(ctx, EXE_ARGV, ok_exit=frozenset({0, 1}))
        entries, bad = parse_ps(ps_out.stdout)
        comms = parse_comms(comm_out.stdout)
        exes = parse_exe_links(exe_out.stdout)
        notes = [f"unparsed ps line: {line!r}" for line in bad[:10]]
        if not exes:
            notes.append("no executable links were readable (not root?): exe-based flags are missing")
        rows: list[Row] = []
        needle = args.name.lower() if args.name else None
        for entry in entries:
            comm = comms.get(entry.pid, "")
            exe = exes.get(entry.pid, "")
            flags = process_flags(entry, comm, exe)
            if args.user is not None and entry.user != args.user:
                continue
            if needle is not None and not any(needle in s.lower() for s in (comm, exe, entry.args)):
                continue
            if args.only_flagged and not flags:
                continue
            rows.append(
                ProcessRow(
                    pid=entry.pid,
                    ppid=entry.ppid,
                    uid=entry.uid,
                    user=entry.user,
                    start=entry.start,
                    elapsed_s=entry.elapsed_s,
                    cpu=entry.cpu,
                    mem=entry.mem,
                    comm=comm,
                    exe=exe,
                    cmdline=entry.args,
                    flags=",".join(flags),
                ).model_dump()
            )
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
