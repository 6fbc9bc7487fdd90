"""Apache access (combined format) and error-log lines as Debian's apache2 writes them; rotations."""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sandbox.syslog import rotated_names


@dataclass(frozen=True)
class AccessLine:
    """One request in Apache's combined format: `%h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-agent}i"`."""

    when: datetime
    client: str
    method: str
    target: str
    status: int
    size: int
    referer: str = "-"
    agent: str = "-"
    user: str = "-"
    protocol: str = "HTTP/1.1"

    @property
    def request(self) -> str:
        """The request line, as `%r` logs it."""
        return f"{self.method} {self.target} {self.protocol}"

    def render(self) -> str:
        """`192.0.2.10 - - [26/Nov/2026:03:14:07 +0000] "GET / HTTP/1.1" 200 5123 "-" "Mozilla/5.0 ..."`."""
        return (
            f"{self.client} - {self.user} [{self.when:%d/%b/%Y:%H:%M:%S} +0000] "
            f'"{self.request}" {self.status} {self.size} "{self.referer}" "{self.agent}"'
        )


@dataclass(frozen=True)
class ErrorLine:
    """One Apache 2.4 error-log line (prefork MPM with mod_php: a pid, no thread id)."""

    when: datetime
    module: str
    level: str
    pid: int
    message: str
    client: str | None = None
    """`address:port` of the client, when the event belongs to a request."""

    def render(self) -> str:
        """`[Thu Nov 26 03:14:07.123456 2026] [php:warn] [pid 1234] [client 203.0.113.5:51234] message`."""
        stamp = f"{self.when:%a %b %d %H:%M:%S}.{self.when.microsecond:06d} {self.when.year}"
        client = f" [client {self.client}]" if self.client else ""
        return f"[{stamp}] [{self.module}:{self.level}] [pid {self.pid}]{client} {self.message}"


def file_of(when: datetime, base: str, cuts: tuple[datetime, datetime]) -> str:
    """The rotation of a line this old: base.2.gz before cuts[0], base.1 before cuts[1], else base."""
    current, first, second = rotated_names(base)
    if when < cuts[0]:
        return second
    return first if when < cuts[1] else current


def write_rotated_access(
    directory: Path, base: str, lines: Sequence[AccessLine], cuts: tuple[datetime, datetime]
) -> dict[str, list[str]]:
    """Write base.2.gz, base.1 and base (lines in time order); returns file name to the lines it holds."""
    rendered: dict[str, list[str]] = {name: [] for name in rotated_names(base)}
    for line in sorted(lines, key=lambda item: item.when):
        rendered[file_of(line.when, base, cuts)].append(line.render())
    directory.mkdir(parents=True, exist_ok=True)
    for name, text_lines in rendered.items():
        payload = "".join(f"{text}\n" for text in text_lines).encode()
        # mtime=0 keeps the compressed bytes deterministic for a given content.
        data = gzip.compress(payload, mtime=0) if name.endswith(".gz") else payload
        (directory / name).write_bytes(data)
    return rendered


def last_access_times(
    lines: Sequence[AccessLine], base: str, cuts: tuple[datetime, datetime]
) -> dict[str, datetime]:
    """File name to its last line's time (its mtime on a real host); empty files left out."""
    last: dict[str, datetime] = {}
    for line in lines:
        name = file_of(line.when, base, cuts)
        last[name] = max(last.get(name, line.when), line.when)
    return last
