"""The error tree of tools and transports: shallow, one docstring line each, translated at the boundary."""

from __future__ import annotations


class ToolError(Exception):
    """A tool could not produce a result; the message is meant for a responder."""


class InvalidToolArgsError(ToolError):
    """The arguments of a tool call are invalid (bad regex, unknown column, out-of-range value)."""


class CommandRefusedError(ToolError):
    """The argv is not on the read-only allowlist, so it was never sent."""


class CommandFailedError(ToolError):
    """The command ran but exited with a status that means failure."""

    def __init__(self, message: str, *, exit_status: int, stderr: str = "") -> None:
        super().__init__(message)
        self.exit_status = exit_status
        self.stderr = stderr


class CommandMemoryError(CommandFailedError):
    """The command ran out of the memory bound every target command runs under, and failed."""

    def __init__(self, message: str, *, exit_status: int, stderr: str = "", limit_bytes: int) -> None:
        super().__init__(message, exit_status=exit_status, stderr=stderr)
        self.limit_bytes = limit_bytes


class TransportError(ToolError):
    """The target could not be reached or did not answer as expected."""


class HostUnreachableError(TransportError):
    """The host did not accept a connection (down, refused, no route, DNS)."""


class AuthFailedError(TransportError):
    """The host refused our credentials."""


class HostKeyUnknownError(TransportError):
    """The host presented a key that is not pinned; trusting it needs an explicit flag."""

    def __init__(self, message: str, *, fingerprint: str) -> None:
        super().__init__(message)
        self.fingerprint = fingerprint


class HostKeyMismatchError(TransportError):
    """The host presented a key different from the pinned one: possible interception."""

    def __init__(self, message: str, *, fingerprint: str, expected: str) -> None:
        super().__init__(message)
        self.fingerprint = fingerprint
        self.expected = expected


class CommandTimeoutError(TransportError):
    """The command did not finish within its timeout and was stopped."""


class HandshakeTimeoutError(HostUnreachableError):
    """The host accepted TCP but did not finish the SSH handshake (banner, key exchange, auth) in time."""

    def __init__(self, message: str, *, phase: str) -> None:
        super().__init__(message)
        self.phase = phase


class NotSSHError(HostUnreachableError):
    """The port answered with something that is not an SSH banner, or closed before sending one."""


class HostStalledError(CommandTimeoutError):
    """The host stopped answering during a call (channel open, exec, output) until its deadline passed."""

    def __init__(self, message: str, *, phase: str) -> None:
        super().__init__(message)
        self.phase = phase


class ConnectionLostError(TransportError):
    """The connection dropped while a call was in flight; the command's result is unknown."""

    def __init__(self, message: str, *, phase: str) -> None:
        super().__init__(message)
        self.phase = phase


class CallCancelledError(TransportError):
    """The call was cancelled (the pool was told to stop) before it finished."""


class InventoryError(ToolError):
    """The inventory file is missing, malformed, or does not name the target."""


class IntelStoreError(ToolError):
    """The intel store could not be read or an import file is malformed."""
