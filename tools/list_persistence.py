"""list_persistence: cron, systemd units, rc.local, ld.so.preload, profile.d and authorized_keys entries."""

from __future__ import annotations

import time

from pydantic import Field

from tools.base import Row, Tool, ToolContext, ToolResult
from tools.errors import CommandFailedError, TransportError
from tools.hoststate.common import HostStateArgs, decode, table_result
from tools.hoststate.files import FIND_FORMAT, parse_find
from tools.hoststate.persistence import (
    KEY_ROOTS,
    SYSTEM_ROOTS,
    PersistenceRow,
    build_entries,
    enabled_units,
    lines_to_read,
)
from tools.transport.base import CommandOutput

COLUMNS = ("kind", "path", "line_no", "entry", "mtime", "flags", "key_fingerprint")
# grep reads at most this many non-comment lines per file: a 100 MB "crontab" is not read whole.
MAX_LINES_PER_FILE = 500
SYSTEMCTL_ARGV: tuple[str, ...] = (
    "systemctl", "list-unit-files", "--state=enabled", "--no-pager", "--no-legend",
)
# -maxdepth 3 reaches /home/USER/.ssh/authorized_keys and /etc/systemd/system/X.wants/UNIT.
SYSTEM_FIND_ARGV: tuple[str, ...] = (
    "find", *SYSTEM_ROOTS, "-maxdepth", "3", "(", "-type", "f", "-o", "-type", "l", ")",
    "-printf", FIND_FORMAT,
)
KEY_FIND_ARGV: tuple[str, ...] = (
    "find", *KEY_ROOTS, "-maxdepth", "3", "-path", "*/.ssh/authorized_keys*", "-printf", FIND_FORMAT,
)


class ListPersistenceArgs(HostStateArgs):
    """What to list."""

    only_flagged: bool = False
    """Only entries with at least one flag (drops the hundreds of vendor units)."""
    include_vendor_units: bool = False
    """Also list unit files under /lib/systemd/system and /usr/lib/systemd/system (noisy)."""
    recent_days: int = Field(default=7, ge=1, le=3650)
    """Flag entries whose file changed within this many days as recently_modified."""
    max_rows: int = Field(default=2000, ge=1, le=20000)
    """At most this many rows."""


def grep_argv(paths: list[str]) -> tuple[str, ...]:
    """grep the non-comment, non-blank lines of these files (at most MAX_LINES_PER_FILE each), NUL after
    each file name so any name survives."""
    return (
        "grep", "-H", "-n", "-a", "-Z", "-v", "-m", str(MAX_LINES_PER_FILE), "-E", r"^\s*(#|$)", "--", *paths,
    )


class ListPersistenceTool(Tool[ListPersistenceArgs]):
    """Finds persistence files with find, reads their entries with a bounded grep, asks systemctl."""

    name = "list_persistence"
    description = (
        "List persistence: cron tables and cron scripts, systemd units (admin-installed, with their "
        "Exec lines, and enabled units), /etc/rc.local, /etc/ld.so.preload, /etc/profile.d and "
        "authorized_keys entries (key type, comment, SHA256 fingerprint), flagging @reboot, "
        "commands run from /tmp or hidden paths, download-and-execute and recent changes."
    )
    args_model = ListPersistenceArgs
    row_model = PersistenceRow

    def run(self, args: ListPersistenceArgs, ctx: ToolContext) -> ToolResult:
        """Two finds, one grep over the files with entries, and systemctl when it answers."""
        started = time.monotonic()
        # find exits 1 when a root does not exist (no /etc/rc.local is normal): not a failure.
        ok = frozenset({0, 1})
        sys_out = ctx.run(SYSTEM_FIND_ARGV, ok_exit=ok)
        key_out = ctx.run(KEY_FIND_ARGV, ok_exit=ok)
        outputs: list[CommandOutput] = [sys_out, key_out]
        found = parse_find(sys_out.stdout)[0] + parse_find(key_out.stdout)[0]
        if not args.include_vendor_units:
            found = [f for f in found if not f.path.startswith(("/lib/systemd/", "/usr/lib/systemd/"))]
        notes: list[str] = []
        to_read = lines_to_read(found)
        grep_stdout = b""
        if to_read:
            grep_out = ctx.run(grep_argv(to_read), ok_exit=frozenset({0, 1, 2}))
            outputs.append(grep_out)
            grep_stdout = grep_out.stdout
            if grep_out.exit_status == 2:
                notes.append("grep could not read some files: " + decode(grep_out.stderr)[:300].strip())
        entries = build_entries(found, grep_stdout, args.recent_days)
        rows: list[Row] = [e.model_dump() for e in entries]
        try:
            unit_out = ctx.run(SYSTEMCTL_ARGV)
        except (CommandFailedError, TransportError) as exc:
            # Containers and PID namespaces often have no systemd to ask; the unit files still count.
            notes.append(f"systemctl list-unit-files is not usable here: {str(exc)[:200]}")
        else:
            outputs.append(unit_out)
            rows.extend(unit.model_dump() for unit in enabled_units(unit_out.stdout))
        if args.only_flagged:
            rows = [r for r in rows if r["flags"]]
        cut = len(rows) > args.max_rows
        rows = rows[: args.max_rows]
        return table_result(
            self.name, ctx, outputs, rows, COLUMNS, started=started, truncated=cut, notes=notes
        )


TOOL = ListPersistenceTool()
