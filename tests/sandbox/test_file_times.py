"""File times agree with the scenario's logs: the attacker's files at their log times, the rest old."""

from __future__ import annotations

import gzip
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import SandboxHandle
from tests.sandbox.conftest import Remote

pytestmark = pytest.mark.sshd


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(os.lstat(path).st_mtime, UTC)


def test_attacker_files_carry_the_time_of_their_log_lines(sandbox: SandboxHandle) -> None:
    gt = sandbox.expected
    sudo = {c.command: c.timestamp for c in gt.sudo_commands}
    login = gt.successful_login.timestamp
    logout = next(r.timestamp for r in reversed(gt.wtmp) if r.type == "DEAD_PROCESS")
    assert len(gt.attacker_files) > 10
    for planted in gt.attacker_files:
        assert _mtime(sandbox.tree / planted.path.lstrip("/")) == planted.mtime, planted.path
        assert login < planted.mtime <= logout, planted.path
        if planted.sudo_command is not None:
            assert planted.mtime == sudo[planted.sudo_command], planted.path
        if planted.change == "created":
            parent = sandbox.tree / Path(planted.path).parent.relative_to("/")
            assert _mtime(parent) >= planted.mtime, planted.path
    logged = {p.sudo_command for p in gt.attacker_files}
    assert {c for c in sudo if "tee" in c or "curl" in c or " cp " in c} <= logged
    assert {e.path for e in gt.persistence} <= {p.path for p in gt.attacker_files if p.persistence}


def test_every_other_file_is_old(sandbox: SandboxHandle) -> None:
    gt = sandbox.expected
    planted = {p.path for p in gt.attacker_files}
    # A directory the attacker created an entry in takes that entry's time, as a kernel would set it.
    parents = {str(d) for p in gt.attacker_files for d in Path(p.path).parents}
    session = (gt.successful_login.timestamp, max(p.mtime for p in gt.attacker_files))
    boot = gt.wtmp[0].timestamp
    checked = 0
    for current, dirs, files in os.walk(sandbox.tree):
        for name in (*dirs, *files):
            path = Path(current) / name
            inside = "/" + path.relative_to(sandbox.tree).as_posix()
            if inside in planted or inside.startswith("/var/log/"):
                continue
            if inside in parents and session[0] < _mtime(path) <= session[1]:
                continue
            age = gt.generated_at - _mtime(path)
            if inside.startswith("/tmp"):
                assert _mtime(path) == boot, inside  # a tmpfs created at boot
            else:
                assert timedelta(days=30) <= age <= timedelta(days=400), inside
            checked += 1
    assert checked > 20


def test_logs_were_last_written_at_their_last_line(sandbox: SandboxHandle) -> None:
    log_dir = sandbox.tree / "var/log"
    for name in ("auth.log", "auth.log.1", "auth.log.2.gz", "syslog"):
        data = (log_dir / name).read_bytes()
        last = (gzip.decompress(data) if name.endswith(".gz") else data).decode().splitlines()[-1]
        assert last.startswith(_mtime(log_dir / name).strftime("%b %e %H:%M:%S ")), name
    assert _mtime(log_dir / "wtmp") == max(r.timestamp for r in sandbox.expected.wtmp)


def test_times_hold_inside_the_host(sandbox: SandboxHandle, remote: Remote) -> None:
    gt = sandbox.expected
    benign = ["/etc/cron.d/e2scrub_all", "/home/admin/.ssh/authorized_keys"]
    paths = [p.path for p in gt.attacker_files] + benign
    shown: dict[str, str] = {}
    for line in remote.run("stat -c '%Y %n' " + " ".join(paths)).splitlines():
        seconds, path = line.split(" ", 1)
        shown[path] = seconds
    for planted in gt.attacker_files:
        assert int(shown[planted.path]) == int(planted.mtime.timestamp()), planted.path
    for path in benign:
        assert gt.generated_at.timestamp() - int(shown[path]) >= 30 * 86400, path
    # The deleted executable's directory kept the scenario's time, not the moment init removed it.
    hidden = Path(gt.deleted_exe_process.exe.removesuffix(" (deleted)")).parent
    assert int(remote.run(f"stat -c %Y {hidden}")) < int(gt.generated_at.timestamp()) - 3600


def test_authorized_keys_ground_truth_matches_the_files(sandbox: SandboxHandle) -> None:
    keys = sandbox.expected.authorized_keys
    assert {k.origin for k in keys} == {"attacker", "benign", "sandbox"}
    for path in {k.path for k in keys}:
        printed = subprocess.run(
            ["ssh-keygen", "-lf", str(sandbox.tree / path.lstrip("/"))],
            capture_output=True, text=True, check=True,
        ).stdout.splitlines()
        assert [line.split()[1] for line in printed] == [k.fingerprint for k in keys if k.path == path]
    attacker = {k.fingerprint for k in keys if k.origin == "attacker"}
    assert attacker == {sandbox.expected.attacker_key_fingerprint}
