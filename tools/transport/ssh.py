"""Run an allowlisted argv on an inventory host over one pooled, host-key-pinned paramiko connection.

The remote side always gets `LC_ALL=C timeout -k 2 SECS prlimit --as=BYTES -- <argv joined by shlex.join>`
(prlimit is util-linux, on every Debian-family host; BYTES is an integer from the transport's own setting,
never from args). SSH can
only carry a command *string*, which the login shell parses; `shlex.join` single-quotes every
argument that is not plainly safe, and inside single quotes a POSIX shell expands nothing, so
the shell sees only literals and hands the program exactly our argv (metacharacters, `$(...)`,
backticks, newlines and non-UTF-8 bytes included). The remote `timeout` stops a command that
runs too long even if the connection drops; the client enforces the timeout too. `prlimit` bounds the
command's address space, so a search of /dev/zero fails of it (CommandMemoryError) instead of growing.
"""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Sequence
from types import TracebackType

import paramiko

from tools import settings
from tools.errors import CommandFailedError, CommandRefusedError, CommandTimeoutError, HostUnreachableError
from tools.inventory import HostEntry, Inventory
from tools.transport.allowlist import check_argv, is_allowlisted_program
from tools.transport.base import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_S, CommandOutput
from tools.transport.channel import read_channel
from tools.transport.connect import Connection, KeyUnlock, open_connection
from tools.transport.known_hosts import NewKeyTrust
from tools.transport.outcome import finish

TIMEOUT_EXITS = frozenset({124, 137})
"""Exit statuses of coreutils `timeout`: 124 after SIGTERM, 137 after the -k SIGKILL."""
KILL_AFTER_S = 2
CLIENT_SLACK_S = KILL_AFTER_S + 3.0
"""How long past the command timeout the client waits for the remote `timeout` before giving up."""


NO_PRLIMIT_EXIT = 127
"""`timeout`'s exit status when it cannot run prlimit (not installed on the host)."""


def remote_command(argv: Sequence[str], timeout_s: float, memory_limit: int) -> bytes:
    """The exact bytes sent as the SSH exec request for an (already checked) argv."""
    bound = f"prlimit --as={int(memory_limit)} --"
    line = f"LC_ALL=C timeout -k {KILL_AFTER_S} {max(timeout_s, 0.001):.3f} {bound} {shlex.join(argv)}"
    return line.encode("utf-8", "surrogateescape")


