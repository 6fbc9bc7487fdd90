"""Helpers that write realistic auth.log-style files for the search tests."""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

USERS = ("root", "admin", "oracle", "deploy", "ubuntu")


def auth_lines(count: int, *, start: int = 0) -> list[bytes]:
    """`count` syslog-style sshd lines; every third is a failed password, every fifth an accept."""
    lines: list[bytes] = []
    for i in range(start, start + count):
        user = USERS[i % len(USERS)]
        ip = f"203.0.113.{i % 250}"
        stamp = f"Nov {1 + i % 28:2d} 03:{i % 60:02d}:{(i * 7) % 60:02d}"
        if i % 3 == 0:
            msg = f"Failed password for {user} from {ip} port {40000 + i} ssh2"
        elif i % 5 == 0:
            msg = f"Accepted publickey for {user} from {ip} port {40000 + i} ssh2"
        else:
            msg = f"pam_unix(sshd:session): session closed for user {user}"
        lines.append(f"{stamp} web01 sshd[{1000 + i}]: {msg}".encode())
    return lines


def write(path: Path, lines: list[bytes], *, gz: bool = False) -> Path:
    """Write lines (newline-terminated), gzip-compressed when asked."""
    data = b"".join(line + b"\n" for line in lines)
    if gz:
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def syslog_stamp(when: datetime) -> str:
    """`Nov 26 03:14:07` for a datetime."""
    return f"{when:%b} {when.day:2d} {when:%H:%M:%S}"
