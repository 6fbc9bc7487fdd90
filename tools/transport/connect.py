"""Open one pinned, authenticated paramiko connection before a deadline, every failure a typed error."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import paramiko

from tools.errors import (
    AuthFailedError,
    ConnectionLostError,
    HandshakeTimeoutError,
    HostKeyMismatchError,
    HostUnreachableError,
    InventoryError,
)
from tools.inventory import HostEntry
from tools.transport.deadline import Deadline
from tools.transport.handshake import DeadlineTransport, await_banner, detail, quiet_paramiko, tcp_connect
from tools.transport.known_hosts import (
    NewKeyTrust,
    PinningPolicy,
    default_known_hosts,
    fingerprint,
    load_pinned,
)


@dataclass(frozen=True)
class Connection:
    """A live SSH connection and what was verified while opening it."""

    client: paramiko.SSHClient
    fingerprint: str
    trusted_new_key: str | None


KeyUnlock = Callable[[str, Path, int], str | None]
"""Gives the passphrase of an encrypted private key: called with the host, the key file and the attempt
(1, 2, 3: a later attempt means the previous passphrase was wrong); None gives up. The passphrase is
used to decrypt the key in memory and is never logged or put in an error."""

UNLOCK_ATTEMPTS = 3


def _load_key(name: str, entry: HostEntry, unlock: KeyUnlock | None) -> paramiko.PKey | None:
    if entry.key_file is None:
        return None
    try:
        return paramiko.PKey.from_path(entry.key_file)
    except (paramiko.PasswordRequiredException, TypeError) as exc:
        # paramiko 3.2+ lets cryptography's TypeError ("Key is password-protected") through.
        if isinstance(exc, TypeError) and "password" not in str(exc).lower():
            raise InventoryError(
                f"key file {entry.key_file} of host {name} is not a private key paramiko can read: {exc}"
            ) from None
        if unlock is None:
            raise AuthFailedError(
                f"key file {entry.key_file} of host {name} is encrypted and no passphrase can be asked "
                "for here: load it into an ssh-agent and set use_agent: true, or use an unencrypted key"
            ) from None
        return _unlock_key(name, Path(entry.key_file), unlock)
    except OSError as exc:
        raise InventoryError(
            f"key file {entry.key_file} of host {name} cannot be read: {exc.strerror}"
        ) from None
    except (paramiko.SSHException, ValueError) as exc:
        raise InventoryError(
            f"key file {entry.key_file} of host {name} is not a private key paramiko can read: {exc}"
        ) from None


def _unlock_key(name: str, path: Path, unlock: KeyUnlock) -> paramiko.PKey:
    """Decrypt an encrypted key with passphrases from `unlock` (a wrong one is asked again, up to 3 times)."""
    for attempt in range(1, UNLOCK_ATTEMPTS + 1):
        passphrase = unlock(name, path, attempt)
        if passphrase is None:
            raise AuthFailedError(f"key file {path} of host {name} is encrypted and no passphrase was given")
        try:
            # paramiko annotates the passphrase as str, but its cryptography backend only takes bytes.
            return paramiko.PKey.from_path(path, passphrase.encode("utf-8"))  # type: ignore[arg-type]
        except (ValueError, paramiko.SSHException):  # a wrong passphrase (the messages vary by key format)
            continue
    raise AuthFailedError(f"key file {path} of host {name}: wrong passphrase {UNLOCK_ATTEMPTS} times")


def open_connection(
    name: str,
    entry: HostEntry,
    *,
    trust_new_host_keys: NewKeyTrust,
    unlock_key: KeyUnlock | None = None,
    deadline: Deadline | None = None,
    cancel: threading.Event | None = None,
) -> Connection:
    """Connect to one inventory host with its pinned key and configured credentials, before one deadline.

    One budget, the host's connect_timeout_s (counted once the key is loaded, so a passphrase prompt does
    not eat it; never past `deadline`, the whole call's), covers TCP connect, banner, key exchange and
    authentication together. `cancel`, when set, stops it at the next slice (CallCancelledError).
    """
    if entry.key_file is None and not entry.use_agent and not entry.look_for_keys:
        raise InventoryError(f"host {name} has no credentials: set key_file, use_agent or look_for_keys")
    quiet_paramiko()
    where = f"{entry.user}@{entry.address}:{entry.port} (host {name})"
    known = Path(entry.known_hosts) if entry.known_hosts else default_known_hosts()
    pkey = _load_key(name, entry, unlock_key)
    if deadline is None:
        deadline = Deadline(entry.connect_timeout_s, cancel=cancel)
    else:
        deadline = deadline.within(entry.connect_timeout_s)
    client = paramiko.SSHClient()
    load_pinned(client, known)
    policy = PinningPolicy(host=name, path=known, trust_new=trust_new_host_keys)
    client.set_missing_host_key_policy(policy)
    sock = tcp_connect(entry, where, deadline)
    try:
        await_banner(sock, where, deadline)
        left = max(deadline.remaining(), 0.001)
        client.connect(
            entry.address,
            port=entry.port,
            username=entry.user,
            pkey=pkey,
            allow_agent=entry.use_agent,
            look_for_keys=entry.look_for_keys,
            sock=sock,
            timeout=left,
            banner_timeout=left,
            auth_timeout=left,
            channel_timeout=left,
            transport_factory=partial(DeadlineTransport, deadline=deadline, where=where),
        )
    except BaseException as exc:
        client.close()
        sock.close()
        translated = _translate(exc, where, known, deadline)
        if translated is exc:
            raise
        raise translated from exc
    transport = client.get_transport()
    if transport is None or not transport.is_active():
        client.close()
        raise ConnectionLostError(
            f"{where} closed the connection right after authentication", phase="authentication"
        )
    if entry.keepalive_s:
        transport.set_keepalive(entry.keepalive_s)
    _no_delay(transport)
    return Connection(client, fingerprint(transport.get_remote_server_key()), policy.trusted)


def _no_delay(transport: paramiko.Transport) -> None:
    # Without TCP_NODELAY, Nagle + delayed ACK add ~40 ms to each small request (open_session).
    sock = transport.sock
    if isinstance(sock, socket.socket) and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _translate(exc: BaseException, where: str, known: Path, deadline: Deadline) -> BaseException:
    """Map a paramiko/socket failure to the typed error a responder can act on (ours pass through)."""
    if isinstance(exc, paramiko.BadHostKeyException):
        return HostKeyMismatchError(
            f"host key of {where} CHANGED: it offered {fingerprint(exc.key)} but {known} pins "
            f"{fingerprint(exc.expected_key)}. This may be an interception. If the host was really "
            f"reinstalled, verify its new key and replace its line in {known}.",
            fingerprint=fingerprint(exc.key),
            expected=fingerprint(exc.expected_key),
        )
    if isinstance(exc, paramiko.PasswordRequiredException):
        return AuthFailedError(f"{where}: a private key is encrypted and no passphrase is configured")
    if isinstance(exc, paramiko.AuthenticationException):
        if str(exc) == "Authentication timeout.":  # paramiko's words for its auth_timeout (what was left)
            return HandshakeTimeoutError(
                f"{where}: authentication did not finish within {deadline.budget_s:g}s (the host stopped "
                "answering; our credentials were neither accepted nor refused)",
                phase="authentication",
            )
        if "transport shut down or saw EOF" in str(exc):
            return ConnectionLostError(
                f"{where} closed the connection during authentication", phase="authentication"
            )
        return AuthFailedError(
            f"{where} refused our credentials: check the inventory's user and key_file, and that the "
            "public key is in that user's authorized_keys on the host"
        )
    if isinstance(exc, TimeoutError):
        return HandshakeTimeoutError(
            f"{where} did not answer within {deadline.budget_s:g}s: check address, port, firewall",
            phase="handshake",
        )
    if isinstance(exc, EOFError):
        return ConnectionLostError(
            f"{where} closed the connection during the SSH handshake", phase="handshake"
        )
    if isinstance(exc, paramiko.SSHException):
        return HostUnreachableError(f"SSH handshake with {where} failed: {detail(exc)}")
    if isinstance(exc, OSError):
        return HostUnreachableError(f"{where} is unreachable: {exc.strerror or detail(exc)}")
    return exc
