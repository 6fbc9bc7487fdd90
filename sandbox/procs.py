"""Process helpers of the launcher: identity by (pid, start time), children, killing a namespace."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path


def start_time(pid: int) -> int | None:
    """Start time of a process in clock ticks since boot, or None when it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    # The comm field may hold spaces and parentheses: split after its closing parenthesis.
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":
        return None
    return int(fields[19])


def is_running(pid: int, started: int) -> bool:
    """True when this pid is still the process that started at `started`."""
    return start_time(pid) == started


def child_of(parent: int, timeout_s: float = 5.0) -> int | None:
    """The first child of `parent` (unshare's forked namespace init), waiting for it to appear."""
    deadline = time.monotonic() + timeout_s
    children = Path(f"/proc/{parent}/task/{parent}/children")
    while time.monotonic() < deadline:
        try:
            found = children.read_text(encoding="utf-8").split()
        except OSError:
            return None
        if found:
            return int(found[0])
        time.sleep(0.01)
    return None


def kill_and_wait(pid: int, started: int, timeout_s: float = 5.0) -> bool:
    """SIGKILL the process if it is still the same one; wait until it is gone. False on timeout."""
    if is_running(pid, started):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return True
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        reap(pid)
        if not is_running(pid, started):
            return True
        time.sleep(0.01)
    return False


def reap(pid: int) -> None:
    """Collect a zombie if it is our own child (a test that ran `up` in-process)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
