"""Traditional (RFC 3164 style) syslog lines as rsyslog writes them, and logrotate-style rotated files."""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class LogLine:
    """One log event before rendering."""

    when: datetime
    program: str
    pid: int | None
    message: str

    def render(self, hostname: str) -> str:
        """`Nov 26 03:14:07 web01 sshd[12345]: message` (day padded with a space, like rsyslog)."""
        tag = f"{self.program}[{self.pid}]" if self.pid is not None else self.program
        return f"{self.when:%b} {self.when.day:>2} {self.when:%H:%M:%S} {hostname} {tag}: {self.message}"


def rotated_names(base: str) -> tuple[str, str, str]:
    """Names of the current, first rotated and compressed second rotated files."""
    return base, f"{base}.1", f"{base}.2.gz"


def split_by_cuts(lines: Sequence[LogLine], cuts: tuple[datetime, datetime]) -> tuple[list[LogLine], ...]:
    """Lines before cuts[0], between the cuts, and after cuts[1]: (oldest, middle, current)."""
    ordered = sorted(lines, key=lambda line: line.when)
    oldest = [line for line in ordered if line.when < cuts[0]]
    middle = [line for line in ordered if cuts[0] <= line.when < cuts[1]]
    current = [line for line in ordered if line.when >= cuts[1]]
    return oldest, middle, current


def write_rotated(
    directory: Path, base: str, lines: Sequence[LogLine], hostname: str, cuts: tuple[datetime, datetime]
) -> dict[str, list[str]]:
    """Write base.2.gz, base.1 and base; returns file name to the rendered lines it holds."""
    oldest, middle, current = split_by_cuts(lines, cuts)
    name, name1, name2 = rotated_names(base)
    rendered = {
        name: [line.render(hostname) for line in current],
        name1: [line.render(hostname) for line in middle],
        name2: [line.render(hostname) for line in oldest],
    }
    directory.mkdir(parents=True, exist_ok=True)
    for file_name, text_lines in rendered.items():
        payload = "".join(f"{text}\n" for text in text_lines).encode()
        if file_name.endswith(".gz"):
            # mtime=0 keeps the compressed bytes deterministic for a given content.
            (directory / file_name).write_bytes(gzip.compress(payload, mtime=0))
        else:
            (directory / file_name).write_bytes(payload)
    return rendered


def last_times(lines: Sequence[LogLine], cuts: tuple[datetime, datetime], base: str) -> dict[str, datetime]:
    """File name to its last line's time (its mtime on a real host; gzip keeps it); empty files left out."""
    parts = dict(zip(reversed(rotated_names(base)), split_by_cuts(lines, cuts), strict=True))
    return {name: part[-1].when for name, part in parts.items() if part}
