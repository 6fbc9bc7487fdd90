"""Write real glibc utmp/wtmp/btmp records (x86-64 layout), so last/lastb/who read files we control."""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from pathlib import Path

# struct utmp on glibc x86-64: type, pid, line[32], id[4], user[32], host[256], exit, session,
# tv (2 x int32), addr_v6[4], unused[20] = 384 bytes.
_FORMAT = "<hhi32s4s32s256shhiii16s20s"
RECORD_SIZE = struct.calcsize(_FORMAT)
BOOT_TIME, USER_PROCESS, DEAD_PROCESS = 2, 7, 8


@dataclass(frozen=True)
class UtmpRecord:
    """One utmp record."""

    kind: int
    pid: int
    line: str
    user: str
    host: str
    ts: int
    ip: str | None = None


def pack(record: UtmpRecord) -> bytes:
    """The 384 bytes of one record."""
    addr = b"\0" * 16
    if record.ip:
        family = socket.AF_INET6 if ":" in record.ip else socket.AF_INET
        raw = socket.inet_pton(family, record.ip)
        addr = raw + b"\0" * (16 - len(raw))
    line_id = record.line[-4:].encode()
    return struct.pack(
        _FORMAT, record.kind, 0, record.pid, record.line.encode(), line_id, record.user.encode(),
        record.host.encode(), 0, 0, 0, record.ts, 0, addr, b"\0" * 20,
    )


def write(path: Path, records: list[UtmpRecord]) -> Path:
    """Write the records to path and return it."""
    path.write_bytes(b"".join(pack(r) for r in records))
    return path
