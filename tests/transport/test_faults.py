"""Hosts that misbehave on the wire (fault proxy in front of a real sshd): every call ends within its
deadline, with a typed error naming the host and the phase, and paramiko prints nothing."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from sandbox.sshd import SshdProcess
from tests.support.faultproxy import FaultProxy, Kind
from tests.transport.fault_helpers import bounded, client_bytes, load_proxy_inventory
from tools.errors import (
    CommandTimeoutError,
    ConnectionLostError,
    HandshakeTimeoutError,
    HostStalledError,
    NotSSHError,
    TransportError,
)
from tools.transport.ssh import CLIENT_SLACK_S, SSHPool

pytestmark = pytest.mark.sshd

CONNECT_S = 2
"""The connect budget of the proxied host in these tests."""
MARGIN_S = 5
"""How far past its deadline a call may end on a busy 2-core box."""


def _nothing_printed(capfd: pytest.CaptureFixture[str]) -> None:
    """Nothing reached this process's stdout/stderr (the CLI tests check a real terminal's stderr)."""
    assert capfd.readouterr() == ("", "")


CONNECT_FAULTS: list[tuple[Kind, dict[str, Any], type[TransportError], str, str]] = [
    ("blackhole", {}, HandshakeTimeoutError, "SSH banner", f"sent no SSH banner within {CONNECT_S}s"),
    ("banner_then_drop", {}, ConnectionLostError, "key exchange", "closed the connection during the SSH key"),
    ("garbage_banner", {}, NotSSHError, "", r"not an SSH server: it sent b'HTTP/1.1 400 Bad Request\r\n"),
    ("stall_after", {"after_bytes": 200}, HandshakeTimeoutError, "key exchange", "did not finish the key"),
    ("trickle", {"interval_s": 0.2}, HandshakeTimeoutError, "SSH banner", "sent no SSH banner (only"),
]


@pytest.mark.parametrize(("kind", "options", "error", "phase", "message"), CONNECT_FAULTS)
def test_a_host_misbehaving_during_the_handshake_fails_within_the_connect_budget(
    tmp_path: Path,
    shared_sshd: SshdProcess,
    capfd: pytest.CaptureFixture[str],
    kind: Kind,
    options: dict[str, Any],
    error: type[TransportError],
    phase: str,
    message: str,
) -> None:
    with FaultProxy(kind, shared_sshd.port, **options) as proxy:
        inventory = load_proxy_inventory(tmp_path, shared_sshd, proxy, connect_timeout_s=CONNECT_S)
        with SSHPool(inventory) as pool:
            started = time.monotonic()
            _, raised = bounded(lambda: pool.transport("box"), CONNECT_S + MARGIN_S)
            elapsed = time.monotonic() - started
    assert isinstance(raised, error), repr(raised)
    text = str(raised)
    assert message in text, text
    assert "(host box)" in text and "\n" not in text and "\x1b" not in text
    if phase:
        assert getattr(raised, "phase", None) == phase
    assert elapsed < CONNECT_S + MARGIN_S
    _nothing_printed(capfd)


def _armed_run(
    tmp_path: Path, sshd: SshdProcess, proxy: FaultProxy, argv: list[str], timeout_s: float
) -> tuple[BaseException | None, float]:
    """Connect through a faithful proxy, arm its fault, then run argv: what it raised and how long it took."""
    inventory = load_proxy_inventory(tmp_path, sshd, proxy, connect_timeout_s=CONNECT_S)
    with SSHPool(inventory) as pool:
        transport = pool.transport("box")
        proxy.arm()
        started = time.monotonic()
        limit = timeout_s + CLIENT_SLACK_S + CONNECT_S + MARGIN_S
        _, raised = bounded(lambda: transport.run(argv, timeout_s=timeout_s), limit)
        return raised, time.monotonic() - started


@pytest.mark.parametrize(("chunks", "phase"), [(1, "channel open"), (2, "exec")])
def test_a_host_that_stops_answering_after_authentication_fails_within_the_call_deadline(
    tmp_path: Path,
    shared_sshd: SshdProcess,
    capfd: pytest.CaptureFixture[str],
    chunks: int,
    phase: str,
) -> None:
    # chunks=2: the channel opened and the exec request went through, then the host went silent
    # (paramiko's exec_command waits for its answer with no timeout at all).
    with FaultProxy("stall_after", shared_sshd.port, after_client_chunks=chunks, armed=False) as proxy:
        raised, elapsed = _armed_run(tmp_path, shared_sshd, proxy, ["id", "-u"], timeout_s=1)
    assert isinstance(raised, HostStalledError), repr(raised)
    assert isinstance(raised, CommandTimeoutError)
    assert raised.phase == phase
    assert "host box stopped answering" in str(raised)
    assert elapsed < 1 + CLIENT_SLACK_S + CONNECT_S + MARGIN_S
    _nothing_printed(capfd)


def test_a_host_trickling_its_answers_fails_within_the_call_deadline(
    tmp_path: Path, shared_sshd: SshdProcess
) -> None:
    # One byte every 50 ms resets any per-read timeout; only the call's one deadline stops it.
    with FaultProxy("trickle", shared_sshd.port, interval_s=0.05, armed=False) as proxy:
        raised, elapsed = _armed_run(tmp_path, shared_sshd, proxy, ["id", "-u"], timeout_s=1)
    assert isinstance(raised, HostStalledError), repr(raised)
    assert "box" in str(raised)
    assert elapsed < 1 + CLIENT_SLACK_S + CONNECT_S + MARGIN_S


def test_a_connection_dropped_mid_command_is_connection_lost_not_a_failed_command(
    tmp_path: Path,
    shared_sshd: SshdProcess,
    capfd: pytest.CaptureFixture[str],
) -> None:
    # The exec request goes through, the first answer comes back, then the connection is cut while
    # find is still printing.
    with FaultProxy(
        "drop_mid_command", shared_sshd.port, after_client_chunks=2, after_bytes=1, armed=False
    ) as proxy:
        raised, elapsed = _armed_run(tmp_path, shared_sshd, proxy, ["find", "/usr"], timeout_s=20)
    assert isinstance(raised, ConnectionLostError), repr(raised)
    assert "connection to host box was lost while" in str(raised)
    assert raised.phase in ("exec", "output")
    assert "status -1" not in str(raised)
    assert elapsed < MARGIN_S
    _nothing_printed(capfd)


def test_cancel_stops_calls_in_flight_in_worker_threads(tmp_path: Path, shared_sshd: SshdProcess) -> None:
    with FaultProxy("stall_after", shared_sshd.port, after_client_chunks=2, armed=False) as proxy:
        inventory = load_proxy_inventory(tmp_path, shared_sshd, proxy, connect_timeout_s=CONNECT_S)
        with SSHPool(inventory) as pool:
            transport = pool.transport("box")
            proxy.arm()
            results: list[BaseException | None] = []

            def call() -> None:
                _, raised = bounded(lambda: transport.run(["id", "-u"], timeout_s=30), 30)
                results.append(raised)

            worker = threading.Thread(target=call, daemon=True)
            worker.start()
            time.sleep(1.0)  # the call is now waiting for the answer to its exec request
            started = time.monotonic()
            pool.cancel()
            worker.join(10)
            assert not worker.is_alive()
            assert time.monotonic() - started < 2
    assert len(results) == 1 and isinstance(results[0], TransportError), results


@pytest.mark.parametrize("stage", ["connect", "exec"])
def test_closing_the_pool_stops_calls_in_flight_in_worker_threads(
    tmp_path: Path, shared_sshd: SshdProcess, stage: str
) -> None:
    # What Ctrl-C does to a fan-out: the main thread unwinds out of the pool's `with`, and the workers'
    # calls must end now, not when their budgets (a minute here) run out.
    kind: Kind = "blackhole" if stage == "connect" else "stall_after"
    with FaultProxy(kind, shared_sshd.port, after_client_chunks=2, armed=False) as proxy:
        inventory = load_proxy_inventory(tmp_path, shared_sshd, proxy, connect_timeout_s=60)
        results: list[BaseException | None] = []
        with SSHPool(inventory) as pool:
            transport = pool.transport("box") if stage == "exec" else None
            proxy.arm()

            def call() -> None:
                run = transport.run if transport else (lambda argv, timeout_s: pool.transport("box"))
                _, raised = bounded(lambda: run(["id", "-u"], timeout_s=60), 120)
                results.append(raised)

            worker = threading.Thread(target=call, daemon=True)
            worker.start()
            time.sleep(1.0)  # the worker is now waiting for the banner, or for the answer to its exec
            assert worker.is_alive()
            started = time.monotonic()  # closing the pool must not wait for the worker's connect either
        worker.join(30)
        elapsed = time.monotonic() - started
    assert not worker.is_alive()
    assert len(results) == 1 and isinstance(results[0], TransportError), results
    assert elapsed < 2, f"the worker's call took {elapsed:.1f}s to stop after the pool closed"


def test_a_host_silent_during_authentication_is_a_timeout_not_refused_credentials(
    tmp_path: Path, shared_sshd: SshdProcess, capfd: pytest.CaptureFixture[str]
) -> None:
    # The key exchange completes; the answer to our publickey request never comes.
    before_auth = client_bytes(tmp_path / "calibrate", shared_sshd).before_auth
    with FaultProxy("stall_after", shared_sshd.port, after_client_bytes=before_auth) as proxy:
        inventory = load_proxy_inventory(tmp_path, shared_sshd, proxy, connect_timeout_s=CONNECT_S)
        with SSHPool(inventory) as pool:
            started = time.monotonic()
            _, raised = bounded(lambda: pool.transport("box"), CONNECT_S + MARGIN_S)
            elapsed = time.monotonic() - started
        assert proxy.triggered()
    assert isinstance(raised, HandshakeTimeoutError), repr(raised)
    assert raised.phase == "authentication"
    assert f"authentication did not finish within {CONNECT_S}s" in str(raised)
    assert "refused our credentials" not in str(raised) and "(host box)" in str(raised)
    assert elapsed < CONNECT_S + MARGIN_S
    _nothing_printed(capfd)
