"""What both transports do once a command has ended: bound stderr, judge the exit status, build the record."""

from __future__ import annotations

from tools.errors import CommandFailedError
from tools.transport.base import CommandOutput

STDERR_CAP = 64 * 1024
"""Bytes of stderr kept per command; the rest is read and dropped so the command never blocks."""
_MESSAGE_CAP = 300


def append_bounded(buffer: bytearray, chunk: bytes, cap: int) -> bool:
    """Append as much of chunk as fits under cap; True when something had to be dropped."""
    room = cap - len(buffer)
    buffer += chunk[: max(room, 0)]
    return len(chunk) > room


def first_line(stderr: bytes) -> str:
    """The first non-empty line of stderr, decoded leniently and shortened for a one-line message."""
    for line in stderr.decode("utf-8", "replace").splitlines():
        if line.strip():
            text = line.strip()
            return text if len(text) <= _MESSAGE_CAP else text[:_MESSAGE_CAP] + "…"
    return "no error output"


def finish(
    *,
    host: str,
    argv: tuple[str, ...],
    stdout: bytes,
    stderr: bytes,
    exit_status: int,
    truncated: bool,
    duration_s: float,
    ok_exit: frozenset[int],
    fingerprint: str | None = None,
) -> CommandOutput:
    """Return the CommandOutput, or raise CommandFailedError when the exit status is not in ok_exit.

    A truncated command was stopped by us after max_bytes, so its exit status says nothing about
    the command and is not judged.
    """
    if not truncated and exit_status not in ok_exit:
        detail = first_line(stderr)
        raise CommandFailedError(
            f"{argv[0]} on {host} exited with status {exit_status}: {detail}",
            exit_status=exit_status,
            stderr=stderr.decode("utf-8", "replace"),
        )
    return CommandOutput(
        host=host,
        argv=argv,
        stdout=stdout,
        stderr=stderr,
        exit_status=exit_status,
        truncated=truncated,
        duration_s=duration_s,
        host_key_fingerprint=fingerprint,
    )
