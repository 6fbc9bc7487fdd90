"""The one interface every transport implements, and the record of one command run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class CommandOutput:
    """What one allowlisted command returned: raw bytes, bounded, with how it ran."""

    host: str
    argv: tuple[str, ...]
    stdout: bytes
    stderr: bytes
    exit_status: int
    truncated: bool
    duration_s: float
    host_key_fingerprint: str | None = None


class Transport(Protocol):
    """Runs one read-only argv on one target; checks it against the allowlist before anything runs."""

    @property
    def host(self) -> str:
        """The target's name as the inventory (or `local`) calls it."""
        ...

    @property
    def host_key_fingerprint(self) -> str | None:
        """SHA256 fingerprint of the pinned host key (None for local)."""
        ...

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ok_exit: frozenset[int] = frozenset({0}),
    ) -> CommandOutput:
        """Run argv; raise CommandRefusedError, a TransportError, or CommandFailedError (exit not ok)."""
        ...

    def which(self, program: str) -> bool:
        """Whether an allowlisted program exists on the target (cached per transport)."""
        ...

    def close(self) -> None:
        """Release the connection (pooled transports return it to the pool)."""
        ...
