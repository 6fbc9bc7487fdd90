"""Parse NUL-framed `stat --printf`, `find -printf` and `sha*sum -z` output into file_info and find_files
rows (and digests); the formats are here because the parsers must agree with them."""

from __future__ import annotations

from tools.hoststate.common import RowModel, decode, iso_from_epoch

# Every field but the last is free of tabs; the path comes last and runs to the NUL, so any
# byte a file name can hold (tab, newline) survives. Times are epoch seconds with nanoseconds.
STAT_FORMAT = "%F\\t%s\\t%a\\t%u\\t%U\\t%g\\t%G\\t%.9Y\\t%.9Z\\t%.9X\\t%i\\t%h\\t%n\\0"
_STAT_FIELDS = 12
LINK_FORMAT = "%p\\0%l\\0"
FIND_FORMAT = "%y\\t%s\\t%T@\\t%m\\t%u\\t%p\\0"

# stat's %F words and find's %y letters, as the rows name the types (unknown ones are kept as printed).
STAT_TYPES: dict[str, str] = {
    "regular file": "file",
    "regular empty file": "file",
    "directory": "dir",
    "symbolic link": "symlink",
    "fifo": "fifo",
    "socket": "socket",
    "character special file": "char_device",
    "block special file": "block_device",
}
FIND_TYPES: dict[str, str] = {
    "f": "file", "d": "dir", "l": "symlink", "p": "fifo", "s": "socket", "c": "char_device",
    "b": "block_device",
}
# How stat words a type that is not a regular file (each such row type comes from one %F word only).
_STAT_WORDS: dict[str, str] = {row: word for word, row in STAT_TYPES.items() if row != "file"}


class FileInfoRow(RowModel):
    """One path's inode (a row of file_info)."""

    path: str
    """The path as given."""
    type: str
    """file, dir, symlink, fifo, socket, char_device, block_device."""
    size: int
    """Size in bytes."""
    mode: str
    """Permission bits in octal, with setuid/setgid/sticky (e.g. 4755)."""
    uid: int
    """Owner user id."""
    user: str
    """Owner user name (UNKNOWN when the id has no name)."""
    gid: int
    """Owner group id."""
    group: str
    """Owner group name."""
    mtime: str | None
    """Content modification time, ISO 8601 UTC."""
    ctime: str | None
    """Inode change time, ISO 8601 UTC (touch cannot fake it)."""
    atime: str | None
    """Last access time, ISO 8601 UTC."""
    inode: int
    """Inode number."""
    links: int
    """Hard link count."""
    target: str | None
    """Symlink target, for symlinks."""


def stat_wording(row_type: str) -> str:
    """The words stat prints for a row's type (`directory` for dir), for messages about it."""
    return _STAT_WORDS.get(row_type, row_type)


def parse_stat(data: bytes) -> tuple[list[FileInfoRow], list[str]]:
    """Parse `stat --printf=STAT_FORMAT` output; return rows (no symlink target yet: stat does not print
    it, `parse_links` reads it) and records it could not read."""
    entries: list[FileInfoRow] = []
    bad: list[str] = []
    for record in data.split(b"\0"):
        if not record:
            continue
        fields = decode(record).split("\t", _STAT_FIELDS)
        try:
            entries.append(
                FileInfoRow(
                    type=STAT_TYPES.get(fields[0], fields[0]),
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
                    target=None,
                )
            )
        except (IndexError, ValueError):
            bad.append(decode(record)[:200])
    return entries, bad


def parse_links(data: bytes) -> dict[str, str]:
    """Parse `find PATHS -maxdepth 0 -type l -printf LINK_FORMAT` into path -> link target."""
    parts = data.split(b"\0")
    return {decode(parts[i]): decode(parts[i + 1]) for i in range(0, len(parts) - 1, 2) if parts[i]}


class FoundFileRow(RowModel):
    """One entry find matched (a row of find_files)."""

    path: str
    """Full path (attacker-controlled text)."""
    type: str
    """file, dir, symlink, fifo, socket, char_device, block_device."""
    size: int
    """Size in bytes."""
    mtime: str | None
    """Modification time, ISO 8601 UTC."""
    mode: str
    """Permission bits in octal."""
    user: str
    """Owner name (or numeric id)."""


def parse_find(data: bytes) -> tuple[list[FoundFileRow], list[str]]:
    """Parse `find ... -printf FIND_FORMAT` output; return rows and records it could not read."""
    found: list[FoundFileRow] = []
    bad: list[str] = []
    for record in data.split(b"\0"):
        if not record:
            continue
        fields = decode(record).split("\t", 5)
        try:
            found.append(
                FoundFileRow(
                    type=FIND_TYPES.get(fields[0], fields[0]),
                    size=int(fields[1]),
                    mtime=iso_from_epoch(float(fields[2])),
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
