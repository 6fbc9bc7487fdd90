"""Shared helpers for transport tests and the SSH benchmark: a quiet-shell sshd and an inventory file."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

import yaml

from sandbox.sshd import SSHD, SshdProcess, start_sshd

NEEDS_SSHD_REASONS: tuple[tuple[bool, str], ...] = (
    (os.geteuid() != 0, "sshd needs root (privilege separation, /run/sshd)"),
    (not SSHD.is_file(), f"{SSHD} missing: install Debian's openssh-server"),
)


def quiet_shell_wrap(user: str = "root") -> tuple[str, ...]:
    """An sshd wrapper that hides the login user's ~/.bashrc in a private mount namespace.

    bash sources ~/.bashrc for commands run by sshd; a developer's rc (pyenv init, ...) can add
    150 ms to every command. The transport cannot avoid that on a real host, but tests and the
    benchmark should measure Sleuth, not the dotfiles of the machine they run on.
    """
    rc = Path(pwd.getpwnam(user).pw_dir) / ".bashrc"
    if not rc.is_file() or shutil.which("unshare") is None:
        return ()
    script = 'mount --bind /dev/null "$1" && shift && exec "$@"'
    return ("unshare", "--mount", "--", "sh", "-c", script, "sh", str(rc))


def start_quiet_sshd(directory: Path) -> SshdProcess:
    """start_sshd with the quiet-shell wrapper."""
    return start_sshd(directory, wrap=quiet_shell_wrap())


def write_inventory(
    path: Path,
    sshd: SshdProcess,
    *,
    name: str = "box",
    groups: tuple[str, ...] = ("web",),
    **overrides: object,
) -> Path:
    """Write an inventory YAML with one host pointing at `sshd` (fields overridable)."""
    entry: dict[str, object] = {
        "address": "127.0.0.1",
        "port": sshd.port,
        "user": "root",
        "key_file": str(sshd.keys.client_key),
        "known_hosts": str(sshd.known_hosts),
        "groups": list(groups),
        "connect_timeout_s": 5,
    }
    entry.update({k: (str(v) if isinstance(v, Path) else v) for k, v in overrides.items()})
    path.write_text(yaml.safe_dump({"hosts": {name: entry}}), encoding="utf-8")
    return path


def ssh_keygen(path: Path, key_type: str = "ed25519", passphrase: str = "") -> Path:
    """Generate a key pair with ssh-keygen (private key at `path`)."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", key_type, "-N", passphrase, "-C", "test", "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path


def descendants(pid: int) -> list[int]:
    """Pids of every process below `pid` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def processes_mentioning(marker: str) -> list[int]:
    """Pids whose command line contains `marker`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found
