"""Helpers a generator uses to lay out a host's files: accounts, SSH public keys, modes and owners."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import struct
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Account:
    """A user the scenario adds to the host."""

    name: str
    uid: int
    home: str
    shell: str = "/bin/bash"
    gecos: str = ""


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def fake_ed25519_public(rng: random.Random, comment: str) -> tuple[str, str]:
    """A deterministic `ssh-ed25519 AAAA... comment` line and its SHA256 fingerprint (no private half)."""
    blob = _ssh_string(b"ssh-ed25519") + _ssh_string(rng.randbytes(32))
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {comment}", f"SHA256:{digest}"


def public_key_fingerprint(line: str) -> str:
    """SHA256:... fingerprint of an `ssh-TYPE BASE64 [comment]` public key line."""
    blob = base64.b64decode(line.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _table_without(path: Path, names: set[str]) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    return [line for line in lines if line and line.split(":", 1)[0] not in names]


def merged_accounts(accounts: list[Account], passwd: Path = Path("/etc/passwd")) -> list[Account]:
    """The accounts with uids moved past any taken by the machine's own users."""
    kept = _table_without(passwd, {a.name for a in accounts})
    taken = {int(line.split(":")[2]) for line in kept if line.count(":") >= 6}
    out: list[Account] = []
    for account in accounts:
        uid = account.uid
        while uid in taken:
            uid += 1
        taken.add(uid)
        out.append(Account(account.name, uid, account.home, account.shell, account.gecos))
    return out


def write_accounts(etc: Path, accounts: list[Account]) -> None:
    """Write etc/passwd and etc/group: the machine's entries plus the scenario's users (own groups)."""
    names = {a.name for a in accounts}
    passwd = _table_without(Path("/etc/passwd"), names)
    passwd += [f"{a.name}:x:{a.uid}:{a.uid}:{a.gecos}:{a.home}:{a.shell}" for a in accounts]
    group = _table_without(Path("/etc/group"), names)
    group += [f"{a.name}:x:{a.uid}:" for a in accounts]
    put(etc / "passwd", "\n".join(passwd) + "\n", 0o644)
    put(etc / "group", "\n".join(group) + "\n", 0o644)


def put(path: Path, content: str | bytes, mode: int = 0o644, owner: int = 0) -> Path:
    """Write a file (parents created), set its mode and owner."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    path.chmod(mode)
    os.chown(path, owner, owner)
    return path


def directory(path: Path, mode: int = 0o755, owner: int = 0) -> Path:
    """Create a directory (parents too) with this mode and owner."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(mode)
    os.chown(path, owner, owner)
    return path


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
