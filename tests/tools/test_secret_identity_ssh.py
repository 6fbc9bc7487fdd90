"""Secret files are refused by what they are on the remote target too (real sshd on loopback, SSHPool):
links resolve there, a key under an ordinary name shows its header there, /proc/<pid>/environ is refused."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tools.base import ToolContext
from tools.inventory import HostEntry, Inventory
from tools.read_file import TOOL as READ_FILE
from tools.search_logs import TOOL as SEARCH_LOGS
from tools.secrets.guard import SecretFileError

sshd_module = pytest.importorskip("sandbox.sshd", reason="sandbox.sshd is not there yet")
ssh_module = pytest.importorskip("tools.transport.ssh", reason="tools.transport.ssh is not there yet")

pytestmark = [
    pytest.mark.sshd,
    pytest.mark.skipif(os.geteuid() != 0, reason="sshd needs root (privilege separation, /run/sshd)"),
    pytest.mark.skipif(not sshd_module.SSHD.is_file(), reason="/usr/sbin/sshd missing (openssh-server)"),
]

KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEREMOTESECRETBODY\n-----END RSA PRIVATE KEY-----\n"


def test_secrets_are_refused_over_ssh_and_ordinary_files_read(tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    (files / "shadow-link").symlink_to("/etc/shadow")
    (files / "env-link").symlink_to("/proc/1/environ")
    (files / "backup.txt").write_text(KEY)
    (files / "app.log").write_text("Nov 26 03:14:07 h app[1]: started\n")
    sshd = sshd_module.start_sshd(tmp_path / "sshd")
    try:
        entry = HostEntry(
            address="127.0.0.1",
            port=sshd.port,
            user="root",
            key_file=sshd.keys.client_key,
            known_hosts=sshd.known_hosts,
        )
        with ssh_module.SSHPool(Inventory(hosts={"web01": entry})) as pool:
            ctx = ToolContext(transport=pool.transport("web01"))
            for name in ("shadow-link", "env-link", "backup.txt"):
                path = str(files / name)
                with pytest.raises(SecretFileError, match="holds secrets") as caught:
                    READ_FILE.run(READ_FILE.parse_args({"path": path}), ctx)
                assert "REMOTESECRET" not in str(caught.value)
                search = SEARCH_LOGS.parse_args({"paths": [path], "pattern": ".", "engine": "grep"})
                with pytest.raises(SecretFileError, match="holds secrets"):
                    SEARCH_LOGS.run(search, ctx)
            read = READ_FILE.run(READ_FILE.parse_args({"path": str(files / "app.log")}), ctx)
    finally:
        sshd.stop()
    assert [r["line"] for r in read.rows] == ["Nov 26 03:14:07 h app[1]: started"]
