"""A plain sshd on loopback answers a pinned, key-only paramiko client."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import paramiko
import pytest

from sandbox.errors import SandboxError
from sandbox.sshd import SSHD, start_sshd, write_sshd_config

pytestmark = [
    pytest.mark.sshd,
    pytest.mark.skipif(os.geteuid() != 0, reason="sshd needs root (privilege separation, /run/sshd)"),
    pytest.mark.skipif(not SSHD.is_file(), reason=f"{SSHD} missing: install Debian's openssh-server"),
]


def _client(port: int, known_hosts: Path, key: Path) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.load_host_keys(str(known_hosts))
    client.connect(
        "127.0.0.1",
        port=port,
        username="root",
        key_filename=str(key),
        allow_agent=False,
        look_for_keys=False,
        timeout=10,
    )
    return client


def test_sshd_runs_a_command_for_the_pinned_key(tmp_path: Path) -> None:
    sshd = start_sshd(tmp_path)
    try:
        assert sshd.keys.host_fingerprint.startswith("SHA256:")
        assert sshd.known_hosts.read_text().startswith(f"[127.0.0.1]:{sshd.port} ssh-ed25519 ")
        client = _client(sshd.port, sshd.known_hosts, sshd.keys.client_key)
        try:
            _, stdout, _ = client.exec_command("echo ok")
            assert stdout.read() == b"ok\n"
        finally:
            client.close()
    finally:
        sshd.stop()
    assert sshd.process.poll() is not None


def test_sshd_refuses_a_client_that_does_not_know_its_key(tmp_path: Path) -> None:
    sshd = start_sshd(tmp_path / "a")
    try:
        other = tmp_path / "other_known_hosts"
        other.write_text("")
        with pytest.raises(paramiko.SSHException):
            _client(sshd.port, other, sshd.keys.client_key)
    finally:
        sshd.stop()


def test_sshd_that_dies_gives_its_stderr(tmp_path: Path) -> None:
    # A wrapper that exits at once stands for an sshd that cannot start.
    with pytest.raises(SandboxError, match="did not answer"):
        start_sshd(tmp_path, wrap=(shutil.which("false") or "/bin/false",))


def test_config_is_key_only_on_loopback(tmp_path: Path) -> None:
    from sandbox.sshd import generate_keys

    keys = generate_keys(tmp_path)
    config = write_sshd_config(tmp_path, 2222, keys, tmp_path / "ak", extra={"LogLevel": "DEBUG"}).read_text()
    assert "ListenAddress 127.0.0.1\n" in config
    assert "PasswordAuthentication no\n" in config
    assert "LogLevel DEBUG\n" in config
