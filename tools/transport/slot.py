"""The one SSH connection of a host: opened at most once at a time, shared by threads, reopened when dead.

Fan-out runs commands on many hosts from worker threads, and two of them may ask for the same host at the
same moment: the second waits for the first one's attempt (in slices of its deadline) and gets its
connection or its error, so a dead host costs its connect budget once, not once per caller.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import paramiko

from tools.errors import CallCancelledError, HandshakeTimeoutError
from tools.inventory import HostEntry
from tools.transport.connect import Connection, KeyUnlock, open_connection
from tools.transport.deadline import Deadline
from tools.transport.known_hosts import NewKeyTrust


@dataclass
class _Opening:
    """One connection attempt in flight; threads asking for the host meanwhile wait for it."""

    done: threading.Event = field(default_factory=threading.Event)
    error: Exception | None = None


class ConnectionSlot:
    """Holds a host's connection; every method is safe to call from any thread."""

    def __init__(
        self,
        name: str,
        entry: HostEntry,
        *,
        trust_new_host_keys: NewKeyTrust,
        unlock_key: KeyUnlock | None,
        cancel: threading.Event | None,
    ) -> None:
        self._name = name
        self._entry = entry
        self._trust = trust_new_host_keys
        self._unlock = unlock_key
        self._cancel = cancel
        self._lock = threading.Lock()
        self._connection: Connection | None = None
        self._opening: _Opening | None = None
        self.trusted_new_key: str | None = None
        """Fingerprint of a host key pinned because new keys were trusted."""
        self.connections_opened = 0
        """How many SSH connections were opened (1 unless one died and was reopened)."""

    @property
    def current(self) -> Connection | None:
        """The connection now held (live or not), if any."""
        return self._connection

    def transport(self) -> paramiko.Transport | None:
        """The paramiko transport of the connection now held."""
        connection = self._connection
        return connection.client.get_transport() if connection else None

    def _live(self) -> bool:
        live = self.transport()
        return live is not None and live.is_active()

    def connect(self, deadline: Deadline | None = None) -> None:
        """Make sure a live connection is held: reuse it, wait for the attempt in flight, or open one."""
        while True:
            with self._lock:
                if self._live():
                    return
                attempt = self._opening
                mine = attempt is None
                if attempt is None:
                    if self._connection is not None:
                        self._connection.client.close()
                        self._connection = None
                    attempt = self._opening = _Opening()
            if mine:
                self._open(attempt, deadline)
                return
            wait = deadline or Deadline(self._entry.connect_timeout_s + 1.0, cancel=self._cancel)
            if not wait.wait(attempt.done, f"host {self._name}: waiting for the connection being opened"):
                raise HandshakeTimeoutError(
                    f"host {self._name}: the connection another call is opening was not ready within "
                    f"{wait.budget_s:g}s",
                    phase="connect",
                )
            if attempt.error is not None:
                raise attempt.error

    def _open(self, attempt: _Opening, deadline: Deadline | None) -> None:
        try:
            connection = open_connection(
                self._name,
                self._entry,
                trust_new_host_keys=self._trust,
                unlock_key=self._unlock,
                deadline=deadline,
                cancel=self._cancel,
            )
        except BaseException as exc:
            attempt.error = (
                exc
                if isinstance(exc, Exception)
                else CallCancelledError(f"connecting to host {self._name} was interrupted")
            )
            with self._lock:
                self._opening = None
            attempt.done.set()
            raise
        with self._lock:
            self._connection = connection
            self._opening = None
            self.connections_opened += 1
            if connection.trusted_new_key:
                self.trusted_new_key = connection.trusted_new_key
        attempt.done.set()

    def drop(self, dead: paramiko.Transport | None) -> None:
        """Close the connection if it is still `dead` (another thread may have replaced it already)."""
        with self._lock:
            current = self._connection
            if current is not None and current.client.get_transport() is dead:
                current.client.close()
                self._connection = None

    def close(self) -> None:
        """Close the connection held (a later connect opens a new one)."""
        with self._lock:
            if self._connection is not None:
                self._connection.client.close()
                self._connection = None
