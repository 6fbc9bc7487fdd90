"""up / status / down of a sandbox of its own: several hosts, idempotent down, nothing left behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox import launcher, procs
from sandbox.errors import SandboxError
from tests.conftest import SandboxHandle, sandbox_skip_reason
from tests.sandbox.conftest import Remote, connect
from tools.inventory import load_inventory

ROOT = Path(__file__).resolve().parents[2]
needs_sandbox = pytest.mark.skipif(sandbox_skip_reason() is not None, reason=f"{sandbox_skip_reason()}")


def _namespace_pids(init_pid: int) -> list[tuple[int, int]]:
    """(pid, start time) of every process in the PID namespace of init_pid (outside view)."""
    ns = os.readlink(f"/proc/{init_pid}/ns/pid")
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                same = os.readlink(entry / "ns/pid") == ns
            except OSError:
                continue
            started = procs.start_time(int(entry.name))
            if same and started is not None:
                found.append((int(entry.name), started))
    return found


@needs_sandbox
def test_two_hosts_up_status_down(tmp_path: Path) -> None:
    state = launcher.up(tmp_path, hosts=2)
    try:
        assert [h.name for h in state.hosts] == ["sandbox-01", "sandbox-02"]
        assert len({h.port for h in state.hosts}) == len({h.host_key_fingerprint for h in state.hosts}) == 2
        inventory = load_inventory(state.inventory)
        assert inventory.resolve("sandbox") == ("sandbox-01", "sandbox-02")
        assert inventory.host("sandbox-02").port == state.hosts[1].port
        for host in state.hosts:
            client = connect(SandboxHandle(state, host), host.port)
            try:
                assert Remote(client).run("hostname").strip() == host.name
                assert f" {host.name} sshd[" in Remote(client).run("grep -m1 sshd /var/log/auth.log")
            finally:
                client.close()
        assert all(h.alive and h.answers_ssh for h in launcher.status(tmp_path).hosts)
        with pytest.raises(SandboxError, match="already up"):
            launcher.up(tmp_path)
        inside = [pid for host in state.hosts for pid in _namespace_pids(host.init_pid)]
        assert len(inside) >= 2 * 6  # sshd as init + five planted processes per host
    finally:
        launcher.down(tmp_path)
    assert not [pid for pid, started in inside if procs.is_running(pid, started)]
    assert not any(procs.start_time(h.unshare_pid) for h in state.hosts)
    assert list(tmp_path.iterdir()) == []
    launcher.down(tmp_path)  # idempotent
    with pytest.raises(SandboxError, match="no sandbox"):
        launcher.status(tmp_path)


@needs_sandbox
def test_up_refuses_bad_input(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match=r"unknown scenario 'nope'.*ssh-bruteforce-miner"):
        launcher.up(tmp_path, scenario="nope")
    with pytest.raises(SandboxError, match="--hosts"):
        launcher.up(tmp_path, hosts=0)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to an unprivileged user needs root")
def test_non_root_gets_a_clear_message(tmp_path: Path) -> None:
    tmp_path.chmod(0o777)
    done = subprocess.run(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            sys.executable,
            "-m",
            "agent.cli.main",
            "sandbox",
            "up",
            "--state-dir",
            str(tmp_path / "s"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 4, done.stderr
    assert "sleuth: error: the sandbox needs root" in done.stderr
    assert not (tmp_path / "s").exists()


def test_cli_status_without_sandbox(tmp_path: Path) -> None:
    from agent.cli.main import main

    assert main(["sandbox", "down", "--state-dir", str(tmp_path)]) == 0
    assert main(["sandbox", "status", "--state-dir", str(tmp_path)]) == 4
