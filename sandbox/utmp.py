"""glibc's struct utmp on x86_64/aarch64 (384 bytes), so `last -f` and `lastb -f` read what we write."""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from sandbox.findings import UtmpRecord

# type(h) pad pid(i) line[32] id[4] user[32] host[256] exit(hh) session(i) tv_sec(i) tv_usec(i)
# addr_v6[16] reserved[20]: 64-bit glibc keeps 32-bit time fields here for compatibility.
_FORMAT = "<h2xi32s4s32s256shhiii16s20x"
RECORD_SIZE = struct.calcsize(_FORMAT)
_TYPES = {"BOOT_TIME": 2, "LOGIN_PROCESS": 6, "USER_PROCESS": 7, "DEAD_PROCESS": 8}
_NAMES = {code: name for name, code in _TYPES.items()}


def _address(host: str) -> bytes:
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return bytes(16)
    return addr.packed.ljust(16, b"\0")


def _ut_id(line: str) -> bytes:
    # sshd uses the last 4 characters of the tty name ("pts/3" -> "ts/3").
    return line[-4:].encode() if line.startswith("pts/") else b""


def pack(record: UtmpRecord, pid: int) -> bytes:
    """One binary utmp record."""
    seconds = int(record.timestamp.timestamp())
    return struct.pack(
        _FORMAT,
        _TYPES[record.type],
        pid,
        record.line.encode(),
        _ut_id(record.line),
        record.user.encode(),
        record.host.encode(),
        0,
        0,
        pid if record.type == "USER_PROCESS" else 0,
        seconds,
        0,
        _address(record.host),
    )


def write(path: Path, records: Iterable[tuple[UtmpRecord, int]]) -> None:
    """Write (record, pid) pairs as a wtmp/btmp file."""
    path.write_bytes(b"".join(pack(record, pid) for record, pid in records))


def _text(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode(errors="replace")


def read(path: Path) -> list[UtmpRecord]:
    """Parse a wtmp/btmp file (records of unknown type are skipped)."""
    data = path.read_bytes()
    out: list[UtmpRecord] = []
    for offset in range(0, len(data) - RECORD_SIZE + 1, RECORD_SIZE):
        fields = struct.unpack_from(_FORMAT, data, offset)
        kind = _NAMES.get(fields[0])
        if kind is None:
            continue
        out.append(
            UtmpRecord(
                type=kind,
                line=_text(fields[2]),
                user=_text(fields[4]),
                host=_text(fields[5]),
                timestamp=datetime.fromtimestamp(fields[9], tz=UTC),
            )
        )
    return out
