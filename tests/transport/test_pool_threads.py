"""SSHPool from worker threads: one connection per host, opened once even when threads ask together."""

from __future__ import annotations

import select
import socket
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
import yaml

from sandbox.sshd import SshdProcess, known_hosts_line
from tests.support.faultproxy import FaultProxy
from tests.transport.fault_helpers import load_proxy_inventory
from tools.errors import HostUnreachableError
from tools.inventory import load_inventory
from tools.transport.ssh import SSHPool, SSHTransport

pytestmark = pytest.mark.sshd


def _together(count: int, call: object) -> list[object]:
    """Run `call()` in `count` threads released at the same instant; each one's result or exception."""
    assert callable(call)
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def worker(index: int) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(t.is_alive() for t in threads)
    return results



def _fleet_inventory(
    tmp_path: Path, sshd: SshdProcess, ports: list[int], *, connect_timeout_s: float
) -> tuple[Path, dict[str, dict[str, object]]]:
    """An inventory of hosts h0.. on `ports` (proxies in front of `sshd`), sharing one known_hosts file, as a
    fleet's default has: pinned keys are read while other hosts connect."""
    known = tmp_path / "known_hosts"
    known.write_text("".join(known_hosts_line(port, sshd.keys) for port in ports))
    hosts: dict[str, dict[str, object]] = {
        f"h{i}": {
            "address": "127.0.0.1",
            "port": port,
            "user": "root",
            "key_file": str(sshd.keys.client_key),
            "known_hosts": str(known),
            "connect_timeout_s": connect_timeout_s,
        }
        for i, port in enumerate(ports)
    }
    path = tmp_path / "inventory.yaml"
    path.write_text(yaml.safe_dump({"hosts": hosts}), encoding="utf-8")
    return path, hosts

def test_threads_asking_for_one_live_host_share_one_connection(
    tmp_path: Path, shared_sshd: SshdProcess
) -> None:
    with FaultProxy("forward", shared_sshd.port) as proxy:
        inventory = load_proxy_inventory(tmp_path, shared_sshd, proxy)
        with SSHPool(inventory) as pool:
            got = _together(8, lambda: pool.transport("box"))
            assert all(isinstance(t, SSHTransport) for t in got)
            assert len({id(t) for t in got}) == 1
            transport = got[0]
            assert isinstance(transport, SSHTransport)
            outputs = _together(8, lambda: transport.run(["id", "-u"]).stdout)
            assert outputs == [b"0\n"] * 8
            assert transport.connections_opened == 1
        assert proxy.accepted == 1


def test_threads_asking_for_one_dead_host_wait_for_one_attempt(
    tmp_path: Path, shared_sshd: SshdProcess
) -> None:
    # A host that accepts TCP and never answers: each attempt costs the whole connect budget (1 s).
    with FaultProxy("blackhole") as proxy:
        inventory = load_proxy_inventory(tmp_path, shared_sshd, proxy, connect_timeout_s=1)
        with SSHPool(inventory) as pool:
            started = time.monotonic()
            errors = _together(4, lambda: pool.transport("box"))
            elapsed = time.monotonic() - started
        assert all(isinstance(e, HostUnreachableError) for e in errors), errors
        assert all("box" in str(e) for e in errors)
        assert proxy.accepted == 1, "the threads waiting for the attempt in flight must not open their own"
        assert elapsed < 1 + 5


def test_threads_fanning_out_over_many_hosts_open_one_connection_each(
    tmp_path: Path, shared_sshd: SshdProcess
) -> None:
    # 8 hosts (each its own proxy, so its own address), 3 threads per host, all released at once.
    with ExitStack() as stack:
        proxies = [stack.enter_context(FaultProxy("forward", shared_sshd.port)) for _ in range(8)]
        path, hosts = _fleet_inventory(tmp_path, shared_sshd, [p.port for p in proxies], connect_timeout_s=10)
        names = [f"h{i % 8}" for i in range(24)]
        calls = iter(names)
        lock = threading.Lock()

        def one() -> tuple[str, bytes]:
            with lock:
                name = next(calls)
            return name, pool.transport(name).run(["id", "-u"]).stdout

        with SSHPool(load_inventory(path)) as pool:
            results = _together(24, one)
            opened = {name: pool.transport(name).connections_opened for name in hosts}
    assert sorted(r for r in results if isinstance(r, tuple)) == sorted((n, b"0\n") for n in names), results
    assert opened == dict.fromkeys(hosts, 1)
    assert [p.accepted for p in proxies] == [1] * 8


class _SlowBanner:
    """A loopback forwarder to sshd that holds every new connection `delay_s` before the first byte."""

    def __init__(self, upstream: int, delay_s: float) -> None:
        self._upstream = upstream
        self._delay_s = delay_s
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        time.sleep(self._delay_s)  # the host is slow to answer: no banner before this
        with client, socket.create_connection(("127.0.0.1", self._upstream)) as server:
            ends = {client: server, server: client}
            while True:
                readable, _, _ = select.select(list(ends), [], [], 5)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    ends[sock].sendall(data)

    def close(self) -> None:
        """Stop accepting (connections being served end with their sockets)."""
        self._listener.close()


def test_hosts_slow_to_answer_are_waited_for_at_once_not_one_after_another(
    tmp_path: Path, shared_sshd: SshdProcess
) -> None:
    # 8 hosts that each take DELAY before their banner: connecting them from 8 threads must cost about
    # one DELAY (the handshakes overlap), not 8 (a lock held across a connect would queue them).
    delay, count = 0.6, 8
    proxies = [_SlowBanner(shared_sshd.port, delay) for _ in range(count)]
    try:
        path, hosts = _fleet_inventory(tmp_path, shared_sshd, [p.port for p in proxies], connect_timeout_s=20)
        names = iter(hosts)
        lock = threading.Lock()

        def one() -> bytes:
            with lock:
                name = next(names)
            return pool.transport(name).run(["id", "-u"]).stdout

        with SSHPool(load_inventory(path)) as pool:
            started = time.monotonic()
            results = _together(count, one)
            elapsed = time.monotonic() - started
    finally:
        for proxy in proxies:
            proxy.close()
    assert results == [b"0\n"] * count
    assert delay <= elapsed < count * delay / 2, f"{count} slow hosts took {elapsed:.2f}s"
