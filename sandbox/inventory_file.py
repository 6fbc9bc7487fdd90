"""The inventory YAML `sleuth sandbox up` writes, in the format of tools/inventory.py."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from sandbox.state import HostState
from tools.inventory import HostEntry, HostProfile, Inventory

HEADER = "# Written by `sleuth sandbox up`; removed by `sleuth sandbox down`. Hosts are in group `sandbox`.\n"


def write_inventory(path: Path, hosts: Sequence[HostState], client_key: Path, known_hosts: Path) -> Path:
    """Write the inventory of the sandbox hosts (root, the generated client key, pinned host keys)."""
    inventory = Inventory(
        hosts={
            host.name: HostEntry(
                address="127.0.0.1",
                port=host.port,
                user="root",
                key_file=client_key.resolve(),
                known_hosts=known_hosts.resolve(),
                groups=("sandbox",),
                profile=HostProfile(name="debian"),
            )
            for host in hosts
        }
    )
    data = inventory.model_dump(mode="json", exclude_defaults=True)
    for name, host in inventory.hosts.items():
        data["hosts"][name]["profile"] = {"name": host.profile.name}
    path.write_text(HEADER + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
