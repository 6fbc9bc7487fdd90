"""`sleuth tool` against misbehaving hosts, as a user runs it: one line on stderr, exit 3, in time; Ctrl-C
ends a call stuck on a silent host at once."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from sandbox.sshd import SshdProcess
from tests.support.cli import ROOT, SLEUTH, read_hostname_args, sleuth
from tests.support.faultproxy import FaultProxy, Kind
from tests.transport.fault_helpers import client_bytes, proxy_inventory

pytestmark = pytest.mark.sshd

EXIT_TARGET = 3
EXIT_INTERRUPTED = 130


def _tool_args(inventory: Path, *extra: str) -> list[str]:
    return read_hostname_args(inventory, *extra)


def _one_line_error(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("sleuth: error: ") and "Traceback" not in stderr and "\x1b" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("kind", "options", "says"),
    [
        ("blackhole", {}, "sent no SSH banner within 2s"),
        ("garbage_banner", {}, "is not an SSH server"),
        ("banner_then_drop", {}, "closed the connection during the SSH key exchange"),
        ("stall_after", {"after_bytes": 200}, "did not finish the key exchange within 2s"),
    ],
)
def test_a_host_failing_the_handshake_is_one_line_and_exit_3(
    tmp_path: Path, shared_sshd: SshdProcess, kind: Kind, options: dict[str, Any], says: str
) -> None:
    with FaultProxy(kind, shared_sshd.port, **options) as proxy:
        inventory = proxy_inventory(tmp_path, shared_sshd, proxy)
        started = time.monotonic()
        done = sleuth(*_tool_args(inventory), home=tmp_path / "home", timeout=60)
        elapsed = time.monotonic() - started
    line = _one_line_error(done.stderr)
    assert says in line and "(host box)" in line
    assert done.returncode == EXIT_TARGET
    assert elapsed < 2 + 10  # the connect budget, plus the interpreter's start-up on a busy box


@pytest.fixture
def exec_bytes(tmp_path: Path, shared_sshd: SshdProcess) -> int:
    """Client bytes up to the exec request (see client_bytes)."""
    return client_bytes(tmp_path / "calibrate", shared_sshd).before_exec


def test_a_host_silent_after_the_exec_request_is_one_line_and_exit_3_in_time(
    tmp_path: Path, shared_sshd: SshdProcess, exec_bytes: int
) -> None:
    with FaultProxy("stall_after", shared_sshd.port, after_client_bytes=exec_bytes) as proxy:
        inventory = proxy_inventory(tmp_path, shared_sshd, proxy)
        started = time.monotonic()
        done = sleuth(*_tool_args(inventory, "--timeout", "1"), home=tmp_path / "home", timeout=60)
        elapsed = time.monotonic() - started
        assert proxy.triggered()
    line = _one_line_error(done.stderr)
    assert "host box stopped answering after the channel opened" in line
    assert done.returncode == EXIT_TARGET
    assert elapsed < 1 + 5 + 2 + 10  # --timeout, the remote timeout's slack, the connect budget, start-up


def test_a_connection_dropped_during_exec_is_one_line_and_exit_3(
    tmp_path: Path, shared_sshd: SshdProcess, exec_bytes: int
) -> None:
    with FaultProxy("drop_mid_command", shared_sshd.port, after_client_bytes=exec_bytes) as proxy:
        inventory = proxy_inventory(tmp_path, shared_sshd, proxy)
        done = sleuth(*_tool_args(inventory), home=tmp_path / "home", timeout=60)
        assert proxy.triggered()
    line = _one_line_error(done.stderr)
    assert "the connection to host box was lost while starting" in line
    assert done.returncode == EXIT_TARGET


@pytest.mark.parametrize("stage", ["banner", "exec"])
def test_ctrl_c_ends_a_call_stuck_on_a_silent_host_at_once(
    tmp_path: Path, shared_sshd: SshdProcess, exec_bytes: int, stage: str
) -> None:
    # Budgets of a minute: only the interrupt can end these calls within the test.
    options: dict[str, Any] = {"after_client_bytes": exec_bytes} if stage == "exec" else {}
    kind: Kind = "stall_after" if stage == "exec" else "blackhole"
    with FaultProxy(kind, shared_sshd.port, **options) as proxy:
        inventory = proxy_inventory(tmp_path, shared_sshd, proxy, connect_timeout_s=60)
        env = {**os.environ, "SLEUTH_HOME": str(tmp_path / "home")}
        child = subprocess.Popen(
            [*SLEUTH, *_tool_args(inventory, "--timeout", "60")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            waited = time.monotonic() + 30
            while (
                not (proxy.triggered() if stage == "exec" else proxy.accepted) and time.monotonic() < waited
            ):
                time.sleep(0.05)
            assert child.poll() is None, child.communicate()
            time.sleep(0.5)  # well inside the wait now
            child.send_signal(signal.SIGINT)
            sent = time.monotonic()
            _, stderr = child.communicate(timeout=15)
            elapsed = time.monotonic() - sent
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    assert "Traceback" not in stderr, stderr
    assert child.returncode == EXIT_INTERRUPTED, stderr
    assert elapsed < 2.5, f"took {elapsed:.1f}s after SIGINT"
