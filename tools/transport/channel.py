"""Reading one SSH channel: stdout up to a cap, stderr bounded, the exit status, all before a deadline."""

from __future__ import annotations

import time

import paramiko

from tools.transport.outcome import STDERR_CAP, append_bounded

_CHUNK = 64 * 1024
_POLL_S = 0.2


def read_channel(
    channel: paramiko.Channel, deadline: float, max_bytes: int
) -> tuple[bytes, bytes, bool, int | None]:
    """Read stdout (capped), stderr (bounded) and the exit status; status None means the deadline passed."""
    out, err = bytearray(), bytearray()

    def drain_stderr() -> None:
        while channel.recv_stderr_ready():
            append_bounded(err, channel.recv_stderr(_CHUNK), STDERR_CAP)

    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return bytes(out), bytes(err), False, None
        channel.settimeout(min(remaining, _POLL_S))
        try:
            chunk = channel.recv(_CHUNK)
        except TimeoutError:
            drain_stderr()
            continue
        drain_stderr()
        if not chunk:
            break
        if append_bounded(out, chunk, max_bytes):
            # Closing the channel makes sshd close the pipe: the command dies of SIGPIPE.
            return bytes(out), bytes(err), True, -1
    while not channel.status_event.is_set():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return bytes(out), bytes(err), False, None
        channel.status_event.wait(min(remaining, _POLL_S))
        drain_stderr()
    drain_stderr()
    return bytes(out), bytes(err), False, channel.exit_status
