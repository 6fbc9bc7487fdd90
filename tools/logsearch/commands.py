"""Every argv search_logs runs, built from its typed plan: the listing, the probes, the engines, the journal.

Each builder takes validated values (absolute paths, a pattern compiled by `dialect`, bounded numbers) and
puts operands after `--`, so nothing from the target or the model is read as an option. The transport's
allowlist checks each argv again before it runs (tests/tools/test_tool_argv.py holds them to it).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import PurePosixPath

from tools.logsearch.dialect import CompiledPattern

Argv = tuple[str, ...]

_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")
# `SIZE MTIME PATH\0`: find's -printf; the path is last, so spaces in it are harmless.
LIST_PRINTF = "%s %T@ %p\\0"
_JOURNAL = ("journalctl", "--no-pager", "--quiet", "--utc", "-o", "short-iso")


def list_argv(paths: list[str], include_rotated: bool) -> Argv:
    """One `find -L` over the directories of all paths, matching each name (and its rotations)."""
    dirs: list[str] = []
    globs: list[str] = []
    for path in paths:
        posix = PurePosixPath(path)
        glob = _GLOB_SPECIAL.sub(r"\\\1", posix.name) + ("*" if include_rotated else "")
        dirs += [str(posix.parent)] if str(posix.parent) not in dirs else []
        globs += [glob] if glob not in globs else []
    names: list[str] = ["-name", globs[0]]
    for glob in globs[1:]:
        names += ["-o", "-name", glob]
    if len(globs) > 1:
        names = ["(", *names, ")"]
    # -L: a log that is a symlink (or in a symlinked directory) is listed with its target's size and mtime.
    return ("find", "-L", *dirs, "-maxdepth", "1", "-type", "f", *names, "-printf", LIST_PRINTF)


def zgrep_count_argv(files: list[str]) -> Argv:
    """Line counts of compressed files (`NAME:COUNT` lines): zgrep -c of the empty pattern."""
    return ("zgrep", "-c", "-H", "-a", "-e", "", "--", *files)


def zgrep_first_argv(files: list[str]) -> Argv:
    """The first line of each file, plain or compressed (`NAME:LINE` lines)."""
    return ("zgrep", "-m", "1", "-H", "-a", "-e", "", "--", *files)


def wc_argv(files: list[str]) -> Argv:
    """Line counts of plain files (`COUNT NAME` lines and a total)."""
    return ("wc", "-l", "--", *files)


def head_argv(files: list[str]) -> Argv:
    """The first line of each plain file, under `==> NAME <==` headers."""
    return ("head", "-v", "-n", "1", "--", *files)


def tail_argv(files: list[str]) -> Argv:
    """The last line of each plain file, under `==> NAME <==` headers."""
    return ("tail", "-v", "-n", "1", "--", *files)


def _mode(
    count: bool, per_file: int | None, *, count_flag: str, number_flag: str, max_flag: str
) -> list[str]:
    """Counts, or numbered lines with at most `per_file` matches a file."""
    if count:
        return [count_flag]
    return [number_flag, *((max_flag, str(per_file)) if per_file is not None else ())]


def rg_argv(pattern: CompiledPattern, files: list[str], *, per_file: int | None, count: bool) -> Argv:
    """ripgrep over explicit files: no config, text mode, NUL after the path, never recursing."""
    argv = ["rg", "--no-config", "--text", "--with-filename", "--null", "--no-heading", "--color", "never"]
    argv += ["--max-depth", "0"]
    if any(f.endswith(".gz") for f in files):
        argv.append("--search-zip")
    argv += _mode(count, per_file, count_flag="--count", number_flag="--line-number", max_flag="--max-count")
    return (*argv, "-e", pattern.rust, "--", *files)


def _grep_common(pattern: CompiledPattern, per_file: int | None, count: bool) -> list[str]:
    argv = ["-a", "-F" if pattern.fixed else "-E"]
    if pattern.ignore_case:
        argv.append("-i")
    argv += _mode(count, per_file, count_flag="-c", number_flag="-n", max_flag="-m")
    return [*argv, "-e", pattern.ere]


def grep_argv(pattern: CompiledPattern, files: list[str], *, per_file: int | None, count: bool) -> Argv:
    """GNU grep -E (or -F) over plain files, with file names and a NUL after each."""
    return ("grep", "-H", "-Z", *_grep_common(pattern, per_file, count), "--", *files)


def zgrep_argv(pattern: CompiledPattern, file: str, *, per_file: int | None, count: bool) -> Argv:
    """zgrep over one .gz file, without file names (zgrep cannot print a NUL after them)."""
    return ("zgrep", "-h", *_grep_common(pattern, per_file, count), "--", file)


def _journalctl(lines: int, selection: list[str], unit: str | None, facilities: tuple[int, ...]) -> Argv:
    """journalctl in UTC ISO lines, the newest `lines` entries of the selection, unit and facilities."""
    scope = ["-u", unit] if unit else []
    return (*_JOURNAL, "-n", str(lines), *selection, *scope, *(f"SYSLOG_FACILITY={f}" for f in facilities))


def journalctl_argv(
    pattern: CompiledPattern,
    *,
    lines: int,
    since: datetime | None,
    until: datetime | None,
    unit: str | None,
    facilities: tuple[int, ...],
) -> Argv:
    """journalctl --grep (PCRE2 on the host, over MESSAGE), the newest `lines` entries, UTC ISO times."""
    selection = ["--grep", pattern.pcre, f"--case-sensitive={'false' if pattern.ignore_case else 'true'}"]
    for flag, bound in (("--since", since), ("--until", until)):
        if bound is not None:
            selection.append(f"{flag}={bound.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC")
    return _journalctl(lines, selection, unit, facilities)


def journalctl_newest_argv(*, unit: str | None, facilities: tuple[int, ...]) -> Argv:
    """journalctl's newest entry of the unit/facilities searched, no window: where the journal ends."""
    return _journalctl(1, [], unit, facilities)
