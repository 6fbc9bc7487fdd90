"""Fixtures for transport tests: a real sshd on loopback and an inventory pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.sshd import SshdProcess
from tests.transport.sshd_helpers import NEEDS_SSHD_REASONS, start_quiet_sshd, write_inventory
from tools.inventory import Inventory, load_inventory


def skip_without_sshd() -> None:
    """Skip the calling test when sshd cannot run here."""
    for missing, reason in NEEDS_SSHD_REASONS:
        if missing:
            pytest.skip(reason)


@pytest.fixture(scope="module")
def shared_sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshdProcess]:
    """One sshd for the tests of a module that do not disturb it."""
    skip_without_sshd()
    sshd = start_quiet_sshd(tmp_path_factory.mktemp("sshd"))
    yield sshd
    sshd.stop()


@pytest.fixture
def own_sshd(tmp_path: Path) -> Iterator[SshdProcess]:
    """An sshd for one test that kills connections or changes keys."""
    skip_without_sshd()
    sshd = start_quiet_sshd(tmp_path / "sshd")
    yield sshd
    sshd.stop()


@pytest.fixture(scope="module")
def shared_inventory(shared_sshd: SshdProcess, tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    """An inventory (read from a real YAML file) whose host `box` is the shared sshd."""
    path = write_inventory(tmp_path_factory.mktemp("inv") / "inventory.yaml", shared_sshd)
    return load_inventory(path)
