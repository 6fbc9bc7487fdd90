"""Init of one sandbox host (PID 1 of its namespaces): mount the tree, start the processes, exec sshd.

Runs as `python -I nsinit.py SPEC.json` under `unshare`; standard library only, because the
mounts it makes can hide the folder the sleuth package lives in.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

WAIT_S = 5.0


def _run(argv: list[str]) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"nsinit: {' '.join(argv)} failed: {done.stderr.strip()}")


def mount_all(mounts: list[dict[str, object]]) -> None:
    """Lay each tree folder over its path (bind, or read-only overlay)."""
    # Every source is opened first and named through /proc: once /root, /home or /tmp is
    # covered, a state folder below it would be out of reach by its path.
    fds = [os.open(str(mount["source"]), os.O_PATH) for mount in mounts]
    for mount, fd in zip(mounts, fds, strict=True):
        source, target = f"/proc/{os.getpid()}/fd/{fd}", str(mount["target"])
        if mount["kind"] == "overlay":
            _run(["mount", "-t", "overlay", "overlay", "-o", f"lowerdir={source}:{target}", target])
        else:
            _run(["mount", "--bind", source, target])
            if mount["readonly"]:
                _run(["mount", "-o", "remount,bind,ro", target])
    for fd in fds:
        os.close(fd)


def _listening(port: int) -> bool:
    # Read the table rather than connect: a test connection would stay open in the pool's hands.
    for row in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = row.split()
        if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:
            return True
    return False


def _connected(pid: int, port: int) -> bool:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    for row in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = row.split()
        if fields[3] == "01" and int(fields[2].split(":")[1], 16) == port and fields[9] in inodes:
            return True
    return False


def _wait(what: str, check: object) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if callable(check) and check():
            return
        time.sleep(0.02)
    raise SystemExit(f"nsinit: timed out waiting for {what}")


def start(proc: dict[str, object]) -> int:
    """Start one process as the spec says; wait until it listens or is connected; return its pid."""
    stdin_path = proc["stdin"]
    stdin = open(str(stdin_path), "rb") if stdin_path else subprocess.DEVNULL  # noqa: SIM115, PTH123
    argv = [str(a) for a in proc["argv"]]  # type: ignore[attr-defined]
    child = subprocess.Popen(
        argv,
        executable=str(proc["exe"]),
        stdin=stdin,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=str(proc["cwd"]),
        user=int(str(proc["uid"])) if proc["uid"] else None,
        env={"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"},
    )
    if stdin is not subprocess.DEVNULL:
        stdin.close()  # type: ignore[union-attr]
    if proc["delete_exe"]:
        exe = Path(str(proc["exe"]))
        # The scenario deleted it back then: the directory keeps the time the scenario gave it.
        before = exe.parent.stat()
        exe.unlink()
        os.utime(exe.parent, ns=(before.st_atime_ns, before.st_mtime_ns))
    if proc["listen"]:
        port = int(str(proc["listen"]))
        _wait(f"{proc['role']} to listen on {port}", lambda: _listening(port))
    if proc["connect"]:
        port = int(str(proc["connect"]))
        _wait(f"{proc['role']} to connect to {port}", lambda: _connected(child.pid, port))
    return child.pid


def main(spec_path: str) -> None:
    """Mount, start, report pids, become sshd."""
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    # Opened before the mounts: the state folder may sit under a path the tree replaces.
    report = os.open(spec["pids_file"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    socket.sethostname(spec["hostname"])
    mount_all(spec["mounts"])
    pids = {str(proc["role"]): start(proc) for proc in spec["processes"]}
    os.write(report, json.dumps(pids).encode())
    os.close(report)
    sshd = spec["sshd"]
    os.execv(sshd[0], sshd)  # noqa: S606


if __name__ == "__main__":
    main(sys.argv[1])
