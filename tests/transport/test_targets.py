"""Targets: `local`, inventory hosts and groups, and the pool's lifetime."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sandbox.sshd import SshdProcess
from tests.transport.sshd_helpers import write_inventory
from tools.errors import InventoryError
from tools.inventory import Inventory, load_inventory
from tools.targets import Targets, open_transport, resolve_targets
from tools.transport.local import LocalTransport
from tools.transport.ssh import SSHPool, SSHTransport


def _offline_inventory(tmp_path: Path) -> Inventory:
    path = tmp_path / "inventory.yaml"
    hosts = {
        name: {"address": "127.0.0.1", "port": 1, "user": "root", "key_file": "keys/id", "groups": ["web"]}
        for name in ("web01", "web02")
    }
    hosts["db01"] = {"address": "127.0.0.1", "user": "root", "key_file": "keys/id", "groups": ["db"]}
    path.write_text(yaml.safe_dump({"hosts": hosts}))
    return load_inventory(path)


def test_local_needs_no_inventory() -> None:
    assert isinstance(open_transport("local", inventory=None), LocalTransport)
    assert resolve_targets("local", None) == ("local",)


def test_ssh_target_without_inventory_says_what_to_pass() -> None:
    with pytest.raises(InventoryError, match="--inventory"):
        open_transport("web01", inventory=None)
    with Targets(None) as targets, pytest.raises(InventoryError, match="--inventory"):
        targets.transport("web01")


def test_groups_resolve_to_their_hosts(tmp_path: Path) -> None:
    inventory = _offline_inventory(tmp_path)
    assert resolve_targets("web", inventory) == ("web01", "web02")
    assert resolve_targets("db01", inventory) == ("db01",)
    with pytest.raises(InventoryError, match="unknown host or group 'nope'"):
        resolve_targets("nope", inventory)
    with pytest.raises(InventoryError, match="is a group"):
        open_transport("web", inventory=inventory)


def test_relative_key_paths_resolve_against_the_inventory(tmp_path: Path) -> None:
    assert _offline_inventory(tmp_path).host("db01").key_file == (tmp_path / "keys" / "id").resolve()


def test_local_is_reserved(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text(
        yaml.safe_dump({"hosts": {"local": {"address": "10.0.0.1", "user": "x", "use_agent": True}}})
    )
    with pytest.raises(InventoryError, match="reserved"):
        open_transport("web", inventory=load_inventory(path))


@pytest.mark.sshd
def test_targets_owns_one_pool_for_its_lifetime(tmp_path: Path, shared_sshd: SshdProcess) -> None:
    inventory = load_inventory(write_inventory(tmp_path / "inventory.yaml", shared_sshd))
    with Targets(inventory) as targets:
        first = targets.transport("box")
        assert isinstance(first, SSHTransport)
        assert targets.transport("box") is first
        assert targets.transport("local") is targets.transport("local")
        assert first.run(["id", "-u"]).stdout == b"0\n"
        assert targets.profile("box").logs("auth") == ("/var/log/auth.log",)
        assert targets.resolve("web") == ("box",)
        assert targets.trusted_new_keys() == {}
    assert first.ssh_connection is None


@pytest.mark.sshd
def test_targets_report_trusted_keys(tmp_path: Path, shared_sshd: SshdProcess) -> None:
    known = tmp_path / "known_hosts"
    inventory = load_inventory(write_inventory(tmp_path / "inventory.yaml", shared_sshd, known_hosts=known))
    with Targets(inventory, trust_new_host_keys=True) as targets:
        targets.transport("box")
        assert targets.trusted_new_keys() == {"box": shared_sshd.keys.host_fingerprint}


@pytest.mark.sshd
def test_standalone_transport_closes_its_connection(tmp_path: Path, shared_sshd: SshdProcess) -> None:
    inventory = load_inventory(write_inventory(tmp_path / "inventory.yaml", shared_sshd))
    transport = open_transport("box", inventory=inventory)
    assert isinstance(transport, SSHTransport)
    assert transport.run(["id", "-u"]).host_key_fingerprint == shared_sshd.keys.host_fingerprint
    transport.close()
    assert transport.ssh_connection is None
    with SSHPool(inventory) as pool:
        pooled = open_transport("box", inventory=inventory, pool=pool)
        pooled.close()
        assert pool.transport("box") is pooled
        assert isinstance(pooled, SSHTransport) and pooled.ssh_connection is not None
