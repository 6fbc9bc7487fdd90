"""Helpers for the fault tests: an inventory whose host is a fault proxy, and a call bounded by a thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sandbox.sshd import SshdProcess, write_known_hosts
from tests.support.faultproxy import FaultProxy
from tests.transport.sshd_helpers import write_inventory
from tools.inventory import Inventory, load_inventory
from tools.transport.ssh import SSHPool

T = TypeVar("T")


def proxy_inventory(tmp_path: Path, sshd: SshdProcess, proxy: FaultProxy, **overrides: Any) -> Path:
    """An inventory file whose host `box` is reached through `proxy` (sshd's key pinned for its port)."""
    known = write_known_hosts(tmp_path / f"known_hosts-{proxy.port}", proxy.port, sshd.keys)
    entry: dict[str, Any] = {"port": proxy.port, "known_hosts": known, "connect_timeout_s": 2}
    entry.update(overrides)
    return write_inventory(tmp_path / f"inventory-{proxy.port}.yaml", sshd, **entry)


def load_proxy_inventory(tmp_path: Path, sshd: SshdProcess, proxy: FaultProxy, **overrides: Any) -> Inventory:
    """proxy_inventory, loaded."""
    return load_inventory(proxy_inventory(tmp_path, sshd, proxy, **overrides))


def bounded(call: Callable[[], T], limit_s: float) -> tuple[T | None, BaseException | None]:
    """Run `call` in a daemon thread; its result or exception, or AssertionError when it outlives limit_s.

    A call that hangs (as paramiko's exec did) fails the test instead of hanging the suite.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = call()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(limit_s)
    if thread.is_alive():
        raise AssertionError(f"the call was still running after {limit_s:g}s")
    return box.get("result"), box.get("error")


@dataclass(frozen=True)
class ClientBytes:
    """Where paramiko's messages start on a connection, in client->server bytes (from a faithful proxy)."""

    before_auth: int
    """Bytes sent before the publickey authentication request (the last message before authentication)."""
    before_exec: int
    """Bytes sent up to and including the channel open: the next message is the exec request."""


def client_bytes(tmp_path: Path, sshd: SshdProcess) -> ClientBytes:
    """Measure ClientBytes on one faithful connection.

    The same on every connection with the same key and paramiko: its messages have fixed sizes (random
    padding bytes, not random lengths), and it waits for each reply before the next request.
    """
    tmp_path.mkdir(parents=True, exist_ok=True)
    with FaultProxy("forward", sshd.port) as proxy:
        with SSHPool(load_proxy_inventory(tmp_path, sshd, proxy)) as pool:
            transport = pool.transport("box")
            connected = proxy.counters()[0]
            transport.run(["id", "-u"])
        chunks = proxy.client_chunks()
    total = 0
    for index, size in enumerate(chunks):
        total += size
        if total == connected:
            return ClientBytes(before_auth=connected - size, before_exec=connected + chunks[index + 1])
    raise AssertionError(f"no chunk boundary at {connected} bytes in {chunks}")
