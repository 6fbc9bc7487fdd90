"""Host-key pinning: fingerprints, the known_hosts file, and the policy for a key seen the first time.

Never paramiko's AutoAddPolicy: an unknown key is refused with its fingerprint, unless the
responder passed --trust-new-host-key or confirms that very key when asked (a decision function,
e.g. a prompt in the TUI), in which case it is appended to the host's known_hosts file and
reported. A key that differs from a pinned one is always refused (paramiko raises
BadHostKeyException, translated by the connector into HostKeyMismatchError).
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

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


_FILE_LOCK = threading.Lock()
"""Serialises reading and appending known_hosts files: pool workers connect to many hosts at once, and
several hosts may share one file (the default one); a read must never see half an appended line."""


_PARSED: dict[Path, tuple[bytes, paramiko.HostKeys]] = {}
"""The last parse of each known_hosts file and the exact bytes it was parsed from (under _FILE_LOCK).

paramiko's parse costs ~3 ms for a 32-line file (its duplicate check builds a class per line) and ran under
_FILE_LOCK, so a 32-host fan-out sharing one file spent ~0.1 s of CPU, one host after another, re-reading
the same bytes. The file is still read on every connect: a parse is reused only for identical bytes, so an
edited, appended or replaced file is parsed again and pins exactly what it says now."""


def load_pinned(client: paramiko.SSHClient, path: Path) -> None:
    """Load the pinned keys of `path` into the client (a missing file pins nothing)."""
    try:
        with _FILE_LOCK:
            if not path.exists():
                return
            parsed = _parse(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(f"known_hosts file {path} cannot be read: {exc}") from exc
    # What `client.load_host_keys` leaves on a new client, without parsing again: the same entries, in a
    # list of the client's own (paramiko has no public call to hand a client keys it already parsed).
    keys = cast(Any, client.get_host_keys())
    keys._entries = list(cast(Any, parsed)._entries)


def _parse(path: Path) -> paramiko.HostKeys:
    """`path` parsed by paramiko, or the last parse when the file holds the same bytes (hold _FILE_LOCK)."""
    content = path.read_bytes()
    cached = _PARSED.get(path)
    if cached is not None and cached[0] == content:
        return cached[1]
    parsed = paramiko.HostKeys(str(path))
    if path.read_bytes() == content:  # no other process wrote it meanwhile: the parse is of these bytes
        _PARSED[path] = (content, parsed)
    return parsed


@dataclass(frozen=True)
class NewHostKey:
    """A key offered by a host that has none pinned: what a human compares before trusting it."""

    host: str
    """The inventory host name."""
    known_hosts_name: str
    """The name the key is pinned under (`addr` or `[addr]:port`)."""
    key_type: str
    """The key's algorithm (ssh-ed25519, ecdsa-sha2-nistp256, ...)."""
    fingerprint: str
    """SHA256 fingerprint, as `ssh-keygen -lf` prints it."""
    known_hosts: Path
    """The file it would be pinned in."""


NewKeyTrust = bool | Callable[[NewHostKey], bool]
"""Whether to pin a key seen for the first time: never (False), always (True, --trust-new-host-key),
or as a decision function answers for that very key (it may ask a human; it must not return True
without a decision on record)."""


class PinningPolicy(paramiko.MissingHostKeyPolicy):
    """Refuse a host key that is not pinned, or pin it when trusted (by flag, or by a decision on it)."""

    def __init__(self, *, host: str, path: Path, trust_new: NewKeyTrust) -> None:
        self.host = host
        self.path = path
        self.trust_new = trust_new
        self.trusted: str | None = None

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        """Called by paramiko when no key is pinned for `hostname`: raise, or append and record."""
        seen = fingerprint(key)
        offered = NewHostKey(self.host, hostname, key.get_name(), seen, self.path)
        asked = callable(self.trust_new)
        if not (self.trust_new(offered) if callable(self.trust_new) else self.trust_new):
            then = (
                "not pinned: refused when asked, or no one could be asked (--trust-new-host-key pins it)"
                if asked
                else "rerun with --trust-new-host-key to pin it"
            )
            raise HostKeyUnknownError(
                f"host {self.host} ({hostname}) offered a {key.get_name()} key {seen} that is not "
                f"pinned in {self.path}. Check it against the host's own fingerprint "
                f"(ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub, read over a channel you trust); {then}.",
                fingerprint=seen,
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = f"{hostname} {key.get_name()} {key.get_base64()}\n"
        with _FILE_LOCK:
            if self.path.exists() and not self.path.read_bytes().endswith(b"\n") and self.path.stat().st_size:
                line = "\n" + line
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="ascii") as handle:
                handle.write(line)
        self.trusted = seen
