"""Parsers of what the search engines (rg, grep, zgrep, journalctl) print; their argv is in `commands`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.errors import CommandFailedError
from tools.transport.base import CommandOutput

# Exit 1 = no match; 2 = an error, judged by `check_errors` (a missing file is only a note).
SEARCH_OK_EXIT = frozenset({0, 1, 2})
_MISSING = re.compile(r"^[\w.-]+: (?P<path>.+): No such file or directory(?: \(os error 2\))?$")
_WARNING = re.compile(r"^[\w.-]+: warning: ")
_ROTATED_SUFFIX = re.compile(r"(?:\.(?P<n>\d{1,4})|-(?P<date>\d{8}))?(?:\.gz)?")


@dataclass(frozen=True)
class Match:
    """One matched line as an engine printed it."""

    path: str
    line_no: int | None
    line: bytes


def rotation_order(path: str, found: bytes) -> list[str]:
    """The log and its rotations (`.2.gz`, `.1`, or `-20261126`), oldest first, the live file last."""
    keyed: list[tuple[int, int, str]] = []
    for raw in found.split(b"\0"):
        name = raw.decode("utf-8", "surrogateescape")
        rest = name[len(path) :] if name.startswith(path) else ""
        suffix = _ROTATED_SUFFIX.fullmatch(rest) if rest else None
        if suffix is None:
            continue  # the live file itself, or a sibling such as auth.log.bak / auth.logger
        if suffix.group("date") is not None:
            keyed.append((1, int(suffix.group("date")), name))
        else:
            keyed.append((0, -int(suffix.group("n") or 0), name))
    return [*(name for _, _, name in sorted(keyed)), path]


def check_errors(out: CommandOutput) -> list[str]:
    """Paths reported missing; CommandFailedError when exit 2 had any other cause."""
    if out.exit_status != 2 or out.truncated:
        return []
    missing: list[str] = []
    other: list[str] = []
    for line in out.stderr.decode("utf-8", "replace").splitlines():
        found = _MISSING.match(line.strip())
        if found:
            missing.append(found.group("path"))
        elif line.strip() and not _WARNING.match(line.strip()):
            other.append(line.strip())
    if other or not missing:
        detail = other[0] if other else "exit status 2 without a message"
        raise CommandFailedError(
            f"{out.argv[0]} on {out.host} failed: {detail}",
            exit_status=2,
            stderr=out.stderr.decode("utf-8", "replace"),
        )
    return missing


def _complete_lines(out: CommandOutput) -> list[bytes]:
    data = out.stdout
    if out.truncated and not data.endswith(b"\n"):
        data = data[: data.rfind(b"\n") + 1]  # the cap cut the last line: drop the partial one
    return data.split(b"\n")[:-1] if data else []


def parse_named(out: CommandOutput, paths: dict[bytes, str]) -> list[Match]:
    """`PATH\\0LINE_NO:LINE` records (rg --null / grep -Z)."""
    matches: list[Match] = []
    for record in _complete_lines(out):
        raw_path, sep, rest = record.partition(b"\0")
        number, colon, line = rest.partition(b":")
        if not sep or not colon or not number.isdigit():
            continue
        path = paths.get(raw_path, raw_path.decode("utf-8", "replace"))
        matches.append(Match(path=path, line_no=int(number), line=line.removesuffix(b"\r")))
    return matches


def parse_unnamed(out: CommandOutput, path: str) -> list[Match]:
    """`LINE_NO:LINE` records of one file (zgrep -h)."""
    matches: list[Match] = []
    for record in _complete_lines(out):
        number, colon, line = record.partition(b":")
        if colon and number.isdigit():
            matches.append(Match(path=path, line_no=int(number), line=line.removesuffix(b"\r")))
    return matches


def parse_journal(out: CommandOutput) -> list[Match]:
    """journalctl short-iso lines (no line numbers; `-- ...` markers skipped)."""
    return [
        Match(path="journald", line_no=None, line=line)
        for line in _complete_lines(out)
        if line and not line.startswith(b"-- ")
    ]


def parse_counts(out: CommandOutput, paths: dict[bytes, str], single: str | None = None) -> dict[str, int]:
    """`PATH\\0COUNT` records (rg --count --null / grep -c -Z), or one bare count for zgrep -c -h."""
    counts: dict[str, int] = {}
    for record in _complete_lines(out):
        if single is not None:
            if record.strip().isdigit():
                counts[single] = counts.get(single, 0) + int(record.strip())
            continue
        raw_path, sep, number = record.rpartition(b"\0")
        if sep and number.strip().isdigit():
            path = paths.get(raw_path, raw_path.decode("utf-8", "replace"))
            counts[path] = int(number.strip())
    return counts
