"""Parse `ss -tunapH` into socket records."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.hoststate.common import decode

# Owner list as ss prints it: users:(("name",pid=1,fd=3),("name2",pid=2,fd=4)). The name is
# attacker-controlled and unescaped, so match lazily and keep it as data.
_OWNER = re.compile(r'\("(?P<name>.*?)",pid=(?P<pid>\d+),fd=\d+\)')


@dataclass(frozen=True)
class Socket:
    """One socket line of `ss`."""

    proto: str
    state: str
    local_addr: str
    local_port: str
    peer_addr: str
    peer_port: str
    pid: int | None
    process: str | None


def split_endpoint(text: str) -> tuple[str, str]:
    """Split `addr:port`, `[v6]:port`, `*:port` or `addr%iface:port` into address and port."""
    addr, _, port = text.rpartition(":")
    if addr.startswith("[") and addr.endswith("]"):
        addr = addr[1:-1]
    return addr, port


def parse_ss(data: bytes) -> tuple[list[Socket], list[str]]:
    """Parse `ss -tunapH` output; return sockets and the lines it could not read."""
    sockets: list[Socket] = []
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
            Socket(
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
