"""A sandbox host seen over SSH: its own process table, its own logs, the planted processes live."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SandboxHandle
from tests.sandbox.conftest import Remote

pytestmark = pytest.mark.sshd


def test_ps_shows_the_hosts_processes_only(sandbox: SandboxHandle, remote: Remote) -> None:
    table = remote.run("ps -e -o pid=,comm=,args=")
    miner = sandbox.expected.miner
    assert re.search(
        rf"^\s*{miner.pid}\s+{re.escape(miner.comm)}\s+{re.escape(miner.argv[0])}\s*$", table, re.M
    )
    assert "pytest" not in table
    assert len(table.splitlines()) < 20, table
    assert remote.run("hostname").strip() == sandbox.host_name


def test_planted_processes_match_the_ground_truth(sandbox: SandboxHandle, remote: Remote) -> None:
    for proc in sandbox.expected.processes:
        exe = remote.run(f"readlink /proc/{proc.pid}/exe").strip()
        comm = remote.run(f"cat /proc/{proc.pid}/comm").strip()
        argv = remote.run(f"tr '\\0' '\\n' < /proc/{proc.pid}/cmdline").rstrip("\n").split("\n")
        user = remote.run(f"ps -o user= -p {proc.pid}").strip()
        assert (exe, comm, tuple(argv), user) == (proc.exe, proc.comm, proc.argv, proc.user), proc.role
    assert sandbox.expected.deleted_exe_process.exe.endswith(" (deleted)")


def test_miner_holds_an_established_connection_to_the_pool(sandbox: SandboxHandle, remote: Remote) -> None:
    miner = sandbox.expected.miner
    sockets = remote.run("ss -tnp")
    lines = [line for line in sockets.splitlines() if f"pid={miner.pid}," in line]
    assert len(lines) == 1, sockets
    assert lines[0].startswith("ESTAB") and f" {miner.remote} " in lines[0]


def test_logs_are_the_scenarios_and_read_only(sandbox: SandboxHandle, remote: Remote) -> None:
    auth = remote.run("cat /var/log/auth.log")
    assert auth == (sandbox.tree / "var/log/auth.log").read_text()
    assert sandbox.expected.successful_login.line in auth.splitlines()
    assert f" {sandbox.host_name} sshd[" in auth
    _, stdout, _ = remote.client.exec_command("touch /var/log/sleuth-probe")
    assert stdout.channel.recv_exit_status() != 0


def test_last_and_lastb_read_the_utmp_files(sandbox: SandboxHandle, remote: Remote) -> None:
    login = sandbox.expected.successful_login
    last = remote.run("last -f /var/log/wtmp")
    assert re.search(rf"^{login.user}\s+pts/0\s+{re.escape(login.ip)}\s", last, re.M), last
    assert "reboot   system boot" in last
    lastb = remote.run("lastb -f /var/log/btmp")
    assert sum("ssh:notty" in line for line in lastb.splitlines()) == sandbox.expected.btmp_count


def test_persistence_is_where_the_ground_truth_says(sandbox: SandboxHandle, remote: Remote) -> None:
    for entry in sandbox.expected.persistence:
        assert entry.line in remote.run(f"cat {entry.path}").splitlines(), entry
    dropped = sandbox.expected.dropped_files[0]
    assert remote.run(f"sha256sum {dropped.path}").split()[0] == dropped.sha256
