"""What every part of the campaign shares: run `sleuth` in its own process group, read what it left.

Only the CLI is driven (tests.support.cli's argv prefix), and a ledger is read as JSON lines, so the
campaign depends on few of the product's import paths.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tests.support.cli import ROOT, SLEUTH

TRACEBACK_MARKERS = ("Traceback", 'File "')
"""What a Python traceback leaves in a stream."""


@dataclass(frozen=True)
class Run:
    """One finished `sleuth` process."""

    argv: tuple[str, ...]
    """The arguments after `sleuth`."""
    returncode: int
    """Exit status (negative: killed by that signal)."""
    stdout: str
    """Its standard output."""
    stderr: str
    """Its standard error (console prompts and error lines)."""
    wall_s: float
    """Seconds from start to exit."""

    @property
    def traceback(self) -> bool:
        """Whether a Python traceback shows in stdout or stderr."""
        return has_traceback(self.stdout) or has_traceback(self.stderr)

    @property
    def first_stderr_line(self) -> str:
        """The first non-empty line of stderr ('' when none)."""
        return first_line(self.stderr)


def has_traceback(text: str) -> bool:
    """Whether `text` holds a Python traceback."""
    return any(marker in text for marker in TRACEBACK_MARKERS)


def first_line(text: str) -> str:
    """The first non-empty line of `text`, stripped ('' when none)."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def child_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment with SLEUTH_HOME=home, without a crash point, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k != "SLEUTH_CRASH_AT"}
    env["SLEUTH_HOME"] = str(home)
    env.update(extra or {})
    return env


def spawn(
    args: Sequence[str],
    home: Path,
    env: Mapping[str, str] | None = None,
    *,
    stdout: IO[str] | int = subprocess.PIPE,
    stderr: IO[str] | int = subprocess.PIPE,
) -> subprocess.Popen[str]:
    """Start `sleuth ARGS` in its own process group (so a kill takes its tools too), stdin a pipe."""
    return subprocess.Popen(
        [*SLEUTH, *args],
        cwd=ROOT,
        env=child_env(home, env),
        stdin=subprocess.PIPE,
        stdout=stdout,
        stderr=stderr,
        text=True,
        start_new_session=True,
    )


def kill_group(child: subprocess.Popen[str]) -> None:
    """SIGKILL the child's whole process group (it may already be gone)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)


def sleuth(
    *args: str,
    home: Path,
    stdin: str = "",
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> Run:
    """Run `sleuth ARGS` to its end (killed past `timeout`, returncode -9 then)."""
    started = time.monotonic()
    child = spawn(args, home, env)
    try:
        out, err = child.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(child)
        out, err = child.communicate()
        err += f"\n[campaign: killed after {timeout:g}s]"
    return Run(tuple(args), child.returncode, out, err, time.monotonic() - started)


def ledger_path(case_dir: Path) -> Path:
    """The case's ledger file."""
    return case_dir / "ledger.jsonl"


def complete_lines(path: Path) -> int:
    """How many whole (newline-ended) lines the file holds; 0 when it does not exist."""
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def read_ledger(case_dir: Path) -> list[dict[str, Any]]:
    """Every whole ledger line, parsed (a torn last line is left out)."""
    raw = ledger_path(case_dir).read_bytes()
    return [json.loads(line) for line in raw.split(b"\n")[:-1] if line.strip()]


def of_kind(entries: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The entries of one kind, in ledger order."""
    return [e for e in entries if e["kind"] == kind]


def only_case(cases: Path) -> Path | None:
    """The one case directory under `cases`, or None when there is none yet."""
    found = [p for p in cases.iterdir() if p.is_dir()] if cases.is_dir() else []
    if len(found) > 1:
        raise RuntimeError(f"expected one case under {cases}, found {[p.name for p in found]}")
    return found[0] if found else None
