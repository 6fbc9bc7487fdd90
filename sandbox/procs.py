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


def tree_cpu_s(roots: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes and every process below them.

    A live process counts its own time and that of the children it has reaped (`cutime`/`cstime`), so
    commands that ran and exited are included; a child that exits and is reaped between two reads of
    /proc may be missed or counted twice once (a few ms at most). Precision is the clock tick (10 ms).
    """
    parent: dict[int, int] = {}
    used: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="utf-8")
        except OSError:
            continue  # exited while we looked
        fields = stat[stat.rindex(")") + 2 :].split()
        pid = int(entry.name)
        parent[pid] = int(fields[1])
        used[pid] = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    children: dict[int, list[int]] = {}
    for pid, ppid in parent.items():
        children.setdefault(ppid, []).append(pid)
    ticks, todo = 0, [pid for pid in roots if pid in used]
    while todo:
        pid = todo.pop()
        ticks += used[pid]
        todo.extend(children.get(pid, []))
    return ticks / os.sysconf("SC_CLK_TCK")
