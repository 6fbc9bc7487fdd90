"""Bring one host of a named scenario up for a test module (real sshd), and read its logs back."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sandbox import launcher
from tests.conftest import SandboxHandle, sandbox_skip_reason


@contextmanager
def scenario_host(factory: pytest.TempPathFactory, scenario: str) -> Iterator[SandboxHandle]:
    """A one-host sandbox of `scenario`, torn down on exit; skips where the sandbox cannot run."""
    reason = sandbox_skip_reason()
    if reason is not None:
        pytest.skip(f"sandbox unavailable: {reason}")
    state_dir = factory.mktemp(f"sandbox-{scenario}")
    state = launcher.up(state_dir, scenario, hosts=1)
    try:
        yield SandboxHandle(state=state, host=state.hosts[0])
    finally:
        launcher.down(state_dir)


def log_lines(path: Path) -> list[str]:
    """Lines of a log file as written, a .gz one decompressed."""
    data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    return data.decode().splitlines()
