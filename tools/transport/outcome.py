"""What both transports do once a command has ended: bound stderr, judge the exit status, build the record."""

from __future__ import annotations

import re

from tools.errors import CommandFailedError, CommandMemoryError
from tools.transport.base import CommandOutput

STDERR_CAP = 64 * 1024
"""Bytes of stderr kept per command; the rest is read and dropped so the command never blocks."""
_MESSAGE_CAP = 300
_OUT_OF_MEMORY = re.compile(
    rb"^(?:[^\n:]{1,64}: memory exhausted|memory allocation of [0-9]{1,20} bytes failed|MemoryError)\r?$"
    rb"|: Cannot allocate memory\r?$",
    re.MULTILINE,
)
"""What programs print when an allocation fails under the address-space bound (grep, sort and coreutils'
xalloc_die; Rust's ripgrep; Python; strerror(ENOMEM)). Anchored and bounded: no backtracking on stderr."""


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


def out_of_memory(stderr: bytes, exit_status: int) -> bool:
    """Whether a command that did not exit 0 failed for want of memory (judged from its bounded stderr).

    Stderr may quote attacker-chosen names, so a crafted one can at most make a failed command look like a
    memory failure: either way the command failed and its output is not used.
    """
    return exit_status != 0 and _OUT_OF_MEMORY.search(stderr) is not None


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
    memory_limit: int | None = None,
) -> CommandOutput:
    """Return the CommandOutput, or raise CommandFailedError when the exit status is not in ok_exit.

    A truncated command was stopped by us after max_bytes, so its exit status says nothing about
    the command and is not judged. A command that ran out of its memory bound (`memory_limit` bytes) raises
    CommandMemoryError whatever ok_exit says: grep's exit 2 for a missing file is also its exit for that.
    """
    if memory_limit is not None and not truncated and out_of_memory(stderr, exit_status):
        raise CommandMemoryError(
            f"{argv[0]} on {host} ran out of its memory bound ({memory_limit // (1024 * 1024)} MiB, "
            f"SLEUTH_COMMAND_MEMORY_MB) and was stopped: {first_line(stderr)}",
            exit_status=exit_status,
            stderr=stderr.decode("utf-8", "replace"),
            limit_bytes=memory_limit,
        )
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
