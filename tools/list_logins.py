"""list_logins: successful logins (wtmp), failed logins (btmp) and current sessions (utmp)."""

from __future__ import annotations

import time
from typing import Literal

from pydantic import Field

from tools.base import Row, Tool, ToolContext, ToolResult
from tools.errors import CommandFailedError
from tools.hoststate.common import HostStateArgs, stderr_lines, table_result
from tools.hoststate.logins import LastKind, LoginRow, parse_last, parse_who
from tools.hoststate.paths import AbsPath
from tools.transport.base import CommandOutput

COLUMNS = ("kind", "user", "tty", "source", "start", "end", "duration")


def last_argv(program: Literal["last", "lastb"], path: str, max_entries: int) -> tuple[str, ...]:
    """last (wtmp) or lastb (btmp) over one file: full times, full names, IPs, the newest max_entries."""
    return (program, "-F", "-w", "-i", "-n", str(max_entries), "-f", path)


def who_argv(path: str) -> tuple[str, ...]:
    """who over one utmp file, with source IPs."""
    return ("who", "--ips", path)


class ListLoginsArgs(HostStateArgs):
    """Which login records to list."""

    which: Literal["success", "failed", "current", "all"] = "all"
    """success (wtmp), failed (btmp; needs root on the target), current (utmp), or all three."""
    wtmp: AbsPath = "/var/log/wtmp"
    """The wtmp file read for successful logins."""
    btmp: AbsPath = "/var/log/btmp"
    """The btmp file read for failed logins."""
    utmp: AbsPath = "/var/run/utmp"
    """The utmp file read for current sessions."""
    max_entries: int = Field(default=500, ge=1, le=100000)
    """At most this many records from each file (newest first)."""


class ListLoginsTool(Tool[ListLoginsArgs]):
    """Reads login records with last, lastb and who."""

    name = "list_logins"
    description = (
        "List successful logins (last, from wtmp), failed logins (lastb, from btmp) and current "
        "sessions (who, from utmp) with user, terminal, source IP, start, end and duration."
    )
    args_model = ListLoginsArgs
    row_model = LoginRow

    def run(self, args: ListLoginsArgs, ctx: ToolContext) -> ToolResult:
        """Run the selected readers; a missing or unreadable file becomes a note."""
        started = time.monotonic()
        outputs: list[CommandOutput] = []
        rows: list[Row] = []
        notes: list[str] = []
        readers: list[tuple[LastKind, Literal["last", "lastb"], str]] = [
            ("success", "last", args.wtmp),
            ("failed", "lastb", args.btmp),
        ]
        for kind, program, path in readers:
            if args.which not in (kind, "all"):
                continue
            try:
                out = ctx.run(last_argv(program, path, args.max_entries))
            except CommandFailedError as exc:
                # A host without btmp, or lastb as non-root: the other records still count.
                why = exc.stderr.strip()[:300]
                notes.append(f"{program} -f {path} failed (exit {exc.exit_status}): {why}")
                continue
            outputs.append(out)
            logins, bad = parse_last(out.stdout, kind)
            rows.extend(login.model_dump() for login in logins)
            notes.extend(f"unparsed {program} line: {line!r}" for line in bad[:10])
        if args.which in ("current", "all"):
            out = ctx.run(who_argv(args.utmp))
            outputs.append(out)
            logins, bad = parse_who(out.stdout)
            rows.extend(login.model_dump() for login in logins[: args.max_entries])
            notes.extend(f"unparsed who line: {line!r}" for line in bad[:10])
            notes.extend(stderr_lines(out.stderr, limit=3))
        if not outputs:
            raise CommandFailedError("no login records could be read: " + "; ".join(notes), exit_status=1)
        return table_result(
            self.name, ctx, outputs, rows, COLUMNS, started=started, notes=notes
        )


TOOL = ListLoginsTool()
