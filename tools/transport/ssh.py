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

Every call has one deadline (the command timeout + the remote timeout's slack + the connect budget) over
reconnect, channel open, exec and reads, waited in slices (deadline.py): a host that stops answering at
any point ends the call with a typed error naming the phase (HostStalledError, ConnectionLostError), Ctrl-C
is raised within a slice, and the pool's close or cancel stops calls in flight in other threads.
"""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Sequence
from types import TracebackType

import paramiko

from tools import settings
from tools.errors import (
    CommandFailedError,
    CommandRefusedError,
    CommandTimeoutError,
    ConnectionLostError,
    HostStalledError,
    HostUnreachableError,
    TransportError,
)
from tools.inventory import HostEntry, Inventory
from tools.transport.allowlist import check_argv, is_allowlisted_program
from tools.transport.base import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_S, CommandOutput
from tools.transport.channel import read_channel, send_exec
from tools.transport.connect import KeyUnlock
from tools.transport.deadline import Deadline
from tools.transport.handshake import detail
from tools.transport.known_hosts import NewKeyTrust
from tools.transport.outcome import finish
from tools.transport.slot import ConnectionSlot

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


def _gone(transport: paramiko.Transport) -> bool:
    """Whether the connection is dead. paramiko closes its channels a moment before it marks itself
    inactive, so a channel that just closed oddly is judged after that moment (at most 1 s)."""
    until = time.monotonic() + 1.0
    while transport.is_active():
        if time.monotonic() >= until:
            return False
        time.sleep(0.02)
    return True


class SSHTransport:
    """One inventory host reached over SSH; the connection is opened once (per thread race too) and reused.

    Safe for concurrent use: calls from several threads share the connection (one channel each), and
    threads that ask while it is being opened wait for that one attempt and share its result or error.
    """

    def __init__(
        self,
        name: str,
        entry: HostEntry,
        *,
        trust_new_host_keys: NewKeyTrust = False,
        unlock_key: KeyUnlock | None = None,
        pooled: bool = True,
        memory_limit: int | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self._name = name
        self._memory_limit = memory_limit
        self._pooled = pooled
        self._entry = entry
        self._cancel = cancel
        self._slot = ConnectionSlot(
            name, entry, trust_new_host_keys=trust_new_host_keys, unlock_key=unlock_key, cancel=cancel
        )
        self._which: dict[str, bool] = {}

    @property
    def trusted_new_key(self) -> str | None:
        """Fingerprint of a host key this transport pinned because new keys were trusted."""
        return self._slot.trusted_new_key

    @property
    def connections_opened(self) -> int:
        """How many SSH connections this transport opened (1 unless one died and was reopened)."""
        return self._slot.connections_opened

    @property
    def host(self) -> str:
        """The inventory name of the host."""
        return self._name

    @property
    def host_key_fingerprint(self) -> str | None:
        """SHA256 fingerprint of the host key verified on the current connection."""
        connection = self._slot.current
        return connection.fingerprint if connection else None

    @property
    def ssh_connection(self) -> paramiko.Transport | None:
        """The paramiko transport in use (for diagnostics and tests of pooling)."""
        return self._slot.transport()

    def connect(self, deadline: Deadline | None = None) -> None:
        """Open the connection if there is none or the pooled one died (at most one attempt at a time)."""
        self._slot.connect(deadline)

    def _drop(self, dead: paramiko.Transport | None) -> None:
        self._slot.drop(dead)

    def _start(self, command: bytes, deadline: Deadline, what: str) -> paramiko.Channel | Exception:
        """Open a session and start the command; a connection found dead before the exec was sent is dropped
        and its error returned (the caller reconnects once); after that, a loss is ConnectionLostError."""
        self.connect(deadline)
        transport = self.ssh_connection
        if transport is None:
            return HostUnreachableError(f"host {self._name}: the connection closed while opening")
        try:
            channel = transport.open_session(timeout=max(deadline.remaining(), 0.001))
        except (paramiko.SSHException, EOFError, OSError) as exc:
            if not transport.is_active():
                self._drop(transport)
                return exc
            if deadline.expired():
                self._drop(transport)
                raise HostStalledError(
                    f"host {self._name} stopped answering (or answers too slowly): no channel opened "
                    f"for {what} within {deadline.budget_s:g}s",
                    phase="channel open",
                ) from None
            # The connection is fine but the host refused this session (sshd MaxSessions, ...).
            raise HostUnreachableError(f"host {self._name} refused to open a session: {detail(exc)}") from exc
        try:
            started = send_exec(channel, command, deadline, f"host {self._name}: starting {what}")
            if started:
                # EOF on stdin at once, like the local transport's DEVNULL: nothing waits for input.
                channel.shutdown_write()
        except (paramiko.SSHException, EOFError, OSError) as exc:
            channel.close()
            raise self._lost_or_refused(transport, exc, what, "exec") from None
        except BaseException:
            channel.close()
            self._drop(transport)
            raise
        if not started:
            channel.close()
            self._drop(transport)
            raise HostStalledError(
                f"host {self._name} stopped answering after the channel opened: {what} was not started "
                f"within {deadline.budget_s:g}s",
                phase="exec",
            )
        return channel

    def _lost_or_refused(
        self, transport: paramiko.Transport, exc: BaseException, what: str, phase: str
    ) -> TransportError:
        if not _gone(transport):
            return HostUnreachableError(f"host {self._name} refused to run {what}: {detail(exc)}")
        self._drop(transport)
        return ConnectionLostError(
            f"the connection to host {self._name} was lost while starting {what}: {detail(exc)}", phase=phase
        )

    def _exec(self, command: bytes, deadline: Deadline, what: str) -> paramiko.Channel:
        """Start the command, reconnecting once if the pooled connection turned out to be dead."""
        first = self._start(command, deadline, what)
        if isinstance(first, paramiko.Channel):
            return first
        second = self._start(command, deadline, what)
        if isinstance(second, paramiko.Channel):
            return second
        raise HostUnreachableError(
            f"host {self._name} ({self._entry.address}:{self._entry.port}) dropped the connection "
            f"and a new one failed too: {detail(second)}"
        ) from second

    def _call_deadline(self, timeout_s: float) -> Deadline:
        """One budget for a whole call: reconnect, channel open, exec, the command's run and its reads."""
        return Deadline(timeout_s + CLIENT_SLACK_S + self._entry.connect_timeout_s, cancel=self._cancel)

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
        deadline = self._call_deadline(timeout_s)
        channel = self._exec(remote_command(checked, timeout_s, limit), deadline, checked[0])
        try:
            reads = deadline.within(timeout_s + CLIENT_SLACK_S)
            out, err, truncated, status = read_channel(
                channel, reads, max_bytes, f"{checked[0]} on {self._name}"
            )
        except BaseException:
            # Interrupted (Ctrl-C, cancel): the connection may hold half a reply; never reuse it.
            channel.close()
            self._drop(channel.get_transport())
            raise
        channel.close()
        if status is None:
            self._drop(channel.get_transport())
            raise HostStalledError(
                f"{checked[0]} on {self._name} did not finish within {timeout_s:g}s and no exit status "
                f"came back {CLIENT_SLACK_S:g}s after that: the host stopped answering (or crawls)",
                phase="output",
            )
        if status == -1 and not truncated:
            self._lost_midway(channel, checked[0], len(out))
        if not truncated and status in TIMEOUT_EXITS:
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

    def _lost_midway(self, channel: paramiko.Channel, program: str, got: int) -> None:
        """The channel closed with no exit status: the connection dropped, or a signal killed the command."""
        transport = channel.get_transport()
        if not _gone(transport):
            raise CommandFailedError(
                f"{program} on {self._name} ended without an exit status (killed by a signal on the host)",
                exit_status=-1,
            )
        self._drop(transport)
        raise ConnectionLostError(
            f"the connection to host {self._name} was lost while {program} was running (after {got} bytes "
            "of output): its result is unknown",
            phase="output",
        )

    def which(self, program: str) -> bool:
        """Whether an allowlisted program is on the host's PATH (a fixed `command -v` probe, cached)."""
        if not is_allowlisted_program(program):
            raise CommandRefusedError(f"program {program!r} is not on the read-only allowlist")
        if program not in self._which:
            # Only allowlist names (fixed words from our own table) ever reach this probe.
            probe = f"command -v {shlex.quote(program)} >/dev/null 2>&1".encode("ascii")
            deadline = self._call_deadline(self._entry.connect_timeout_s)
            what = f"the probe for {program}"
            channel = self._exec(probe, deadline, what)
            try:
                _, _, _, status = read_channel(channel, deadline, 4096, f"{what} on {self._name}")
            finally:
                channel.close()
            if status is None:
                self._drop(channel.get_transport())
                raise HostStalledError(
                    f"probing for {program} on {self._name}: the host stopped answering", phase="output"
                )
            if status == -1:
                self._lost_midway(channel, what, 0)
            self._which[program] = status == 0
        return self._which[program]

    def close(self) -> None:
        """Release the transport: a pooled one stays open for the pool to reuse; a standalone one closes."""
        if not self._pooled:
            self.disconnect()

    def disconnect(self) -> None:
        """Close the SSH connection (the pool calls this)."""
        self._slot.close()


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
        self._cancel = threading.Event()

    def transport(self, host_name: str) -> SSHTransport:
        """The pooled transport of a host, connected (host key verified, credentials accepted).

        Safe from many threads at once: one transport and one connection per host, opened once even when
        several threads ask for the same host together (they share the attempt and its error). The
        host-key and passphrase callbacks may then be called from the asking thread, whichever it is.
        """
        entry = self._inventory.host(host_name)
        with self._lock:
            transport = self._transports.get(host_name)
            if transport is None:
                transport = SSHTransport(
                    host_name,
                    entry,
                    trust_new_host_keys=self._trust,
                    unlock_key=self._unlock,
                    cancel=self._cancel,
                )
                self._transports[host_name] = transport
        # Connect outside the pool lock: one slow host must not hold up the others.
        transport.connect()
        return transport

    def cancel(self) -> None:
        """Stop every call in flight (from any thread): each raises CallCancelledError within a slice.

        Later calls through this pool are cancelled too; connections are closed.
        """
        with self._lock:
            self._cancel.set()
            transports = list(self._transports.values())
        for transport in transports:
            transport.disconnect()

    def trusted_new_keys(self) -> dict[str, str]:
        """Host name to fingerprint of every host key pinned during this pool's life (to report)."""
        with self._lock:
            transports = list(self._transports.values())
        return {t.host: t.trusted_new_key for t in transports if t.trusted_new_key}

    def close(self) -> None:
        """Close every connection and stop the calls still in flight on them (a worker thread's call, when
        Ctrl-C unwinds the main thread); later `transport()` calls get new transports and reconnect."""
        with self._lock:
            transports = list(self._transports.values())
            self._transports.clear()
            stopping, self._cancel = self._cancel, threading.Event()
        stopping.set()
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
