"""Parse `ss -tunapH` into list_connections rows."""

from __future__ import annotations

import re

from tools.hoststate.common import RowModel, decode

# Owner list as ss prints it: users:(("name",pid=1,fd=3),("name2",pid=2,fd=4)). The name is
# attacker-controlled and unescaped, so match lazily and keep it as data.
_OWNER = re.compile(r'\("(?P<name>.*?)",pid=(?P<pid>\d+),fd=\d+\)')


class ConnectionRow(RowModel):
    """One socket (a row of list_connections)."""

    proto: str
    """tcp or udp."""
    state: str
    """Socket state as ss names it (LISTEN, ESTAB, UNCONN, TIME-WAIT, ...)."""
    local_addr: str
    """Local address (`*` or `0.0.0.0` for any; IPv6 without brackets)."""
    local_port: str
    """Local port (`*` when unbound)."""
    peer_addr: str
    """Peer address."""
    peer_port: str
    """Peer port (`*` for a listening socket)."""
    pid: int | None
    """Owning process id (None when ss could not see it: not root, or a kernel socket)."""
    process: str | None
    """Owning process name as ss printed it (attacker-controlled text)."""


def split_endpoint(text: str) -> tuple[str, str]:
    """Split `addr:port`, `[v6]:port`, `*:port` or `addr%iface:port` into address and port."""
    addr, _, port = text.rpartition(":")
    if addr.startswith("[") and addr.endswith("]"):
        addr = addr[1:-1]
    return addr, port


def parse_ss(data: bytes) -> tuple[list[ConnectionRow], list[str]]:
    """Parse `ss -tunapH` output; return sockets and the lines it could not read."""
    sockets: list[ConnectionRow] = []
    bad: list[str] = []
    for line in decode(data).split("\n"):
        if not line.strip():
            continue
        fields = line.split(None, 6)
        if len(fields) < 6:
            bad.append(line[:200])
            continue
        proto, state, _recvq, _sendq, local, peer = fields[:6]
        owners = list(_OWNER.finditer(fields[6])) if len(fields) == 7 else []
        local_addr, local_port = split_endpoint(local)
        peer_addr, peer_port = split_endpoint(peer)
        sockets.append(
            ConnectionRow(
                proto=proto,
                state=state,
                local_addr=local_addr,
                local_port=local_port,
                peer_addr=peer_addr,
                peer_port=peer_port,
                pid=int(owners[0]["pid"]) if owners else None,
                process=owners[0]["name"] if owners else None,
            )
        )
    return sockets, bad
