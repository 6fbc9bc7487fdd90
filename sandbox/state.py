"""The sandbox's state file: which hosts run, how to reach them, what they must reveal."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from sandbox.errors import SandboxError
from sandbox.truth import HostTruth

STATE_FILE = "state.json"


class HostState(BaseModel):
    """One running sandbox host."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    """Inventory name and hostname (sandbox-01, ...)."""
    port: int
    """sshd port on 127.0.0.1."""
    host_key_fingerprint: str
    """SHA256:... of its host key (pinned in known_hosts)."""
    unshare_pid: int
    """PID of the `unshare` process that holds the namespaces (outside view)."""
    init_pid: int
    """PID of the namespace's PID 1 (outside view); killing it ends the whole host."""
    init_start_time: int
    """Start time of init in clock ticks since boot (guards against a recycled PID)."""
    directory: Path
    """Its folder in the state dir (tree, config, console log)."""
    alive: bool = True
    """Whether init still runs (filled by `status`)."""
    answers_ssh: bool = True
    """Whether its port answers with an SSH banner (filled by `status`)."""
    expected: HostTruth
    """The scenario's ground truth for this host, runtime values included."""


class SandboxState(BaseModel):
    """What `sleuth sandbox up` started."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state_dir: Path
    """Folder holding this state, keys, trees and logs."""
    scenario: str
    """Scenario name."""
    description: str
    """What the scenario stages."""
    inventory: Path
    """Inventory YAML listing the hosts (group `sandbox`)."""
    known_hosts: Path
    """known_hosts file pinning every host key."""
    client_key: Path
    """Private key that logs in as root on every host."""
    hosts: tuple[HostState, ...]
    """The hosts, in order."""

    def host(self, name: str) -> HostState:
        """The host with this name."""
        for host in self.hosts:
            if host.name == name:
                return host
        raise SandboxError(f"no sandbox host named {name!r}")


def save_state(state: SandboxState) -> None:
    """Write state.json atomically."""
    path = state.state_dir / STATE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(state.model_dump_json(indent=2), encoding="utf-8")
    tmp.replace(path)


def load_state(state_dir: Path) -> SandboxState | None:
    """The saved state, or None when no sandbox was started from this folder."""
    path = state_dir / STATE_FILE
    if not path.is_file():
        return None
    try:
        return SandboxState.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        raise SandboxError(f"{path}: unreadable sandbox state ({exc}); remove it by hand") from exc
