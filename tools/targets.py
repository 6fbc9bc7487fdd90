"""From a target name to a transport: `local`, or an inventory host reached through the SSH pool.

A fan-out asks for the transports of many hosts from worker threads at once: the pool is created once
under a lock, and each host connects outside it (the pool connects hosts independently).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import TracebackType

from tools.errors import InventoryError
from tools.inventory import HostProfile, Inventory
from tools.transport.base import Transport
from tools.transport.connect import KeyUnlock
from tools.transport.known_hosts import NewKeyTrust
from tools.transport.local import LocalTransport
from tools.transport.ssh import SSHPool, SSHTransport

LOCAL = "local"
"""The reserved target name for this machine."""


def _need_inventory(target: str, inventory: Inventory | None) -> Inventory:
    if inventory is None:
        raise InventoryError(
            f"target {target!r} is an SSH host, but no inventory was given: pass --inventory FILE "
            f"(only {LOCAL!r} works without one)"
        )
    if LOCAL in inventory.hosts:
        raise InventoryError(f"the inventory names a host {LOCAL!r}, which is reserved for this machine")
    return inventory


def resolve_targets(target: str, inventory: Inventory | None) -> tuple[str, ...]:
    """Host names a target means: `local`, one inventory host, or every host of an inventory group."""
    if target == LOCAL:
        return (LOCAL,)
    return _need_inventory(target, inventory).resolve(target)


def _single_host(target: str, inventory: Inventory) -> str:
    names = inventory.resolve(target)
    if names != (target,):
        raise InventoryError(
            f"{target!r} is a group ({', '.join(names)}); a single transport needs one host name"
        )
    return target


def open_transport(
    target: str,
    *,
    inventory: Inventory | None,
    pool: SSHPool | None = None,
    trust_new_host_keys: NewKeyTrust = False,
) -> Transport:
    """A connected transport for one target; without a pool, the caller must `close()` it."""
    if target == LOCAL:
        return LocalTransport()
    known = _need_inventory(target, inventory)
    name = _single_host(target, known)
    if pool is not None:
        return pool.transport(name)
    transport = SSHTransport(name, known.host(name), trust_new_host_keys=trust_new_host_keys, pooled=False)
    transport.connect()
    return transport


class Targets:
    """Owns the SSH pool for one command's (or one case's) lifetime and hands out transports."""

    def __init__(
        self,
        inventory: Inventory | None,
        *,
        trust_new_host_keys: NewKeyTrust = False,
        unlock_key: KeyUnlock | None = None,
        log_paths: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self._inventory = inventory
        self._log_paths = dict(log_paths or {})
        self._trust = trust_new_host_keys
        self._unlock = unlock_key
        self._pool: SSHPool | None = None
        self._local: LocalTransport | None = None
        self._lock = threading.Lock()

    def resolve(self, target: str) -> tuple[str, ...]:
        """Host names a target (host, group or `local`) means."""
        return resolve_targets(target, self._inventory)

    def transport(self, target: str) -> Transport:
        """The transport of one host (`local` or an inventory host, connected through the pool)."""
        if target == LOCAL:
            with self._lock:
                if self._local is None:
                    self._local = LocalTransport()
                return self._local
        inventory = _need_inventory(target, self._inventory)
        with self._lock:
            if self._pool is None:
                self._pool = SSHPool(inventory, trust_new_host_keys=self._trust, unlock_key=self._unlock)
            pool = self._pool
        return open_transport(target, inventory=inventory, pool=pool)

    def profile(self, target: str) -> HostProfile:
        """Where the target keeps its logs (`local`: the debian profile); `--log KIND=PATH` overrides win."""
        if target == LOCAL:
            profile = HostProfile()
        else:
            inventory = _need_inventory(target, self._inventory)
            profile = inventory.host(_single_host(target, inventory)).profile
        if not self._log_paths:
            return profile
        return profile.model_copy(update={"log_paths": {**profile.log_paths, **self._log_paths}})

    def trusted_new_keys(self) -> dict[str, str]:
        """Host name to fingerprint of each host key pinned because new keys were trusted."""
        with self._lock:
            pool = self._pool
        return pool.trusted_new_keys() if pool else {}

    def close(self) -> None:
        """Close every SSH connection opened through this object."""
        with self._lock:
            pool = self._pool
        if pool is not None:
            pool.close()

    def __enter__(self) -> Targets:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
