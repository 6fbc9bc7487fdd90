"""Host-key pinning: fingerprints, the known_hosts file, and the policy for a key seen the first time.

Never paramiko's AutoAddPolicy: an unknown key is refused with its fingerprint, unless the
responder passed --trust-new-host-key, in which case it is appended to the host's known_hosts
file and reported. A key that differs from a pinned one is always refused (paramiko raises
BadHostKeyException, translated by the connector into HostKeyMismatchError).
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import paramiko

from tools.errors import HostKeyUnknownError, InventoryError
from tools.settings import data_dir


def fingerprint(key: paramiko.PKey) -> str:
    """The key's SHA256 fingerprint as `ssh-keygen -l` prints it (`SHA256:` + unpadded base64)."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def default_known_hosts() -> Path:
    """Where keys are pinned for hosts whose inventory entry names no known_hosts file."""
    return data_dir() / "known_hosts"


def known_hosts_name(address: str, port: int) -> str:
    """The name a known_hosts line uses for an address and port (`[addr]:port` unless port 22)."""
    return address if port == 22 else f"[{address}]:{port}"


def load_pinned(client: paramiko.SSHClient, path: Path) -> None:
    """Load the pinned keys of `path` into the client (a missing file pins nothing)."""
    if not path.exists():
        return
    try:
        client.load_host_keys(str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(f"known_hosts file {path} cannot be read: {exc}") from exc


class PinningPolicy(paramiko.MissingHostKeyPolicy):
    """Refuse a host key that is not pinned, or pin it when the responder said to trust new keys."""

    def __init__(self, *, host: str, path: Path, trust_new: bool) -> None:
        self.host = host
        self.path = path
        self.trust_new = trust_new
        self.trusted: str | None = None

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        """Called by paramiko when no key is pinned for `hostname`: raise, or append and record."""
        seen = fingerprint(key)
        if not self.trust_new:
            raise HostKeyUnknownError(
                f"host {self.host} ({hostname}) offered a {key.get_name()} key {seen} that is not "
                f"pinned in {self.path}. Check it against the host's own fingerprint "
                "(ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub, read over a channel you trust), then "
                "rerun with --trust-new-host-key to pin it.",
                fingerprint=seen,
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = f"{hostname} {key.get_name()} {key.get_base64()}\n"
        if self.path.exists() and not self.path.read_bytes().endswith(b"\n") and self.path.stat().st_size:
            line = "\n" + line
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="ascii") as handle:
            handle.write(line)
        self.trusted = seen
