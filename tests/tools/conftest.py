"""Fixtures of the host-state tool tests: a real LocalTransport context and captured outputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tools.base import ToolContext
from tools.transport.local import LocalTransport

DATA = Path(__file__).parent / "data"


@pytest.fixture
def local_ctx() -> ToolContext:
    """A tool context running commands on this machine."""
    return ToolContext(transport=LocalTransport())


@pytest.fixture
def needs_root() -> None:
    """Skip unless root (ps/ss/find see every process only as root; unshare needs it)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to see other processes' exe links and socket owners")
