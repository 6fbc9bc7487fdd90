"""Parse NUL-framed `stat --printf`, `find -printf` and `sha*sum -z` output into file records."""

from __future__ import annotations

from dataclasses import dataclass

from tools.hoststate.common import decode, iso_from_epoch

# Every field but the last is free of tabs; the path comes last and runs to the NUL, so any
# byte a file name can hold (tab, newline) survives. Times are epoch seconds with nanoseconds.
STAT_FORMAT = "%F\\t%s\\t%a\\t%u\\t%U\\t%g\\t%G\\t%.9Y\\t%.9Z\\t%.9X\\t%i\\t%h\\t%n\\0"
_STAT_FIELDS = 12
LINK_FORMAT = "%p\\0%l\\0"
FIND_FORMAT = "%y\\t%s\\t%T@\\t%m\\t%u\\t%p\\0"


@dataclass(frozen=True)
class StatEntry:
    """One file's inode attributes as `stat` printed them."""

    path: str
    type: str
    size: int
    mode: str
    uid: int
    user: str
    gid: int
    group: str
    mtime: str | None
    ctime: str | None
    atime: str | None
    inode: int
    links: int


def stat_argv(paths: list[str]) -> tuple[str, ...]:
    """The stat argv for these absolute paths (fixed format, operands after `--`)."""
    return ("stat", f"--printf={STAT_FORMAT}", "--", *paths)


def parse_stat(data: bytes) -> tuple[list[StatEntry], list[str]]:
    """Parse `stat --printf=STAT_FORMAT` output; return entries and records it could not read."""
    entries: list[StatEntry] = []
    bad: list[str] = []
    for record in data.split(b"\0"):
        if not record:
            continue
        fields = decode(record).split("\t", _STAT_FIELDS)
        try:
            entries.append(
                StatEntry(
                    type=fields[0],
                    size=int(fields[1]),
                    mode=fields[2].zfill(4),
                    uid=int(fields[3]),
                    user=fields[4],
                    gid=int(fields[5]),
                    group=fields[6],
                    mtime=iso_from_epoch(fields[7]),
                    ctime=iso_from_epoch(fields[8]),
                    atime=iso_from_epoch(fields[9]),
                    inode=int(fields[10]),
                    links=int(fields[11]),
                    path=fields[12],
                )
            )
        except (IndexError, ValueError):
            bad.append(decode(record)[:200])
    return entries, bad


def parse_links(data: bytes) -> dict[str, str]:
    """Parse `find PATHS -maxdepth 0 -type l -printf LINK_FORMAT` into path -> link target."""
    parts = data.split(b"\0")
    return {decode(parts[i]): decode(parts[i + 1]) for i in range(0, len(parts) - 1, 2) if parts[i]}


@dataclass(frozen=True)
class FoundFile:
    """One path `find` matched."""

    path: str
    type: str
    size: int
    mtime: str | None
    mtime_epoch: float
    mode: str
    user: str


def parse_find(data: bytes) -> tuple[list[FoundFile], list[str]]:
    """Parse `find ... -printf FIND_FORMAT` output; return matches and records it could not read."""
    found: list[FoundFile] = []
    bad: list[str] = []
    for record in data.split(b"\0"):
        if not record:
            continue
        fields = decode(record).split("\t", 5)
        try:
            found.append(
                FoundFile(
                    type=fields[0],
                    size=int(fields[1]),
                    mtime_epoch=float(fields[2]),
                    mtime=iso_from_epoch(fields[2]),
                    mode=fields[3].zfill(4),
                    user=fields[4],
                    path=fields[5],
                )
            )
        except (IndexError, ValueError):
            bad.append(decode(record)[:200])
    return found, bad


def parse_sums(data: bytes) -> dict[str, str]:
    """Parse `sha256sum -z -- FILES` (or sha1sum/md5sum) into path -> lowercase hex digest."""
    sums: dict[str, str] = {}
    for record in data.split(b"\0"):
        digest, sep, path = record.partition(b"  ")
        if sep and digest:
            sums[decode(path)] = decode(digest).lower()
    return sums
