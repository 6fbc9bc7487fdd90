"""The SSH handshake under one deadline: TCP connect, the banner, the key exchange, each in short slices.

paramiko alone cannot do this: `SSHClient.connect` gives each step its own timeout, reads the banner a
byte at a time with a per-read timeout (a trickling host never trips it), returns from a key exchange
that timed out as if it had worked ("No existing session" follows), and its transport thread logs every
failure with a traceback. So we open the socket ourselves, wait for a whole banner line by peeking (the
bytes stay for paramiko to read), and hand paramiko a Transport whose `start_client` waits in slices of
the call's deadline and gives the authentication what is left of it.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import socket
import threading
import time
from typing import Any

import paramiko

from tools.errors import ConnectionLostError, HandshakeTimeoutError, HostUnreachableError, NotSSHError
from tools.inventory import HostEntry
from tools.transport.deadline import Deadline

_BANNER_PEEK = 8192
"""Bytes looked at for the `SSH-` line; more than this without one is not SSH."""
_QUIET_S = 2.0
"""How long a host that sent something other than a banner may stay silent before it is judged not SSH
(RFC 4253 allows other lines before the banner; paramiko too waits 2 s for each)."""
_SHOWN = 60
"""Bytes of a non-SSH answer quoted (as a bytes literal: escapes keep it inert) in the message."""
_REFUSED = frozenset({errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH})


def quiet_paramiko() -> None:
    """Keep paramiko's loggers off the terminal: its transport thread logs tracebacks (banner errors, EOF).

    What paramiko would have said reaches the user as the message of the typed error instead.
    """
    logger = logging.getLogger("paramiko")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
    logger.propagate = False


def detail(exc: BaseException) -> str:
    """What an exception says, never empty (an EOFError says nothing by itself)."""
    if isinstance(exc, EOFError) and not str(exc).strip():
        return "the host closed the connection"
    return str(exc).strip() or type(exc).__name__


def tcp_connect(entry: HostEntry, where: str, deadline: Deadline) -> socket.socket:
    """A connected TCP socket to the host, or HostUnreachableError (refused, no route, no answer in time)."""
    try:
        infos = socket.getaddrinfo(entry.address, entry.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise HostUnreachableError(f"{where}: cannot resolve the address ({exc.strerror})") from None
    refused: OSError | None = None
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        try:
            _connect_in_slices(sock, address, where, deadline)
        except OSError as exc:
            sock.close()
            if exc.errno in _REFUSED:
                refused = exc
                continue
            raise HostUnreachableError(f"{where} is unreachable: {exc.strerror or exc}") from None
        except BaseException:
            sock.close()
            raise
        return sock
    if refused is not None and refused.errno == errno.ECONNREFUSED:
        raise HostUnreachableError(f"{where} refused the connection: is sshd running on that port?")
    reason = refused.strerror if refused is not None else "no address"
    raise HostUnreachableError(f"{where} is unreachable: {reason}")


def _connect_in_slices(sock: socket.socket, address: Any, where: str, deadline: Deadline) -> None:
    sock.setblocking(False)
    code = sock.connect_ex(address)
    if code not in (0, errno.EINPROGRESS):
        raise OSError(code, os.strerror(code))
    while code == errno.EINPROGRESS:
        step = deadline.slice(f"connecting to {where}")
        if step <= 0:
            raise HandshakeTimeoutError(
                f"{where} did not accept a TCP connection within {deadline.budget_s:g}s: "
                "check address, port, firewall",
                phase="TCP connect",
            )
        _, writable, _ = select.select([], [sock], [], step)
        if writable:
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                raise OSError(code, os.strerror(code))


def _has_banner(data: bytes) -> bool:
    lines = data.split(b"\n")[:-1]  # whole lines only: the last piece has no newline yet
    return any(line.startswith(b"SSH-") for line in lines)


def _starts_banner(data: bytes) -> bool:
    """Whether the bytes so far may still become an SSH banner (its line started, or its first bytes)."""
    last = data.rsplit(b"\n", 1)[-1]
    if last:
        return last.startswith(b"SSH-") or b"SSH-".startswith(last)
    return b"\n" not in data  # nothing yet; after whole lines that were not the banner: no


def await_banner(sock: socket.socket, where: str, deadline: Deadline) -> None:
    """Wait until a whole `SSH-` line has arrived (left unread for paramiko), or raise what happened."""
    seen = b""
    grew = time.monotonic()
    while True:
        step = deadline.slice(f"waiting for the SSH banner of {where}")
        if step <= 0:
            if seen and not _starts_banner(seen):
                raise _not_ssh(where, seen)
            got = f" (only {len(seen)} bytes of it)" if seen else ""
            raise HandshakeTimeoutError(
                f"{where} accepted the TCP connection but sent no SSH banner{got} within "
                f"{deadline.budget_s:g}s: the host or something in front of it is not answering",
                phase="SSH banner",
            )
        readable, _, _ = select.select([sock], [], [], step)
        if not readable:
            if seen and not _starts_banner(seen) and time.monotonic() - grew >= _QUIET_S:
                raise _not_ssh(where, seen)
            continue
        try:
            data = sock.recv(_BANNER_PEEK, socket.MSG_PEEK)
        except OSError as exc:
            raise ConnectionLostError(
                f"{where} dropped the connection before sending an SSH banner: {exc.strerror or exc}",
                phase="SSH banner",
            ) from None
        if _has_banner(data):
            return
        if not data:
            if seen:
                raise _not_ssh(where, seen)
            raise NotSSHError(f"{where} closed the connection without sending an SSH banner")
        if len(data) >= _BANNER_PEEK:
            raise _not_ssh(where, data)
        if len(data) > len(seen):
            seen, grew = data, time.monotonic()
        else:
            # Readable but nothing new: the peer closed after its bytes. Wait out the quiet time.
            if time.monotonic() - grew >= _QUIET_S:
                if _starts_banner(seen):
                    raise NotSSHError(f"{where} closed the connection in the middle of its SSH banner")
                raise _not_ssh(where, seen)
            time.sleep(step)


def _not_ssh(where: str, seen: bytes) -> NotSSHError:
    more = "…" if len(seen) > _SHOWN else ""
    return NotSSHError(
        f"{where} is not an SSH server: it sent {seen[:_SHOWN]!r}{more} instead of an SSH banner"
    )


class DeadlineTransport(paramiko.Transport):
    """A paramiko Transport whose key exchange waits in slices of one deadline, then hands auth the rest."""

    def __init__(self, sock: socket.socket, *, deadline: Deadline, where: str, **kwargs: Any) -> None:
        super().__init__(sock, **kwargs)
        self._deadline = deadline
        self._where = where

    def start_client(self, event: threading.Event | None = None, timeout: float | None = None) -> None:
        """Negotiate keys before the deadline; raise a typed error naming what happened otherwise."""
        done = threading.Event()
        self.banner_timeout = max(self._deadline.remaining(), 0.001)
        super().start_client(event=done)
        try:
            finished = self._deadline.wait(done, f"SSH key exchange with {self._where}")
        except BaseException:
            self.close()
            raise
        if not self.is_active():
            failure = self.get_exception()
            reason = detail(failure) if failure is not None else "the key exchange failed"
            if failure is None or isinstance(failure, EOFError | OSError) or "EOF" in reason:
                said = "" if failure is None or not str(failure).strip() else f": {reason}"
                raise ConnectionLostError(
                    f"{self._where} closed the connection during the SSH key exchange{said}",
                    phase="key exchange",
                )
            raise HostUnreachableError(f"SSH key exchange with {self._where} failed: {reason}")
        if not finished:
            self.close()
            raise HandshakeTimeoutError(
                f"{self._where} sent its SSH banner but did not finish the key exchange within "
                f"{self._deadline.budget_s:g}s: the host stopped answering",
                phase="key exchange",
            )
        # Authentication runs inside paramiko with a plain timeout: give it what is left, no more.
        self.auth_timeout = max(self._deadline.remaining(), 0.001)