class SSHTransport:
    """One inventory host reached over SSH; the connection is opened once and reused."""

    def __init__(
        self,
        name: str,
        entry: HostEntry,
        *,
        trust_new_host_keys: NewKeyTrust = False,
        unlock_key: KeyUnlock | None = None,
        pooled: bool = True,
        memory_limit: int | None = None,
    ) -> None:
        self._name = name
        self._memory_limit = memory_limit
        self._pooled = pooled
        self._entry = entry
        self._trust = trust_new_host_keys
        self._unlock = unlock_key
        self._lock = threading.Lock()
        self._connection: Connection | None = None
        self._which: dict[str, bool] = {}
        self.trusted_new_key: str | None = None
        """Fingerprint of a host key this transport pinned because new keys were trusted."""
        self.connections_opened = 0
        """How many SSH connections this transport opened (1 unless one died and was reopened)."""

    @property
    def host(self) -> str:
        """The inventory name of the host."""
        return self._name

    @property
    def host_key_fingerprint(self) -> str | None:
        """SHA256 fingerprint of the host key verified on the current connection."""
        return self._connection.fingerprint if self._connection else None

    @property
    def ssh_connection(self) -> paramiko.Transport | None:
        """The paramiko transport in use (for diagnostics and tests of pooling)."""
        return self._connection.client.get_transport() if self._connection else None

    def connect(self) -> None:
        """Open the connection if there is none or the pooled one died."""
        with self._lock:
            current = self._connection
            live = current.client.get_transport() if current else None
            if live is not None and live.is_active():
                return
            if current is not None:
                current.client.close()
                self._connection = None
            connection = open_connection(
                self._name, self._entry, trust_new_host_keys=self._trust, unlock_key=self._unlock
            )
            self._connection = connection
            self.connections_opened += 1
            if connection.trusted_new_key:
                self.trusted_new_key = connection.trusted_new_key

    def _drop(self, dead: paramiko.Transport | None) -> None:
        """Close the connection if it is still `dead` (another thread may have replaced it already)."""
        with self._lock:
            current = self._connection
            if current is not None and current.client.get_transport() is dead:
                current.client.close()
                self._connection = None

    def _start(self, command: bytes) -> paramiko.Channel | Exception:
        """Open a session and start the command; a dead connection is dropped and its error returned."""
        self.connect()
        transport = self.ssh_connection
        if transport is None:
            return HostUnreachableError(f"host {self._name}: the connection closed while opening")
        try:
            channel = transport.open_session(timeout=self._entry.connect_timeout_s)
            channel.exec_command(command)
            # EOF on stdin at once, like the local transport's DEVNULL: nothing waits for input.
            channel.shutdown_write()
        except (paramiko.SSHException, EOFError, OSError) as exc:
            if transport.is_active():
                # The connection is fine but the host refused this session (sshd MaxSessions, ...).
                raise HostUnreachableError(
                    f"host {self._name} refused to open a session: {exc or type(exc).__name__}"
                ) from exc
            self._drop(transport)
            return exc
        return channel

    def _exec(self, command: bytes) -> paramiko.Channel:
        """Start the command, reconnecting once if the pooled connection turned out to be dead."""
        first = self._start(command)
        if isinstance(first, paramiko.Channel):
            return first
        second = self._start(command)
        if isinstance(second, paramiko.Channel):
            return second
        raise HostUnreachableError(
            f"host {self._name} ({self._entry.address}:{self._entry.port}) dropped the connection "
            f"and a new one failed too: {second or type(second).__name__}"
        ) from second

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ok_exit: frozenset[int] = frozenset({0}),
    ) -> CommandOutput:
        """Run argv on the host; raise CommandRefusedError, a TransportError or CommandFailedError."""
        checked = check_argv(argv)
        limit = self._memory_limit or settings.command_memory_bytes()
        started = time.monotonic()
        channel = self._exec(remote_command(checked, timeout_s, limit))
        try:
            out, err, truncated, status = read_channel(
                channel, started + timeout_s + CLIENT_SLACK_S, max_bytes
            )
        finally:
            channel.close()
        if status is None or (not truncated and status in TIMEOUT_EXITS):
            raise CommandTimeoutError(
                f"{checked[0]} on {self._name} did not finish within {timeout_s:g}s and was stopped"
            )
        if status == NO_PRLIMIT_EXIT and err.startswith(b"timeout: failed to run command 'prlimit'"):
            raise CommandFailedError(
                f"{self._name} has no prlimit (util-linux), which bounds every command's memory; nothing ran",
                exit_status=status,
                stderr=err.decode("utf-8", "replace"),
            )
        return finish(
            host=self._name,
            argv=checked,
            stdout=out,
            stderr=err,
            exit_status=status,
            truncated=truncated,
            duration_s=time.monotonic() - started,
            ok_exit=ok_exit,
            fingerprint=self.host_key_fingerprint,
            memory_limit=limit,
        )

    def which(self, program: str) -> bool:
        """Whether an allowlisted program is on the host's PATH (a fixed `command -v` probe, cached)."""
        if not is_allowlisted_program(program):
            raise CommandRefusedError(f"program {program!r} is not on the read-only allowlist")
        if program not in self._which:
            # Only allowlist names (fixed words from our own table) ever reach this probe.
            probe = f"command -v {shlex.quote(program)} >/dev/null 2>&1".encode("ascii")
            channel = self._exec(probe)
            try:
                _, _, _, status = read_channel(
                    channel, time.monotonic() + self._entry.connect_timeout_s, 4096
                )
            finally:
                channel.close()
            if status is None:
                raise CommandTimeoutError(f"probing for {program} on {self._name} timed out")
            self._which[program] = status == 0
        return self._which[program]

    def close(self) -> None:
        """Release the transport: a pooled one stays open for the pool to reuse; a standalone one closes."""
        if not self._pooled:
            self.disconnect()

    def disconnect(self) -> None:
        """Close the SSH connection (the pool calls this)."""
        with self._lock:
            if self._connection is not None:
                self._connection.client.close()
                self._connection = None


class SSHPool:
    """Owns one SSHTransport (and so one SSH connection) per host for a command's or a case's lifetime."""

    def __init__(
        self,
        inventory: Inventory,
        *,
        trust_new_host_keys: NewKeyTrust = False,
        unlock_key: KeyUnlock | None = None,
    ) -> None:
        self._inventory = inventory
        self._trust = trust_new_host_keys
        self._unlock = unlock_key
        self._lock = threading.Lock()
        self._transports: dict[str, SSHTransport] = {}

    def transport(self, host_name: str) -> SSHTransport:
        """The pooled transport of a host, connected (host key verified, credentials accepted)."""
        entry = self._inventory.host(host_name)
        with self._lock:
            transport = self._transports.get(host_name)
            if transport is None:
                transport = SSHTransport(
                    host_name, entry, trust_new_host_keys=self._trust, unlock_key=self._unlock
                )
                self._transports[host_name] = transport
        # Connect outside the pool lock: one slow host must not hold up the others.
        transport.connect()
        return transport

    def trusted_new_keys(self) -> dict[str, str]:
        """Host name to fingerprint of every host key pinned during this pool's life (to report)."""
        with self._lock:
            transports = list(self._transports.values())
        return {t.host: t.trusted_new_key for t in transports if t.trusted_new_key}

    def close(self) -> None:
        """Close every connection; later `transport()` calls reconnect."""
        with self._lock:
            transports = list(self._transports.values())
            self._transports.clear()
        for transport in transports:
            transport.disconnect()

    def __enter__(self) -> SSHPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
