"""list_connections: TCP and UDP sockets with their owning process, from `ss`."""

from __future__ import annotations

import time
from typing import Literal

from pydantic import Field

from tools.base import Row, Tool, ToolContext, ToolResult
from tools.hoststate.common import HostStateArgs, table_result
from tools.hoststate.net import ConnectionRow, parse_ss

SS_ARGV: tuple[str, ...] = ("ss", "-t", "-u", "-n", "-a", "-p", "-H")
COLUMNS = ("proto", "state", "local_addr", "local_port", "peer_addr", "peer_port", "pid", "process")
# ss names a listening TCP socket LISTEN and a bound UDP socket UNCONN.
_LISTENING = frozenset({"LISTEN", "UNCONN"})


class ListConnectionsArgs(HostStateArgs):
    """Which sockets to list."""

    state: Literal["listening", "established", "all"] = "all"
    """listening (TCP LISTEN, bound UDP), established (ESTAB), or all."""
    port: int | None = Field(default=None, ge=1, le=65535)
    """Only sockets whose local or peer port is this."""
    pid: int | None = Field(default=None, ge=1, le=2**22)
    """Only sockets owned by this process id."""
    max_rows: int = Field(default=2000, ge=1, le=20000)
    """At most this many rows (the result says when it was cut)."""


class ListConnectionsTool(Tool[ListConnectionsArgs]):
    """Lists sockets with `ss -tunapH`."""

    name = "list_connections"
    description = (
        "List TCP and UDP sockets (listening and connected) with local and peer address and port "
        "and the owning process id and name; filter by state, port or pid."
    )
    args_model = ListConnectionsArgs
    row_model = ConnectionRow

    def run(self, args: ListConnectionsArgs, ctx: ToolContext) -> ToolResult:
        """Run ss once and filter the sockets."""
        started = time.monotonic()
        out = ctx.run(SS_ARGV)
        sockets, bad = parse_ss(out.stdout)
        notes = [f"unparsed ss line: {line!r}" for line in bad[:10]]
        rows: list[Row] = []
        for sock in sockets:
            if args.state == "listening" and sock.state not in _LISTENING:
                continue
            if args.state == "established" and sock.state != "ESTAB":
                continue
            if args.port is not None and str(args.port) not in (sock.local_port, sock.peer_port):
                continue
            if args.pid is not None and sock.pid != args.pid:
                continue
            rows.append(sock.model_dump())
        if sockets and all(s.pid is None for s in sockets):
            notes.append("no socket owners visible (ss -p needs root): pid and process are empty")
        cut = len(rows) > args.max_rows
        rows = rows[: args.max_rows]
        return table_result(
            self.name, ctx, [out], rows, COLUMNS, started=started, truncated=cut, notes=notes
        )


TOOL = ListConnectionsTool()
