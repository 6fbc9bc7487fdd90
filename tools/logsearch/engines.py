"""Argv builders for the search engines (rg, grep, zgrep, journalctl) and parsers of what they print."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from tools.errors import CommandFailedError
from tools.logsearch.dialect import CompiledPattern
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


def rg_argv(pattern: CompiledPattern, files: list[str], *, per_file: int | None, count: bool) -> list[str]:
    """ripgrep over explicit files: no config, text mode, NUL after the path, never recursing."""
    argv = ["rg", "--no-config", "--text", "--with-filename", "--null", "--no-heading", "--color", "never"]
    argv += ["--max-depth", "0"]
    if any(f.endswith(".gz") for f in files):
        argv.append("--search-zip")
    if count:
        argv.append("--count")
    else:
        argv.append("--line-number")
        if per_file is not None:
            argv += ["--max-count", str(per_file)]
    return [*argv, "-e", pattern.rust, "--", *files]


def _grep_common(pattern: CompiledPattern, per_file: int | None, count: bool) -> list[str]:
    argv = ["-a", "-F" if pattern.fixed else "-E"]
    if pattern.ignore_case:
        argv.append("-i")
    if count:
        argv.append("-c")
    else:
        argv.append("-n")
        if per_file is not None:
            argv += ["-m", str(per_file)]
    return [*argv, "-e", pattern.ere]


def grep_argv(pattern: CompiledPattern, files: list[str], *, per_file: int | None, count: bool) -> list[str]:
    """GNU grep -E (or -F) over plain files, with file names and a NUL after each."""
    return ["grep", "-H", "-Z", *_grep_common(pattern, per_file, count), "--", *files]


def zgrep_argv(pattern: CompiledPattern, file: str, *, per_file: int | None, count: bool) -> list[str]:
    """zgrep over one .gz file, without file names (zgrep cannot print a NUL after them)."""
    return ["zgrep", "-h", *_grep_common(pattern, per_file, count), "--", file]


def journalctl_argv(
    pattern: CompiledPattern,
    *,
    lines: int,
    since: datetime | None,
    until: datetime | None,
    unit: str | None,
    facilities: tuple[int, ...],
) -> list[str]:
    """journalctl --grep (PCRE2 on the host, over MESSAGE), the newest `lines` entries, UTC ISO times."""
    argv = ["journalctl", "--no-pager", "--quiet", "--utc", "-o", "short-iso", "-n", str(lines)]
    argv += ["--grep", pattern.pcre, f"--case-sensitive={'false' if pattern.ignore_case else 'true'}"]
    for flag, bound in (("--since", since), ("--until", until)):
        if bound is not None:
            argv.append(f"{flag}={bound.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC")
    if unit:
        argv += ["-u", unit]
    return [*argv, *(f"SYSLOG_FACILITY={f}" for f in facilities)]


def journalctl_newest_argv(*, unit: str | None, facilities: tuple[int, ...]) -> list[str]:
    """journalctl's newest entry of the unit/facilities searched, no window: where the journal ends."""
    argv = ["journalctl", "--no-pager", "--quiet", "--utc", "-o", "short-iso", "-n", "1"]
    if unit:
        argv += ["-u", unit]
    return [*argv, *(f"SYSLOG_FACILITY={f}" for f in facilities)]


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
