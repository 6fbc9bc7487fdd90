"""One SSH channel before a deadline: the exec request without paramiko's endless wait, then stdout up to
a cap, stderr bounded and the exit status, every wait a short slice of the call's deadline."""

from __future__ import annotations

from typing import Any, cast

import paramiko
from paramiko.common import cMSG_CHANNEL_REQUEST

from tools.transport.deadline import Deadline
from tools.transport.outcome import STDERR_CAP, append_bounded

_CHUNK = 64 * 1024


def send_exec(channel: paramiko.Channel, command: bytes, deadline: Deadline, what: str) -> bool:
    """Send the exec request and wait for the host's answer in slices; False when the deadline passed.

    Exactly what `Channel.exec_command` sends, but its `event.wait()` has no timeout: a host that stops
    answering after the channel opened would hang the call (and Ctrl-C) forever. Raises paramiko's
    SSHException when the host refused the request or the channel closed.
    """
    message = paramiko.Message()
    message.add_byte(cMSG_CHANNEL_REQUEST)
    message.add_int(channel.remote_chanid)
    message.add_string("exec")
    message.add_boolean(True)
    message.add_string(command)
    private = cast(Any, channel)  # paramiko's own exec_command uses these two private calls
    private._event_pending()
    cast(Any, channel.transport)._send_user_message(message)
    if not deadline.wait(channel.event, what):
        return False
    if channel.event_ready:
        return True
    failure = channel.get_transport().get_exception()
    raise failure if failure is not None else paramiko.SSHException("the host closed the channel")


def read_channel(
    channel: paramiko.Channel, deadline: Deadline, max_bytes: int, what: str = "reading output"
) -> tuple[bytes, bytes, bool, int | None]:
    """Read stdout (capped), stderr (bounded) and the exit status; status None means the deadline passed.

    Status -1 means the channel closed without an exit status (the connection dropped, or the command was
    killed by a signal): the caller tells which from whether the connection is still up.
    """
    out, err = bytearray(), bytearray()

    def drain_stderr() -> None:
        while channel.recv_stderr_ready():
            append_bounded(err, channel.recv_stderr(_CHUNK), STDERR_CAP)

    while True:
        step = deadline.slice(what)
        if step <= 0:
            return bytes(out), bytes(err), False, None
        channel.settimeout(step)
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
        step = deadline.slice(what)
        if step <= 0:
            return bytes(out), bytes(err), False, None
        channel.status_event.wait(step)
        drain_stderr()
    drain_stderr()
    return bytes(out), bytes(err), False, channel.exit_status
