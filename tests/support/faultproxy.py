"""A loopback TCP listener in a thread that misbehaves in one chosen way, for transport fault tests.

Kinds:
- `forward`: a faithful proxy to `upstream` (counts bytes and connections).
- `blackhole`: accepts and never sends a byte (reads and drops what the client sends).
- `banner_then_drop`: sends a valid SSH banner, then closes.
- `garbage_banner`: sends an HTTP answer instead of an SSH banner and keeps the socket open.
- `stall_after`: forwards to `upstream` until `after_bytes` server->client bytes went through, then
  forwards nothing more to the client (client->server still flows) and keeps the socket open.
- `trickle`: forwards, but server->client one byte every `interval_s`.
- `drop_mid_command`: forwards, then closes both sockets once the fault is triggered.

A fault triggers when the connection has been armed: at once (`armed=True`, the default), or when the test
calls `arm()` on a faithful connection it already holds (e.g. after authentication), counting then
`after_client_chunks` more client->server chunks (paramiko sends one message per write and waits for the
reply to a channel open before sending exec, so 1 = the channel open, 2 = the exec request) and, for
`stall_after`/`drop_mid_command`, `after_bytes` more server->client bytes (rounded up to a whole chunk).
`after_client_bytes` also waits until the client has sent more than that many bytes in all: a subprocess
cannot be armed from the test, but the bytes paramiko sends up to a given message are the same on every
connection with the same key (measured on a `forward` connection from `client_chunks`).
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal

Kind = Literal[
    "forward", "blackhole", "banner_then_drop", "garbage_banner", "stall_after", "trickle", "drop_mid_command"
]
BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
GARBAGE = b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\r\n\x1b[31mnot ssh\x1b[0m\r\n"


@dataclass
class _Link:
    """The counters of one proxied connection."""

    client: socket.socket
    upstream: socket.socket | None = None
    armed: bool = False
    c2s: int = 0
    s2c: int = 0
    client_chunks_since_arm: int = 0
    client_chunks: list[int] = field(default_factory=list)
    s2c_since_trigger: int = 0
    triggered: bool = False
    closed: threading.Event = field(default_factory=threading.Event)


class FaultProxy:
    """Listens on 127.0.0.1:port (see `.port`) and serves each connection as its `kind` says."""

    def __init__(
        self,
        kind: Kind,
        upstream: int | None = None,
        *,
        after_bytes: int = 0,
        after_client_chunks: int = 0,
        after_client_bytes: int = -1,
        interval_s: float = 0.05,
        armed: bool = True,
    ) -> None:
        self.kind = kind
        self.upstream = upstream
        self.after_bytes = after_bytes
        self.after_client_chunks = after_client_chunks
        self.after_client_bytes = after_client_bytes
        self.interval_s = interval_s
        self._arm_new = armed
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self.accepted = 0
        """How many TCP connections were accepted."""
        self._links: list[_Link] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)

    def __enter__(self) -> FaultProxy:
        self._acceptor.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop accepting, close every connection and wait for the threads."""
        self._stop.set()
        self._acceptor.join(timeout=5)
        self._listener.close()
        with self._lock:
            links = list(self._links)
        for link in links:
            _close(link)
        for thread in list(self._threads):
            thread.join(timeout=5)

    def arm(self) -> None:
        """Arm the fault on every open connection (counting from now) and on the ones accepted later."""
        with self._lock:
            self._arm_new = True
            for link in self._links:
                link.client_chunks_since_arm = 0
                link.armed = True

    def triggered(self) -> bool:
        """Whether the fault has triggered on some connection."""
        with self._lock:
            return any(link.triggered for link in self._links)

    def client_chunks(self) -> list[int]:
        """Sizes of the client->server chunks of the first connection, in order."""
        with self._lock:
            return list(self._links[0].client_chunks) if self._links else []

    def counters(self) -> tuple[int, int]:
        """(client->server, server->client) bytes over every connection so far."""
        with self._lock:
            return sum(x.c2s for x in self._links), sum(x.s2c for x in self._links)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self.accepted += 1
                link = _Link(client, armed=self._arm_new)
                self._links.append(link)
            thread = threading.Thread(target=self._serve, args=(link,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, link: _Link) -> None:
        try:
            if self.kind == "blackhole":
                self._drain(link)
            elif self.kind == "banner_then_drop":
                link.client.sendall(BANNER)
                time.sleep(0.2)  # let the client's banner and KEXINIT arrive, so the close is a clean FIN
            elif self.kind == "garbage_banner":
                link.client.sendall(GARBAGE)
                self._drain(link)
            else:
                assert self.upstream is not None, f"{self.kind} needs an upstream port"
                link.upstream = socket.create_connection(("127.0.0.1", self.upstream))
                link.upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._pump(link)
        except OSError:
            pass
        finally:
            _close(link)

    def _drain(self, link: _Link) -> None:
        """Read and drop what the client sends until it closes or the proxy stops."""
        while not self._stop.is_set():
            readable, _, _ = select.select([link.client], [], [], 0.1)
            if readable and not link.client.recv(65536):
                return

    def _pump(self, link: _Link) -> None:
        assert link.upstream is not None
        pending = b""  # server->client bytes held back (trickle)
        while not self._stop.is_set():
            readable, _, _ = select.select([link.client, link.upstream], [], [], 0.02)
            if link.client in readable:
                data = link.client.recv(65536)
                if not data:
                    return
                link.c2s += len(data)
                link.client_chunks.append(len(data))
                if link.armed:
                    link.client_chunks_since_arm += 1
                link.upstream.sendall(data)
            if self._trigger_due(link) and self.kind == "drop_mid_command" and self.after_bytes <= 0:
                return
            if link.upstream in readable:
                data = link.upstream.recv(65536)
                if not data:
                    return
                if self.kind == "trickle" and link.armed:
                    pending += data
                elif self._stalled(link):
                    continue  # read and drop: the client never sees it
                else:
                    link.client.sendall(data)
                    link.s2c += len(data)
                    if link.triggered:
                        link.s2c_since_trigger += len(data)
                        if self.kind == "drop_mid_command" and link.s2c_since_trigger >= self.after_bytes:
                            return
            if pending:
                link.client.sendall(pending[:1])
                link.s2c += 1
                pending = pending[1:]
                time.sleep(self.interval_s)

    def _trigger_due(self, link: _Link) -> bool:
        if (
            not link.triggered
            and link.armed
            and link.client_chunks_since_arm >= self.after_client_chunks
            and link.c2s > self.after_client_bytes
        ):
            link.triggered = True
        return link.triggered

    def _stalled(self, link: _Link) -> bool:
        if self.kind != "stall_after" or not self._trigger_due(link):
            return False
        return link.s2c_since_trigger >= self.after_bytes


def _close(link: _Link) -> None:
    for sock in (link.client, link.upstream):
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
    link.closed.set()
