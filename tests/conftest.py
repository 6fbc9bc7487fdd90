"""Shared fixtures: `sandbox`, one real sandbox host (sshd in its own namespaces) for the whole session."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from sandbox import launcher
from sandbox.errors import SandboxError
from sandbox.findings import ExpectedFindings
from sandbox.state import HostState, SandboxState
from sandbox.truth import HostTruth


@dataclass(frozen=True)
class SandboxHandle:
    """A running one-host sandbox: its state, inventory and the scenario's ground truth."""

    state: SandboxState
    host: HostState

    @property
    def inventory(self) -> Path:
        """Inventory YAML (group `sandbox`, user root, pinned host key)."""
        return self.state.inventory

    @property
    def host_name(self) -> str:
        """Inventory name of the host (sandbox-01)."""
        return self.host.name

    @property
    def expected(self) -> ExpectedFindings:
        """What tools must find on the host (the ssh-bruteforce-miner ground truth)."""
        truth = self.host.expected
        if not isinstance(truth, ExpectedFindings):
            raise TypeError(f"{truth.scenario}: its ground truth is {type(truth).__name__}, use .truth")
        return truth

    @property
    def truth(self) -> HostTruth:
        """The host's ground truth, whichever scenario it runs."""
        return self.host.expected

    @property
    def tree(self) -> Path:
        """The host's files as written (tree/var/log/auth.log is the host's /var/log/auth.log)."""
        return self.host.directory / "root"

    def inventory_with(self, directory: Path, **entry: object) -> Path:
        """A copy of the inventory in `directory` with the host's entry changed (e.g. known_hosts)."""
        doc = yaml.safe_load(self.inventory.read_text())
        doc["hosts"][self.host_name].update(
            {k: str(v) if isinstance(v, Path) else v for k, v in entry.items()}
        )
        directory.mkdir(parents=True, exist_ok=True)
        inventory = directory / "inventory.yaml"
        inventory.write_text(yaml.safe_dump(doc))
        return inventory


def sandbox_skip_reason() -> str | None:
    """Why the sandbox cannot run here (not root, no sshd, no unshare), or None."""
    try:
        launcher.check_prerequisites()
    except SandboxError as exc:
        return str(exc)
    return None


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    """One ssh-bruteforce-miner host, up for the whole test session, torn down at its end."""
    reason = sandbox_skip_reason()
    if reason is not None:
        pytest.skip(f"sandbox unavailable: {reason}")
    state_dir = tmp_path_factory.mktemp("sandbox-state")
    state = launcher.up(state_dir, "ssh-bruteforce-miner", hosts=1)
    try:
        yield SandboxHandle(state=state, host=state.hosts[0])
    finally:
        launcher.down(state_dir)
