"""Helpers of the sandbox tests: a pinned, key-only paramiko client to a sandbox host."""

from __future__ import annotations

from collections.abc import Iterator

import paramiko
import pytest

from tests.conftest import SandboxHandle


class Remote:
    """Runs commands on a sandbox host over SSH."""

    def __init__(self, client: paramiko.SSHClient) -> None:
        self.client = client

    def run(self, command: str) -> str:
        """stdout of a command (fails the test on a non-zero exit)."""
        _, stdout, stderr = self.client.exec_command(command, timeout=20)
        out = stdout.read().decode()
        status = stdout.channel.recv_exit_status()
        assert status == 0, f"{command!r} exited {status}: {stderr.read().decode()}"
        return out


def connect(handle: SandboxHandle, port: int | None = None) -> paramiko.SSHClient:
    """A client that only accepts the pinned host key and only uses the sandbox client key."""
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.load_host_keys(str(handle.state.known_hosts))
    client.connect(
        "127.0.0.1",
        port=port or handle.host.port,
        username="root",
        key_filename=str(handle.state.client_key),
        allow_agent=False,
        look_for_keys=False,
        timeout=10,
    )
    return client


@pytest.fixture(scope="module")
def remote(sandbox: SandboxHandle) -> Iterator[Remote]:
    """A connection to the session's sandbox host."""
    client = connect(sandbox)
    try:
        yield Remote(client)
    finally:
        client.close()
