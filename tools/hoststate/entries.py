"""Parse `grep -H -n -Z` output into (path, line, text) entries, and flag suspicious persistence lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.hoststate.common import TEMP_DIRS, decode

_DOWNLOAD_EXEC = re.compile(r"\b(curl|wget)\b.*\|\s*(ba|da|z|k)?sh\b|\bbase64\s+(-d|--decode)\b")
_NETWORK_TOOL = re.compile(r"\b(curl|wget|nc|ncat|socat)\b|/dev/tcp/")


@dataclass(frozen=True)
class GrepEntry:
    """One line grep printed: which file, which line number, the text."""

    path: str
    line_no: int
    text: str


def parse_grep_z(data: bytes) -> list[GrepEntry]:
    """Parse `grep -H -n -Z` output (`path NUL lineno : text NL`); file names may hold any byte but NUL."""
    entries: list[GrepEntry] = []
    rest = data
    while rest:
        path, sep, rest = rest.partition(b"\0")
        if not sep:
            break
        line, _, rest = rest.partition(b"\n")
        number, colon, text = line.partition(b":")
        if colon and number.isdigit():
            entries.append(GrepEntry(decode(path), int(number), decode(text)))
    return entries


def entry_flags(text: str) -> list[str]:
    """Red signs in one cron line, unit Exec line, rc.local or profile line."""
    flags: list[str] = []
    if text.lstrip().startswith("@reboot"):
        flags.append("@reboot")
    if any(prefix in text for prefix in TEMP_DIRS):
        flags.append("runs_from_tmp")
    if re.search(r"(^|[\s/=])\.[A-Za-z0-9_-]+/", text):
        flags.append("hidden_path")
    if _DOWNLOAD_EXEC.search(text):
        flags.append("download_exec")
    elif _NETWORK_TOOL.search(text):
        flags.append("network_tool")
    return flags
