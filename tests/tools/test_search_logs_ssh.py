"""search_logs and read_file over a real sshd on loopback (SSHPool, pinned host key): only matches travel."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.tools.logfiles import auth_lines, write
from tools.base import ToolContext
from tools.inventory import HostEntry, Inventory
from tools.read_file import TOOL as READ_FILE
from tools.search_logs import TOOL as SEARCH_LOGS

sshd_module = pytest.importorskip("sandbox.sshd", reason="sandbox.sshd is not there yet")
ssh_module = pytest.importorskip("tools.transport.ssh", reason="tools.transport.ssh is not there yet")

pytestmark = [
    pytest.mark.sshd,
    pytest.mark.skipif(os.geteuid() != 0, reason="sshd needs root (privilege separation, /run/sshd)"),
    pytest.mark.skipif(not sshd_module.SSHD.is_file(), reason="/usr/sbin/sshd missing (openssh-server)"),
]


def test_search_and_read_over_ssh(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    live = write(logs / "auth.log", auth_lines(3000, start=300))
    write(logs / "auth.log.1.gz", auth_lines(300), gz=True)
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
            args = SEARCH_LOGS.parse_args(
                {
                    "paths": [str(live), str(logs / "secure")],
                    "pattern": r"Failed password for (?P<user>root) ",
                    "engine": "grep",
                }
            )
            result = SEARCH_LOGS.run(args, ctx)
            read = READ_FILE.run(READ_FILE.parse_args({"path": str(live), "lines": 2, "from_end": True}), ctx)
    finally:
        sshd.stop()
    assert result.host == "web01"
    assert result.host_key_fingerprint == sshd.keys.host_fingerprint
    assert [c.argv[0] for c in result.commands][-2:] == ["grep", "zgrep"]
    cov = result.coverage
    assert cov is not None and cov.status == "partial"
    assert cov.reasons == (f"log missing: {logs / 'secure'} (and no rotation)",)
    assert cov.lines_read == 3300 and cov.kept == 220
    assert [(s.lines, s.found) for s in cov.sources] == [(300, True), (3000, True), (None, False)]
    # one find lists every file; the probes then cover all files per command
    assert len(result.commands) == 7
    # every 15th line is a failed password for root: 20 in the .gz, 200 in the live file
    assert len(result.rows) == 220
    assert {row["user"] for row in result.rows} == {"root"}
    assert result.rows[0]["path"] == str(logs / "auth.log.1.gz")
    # push-down: far fewer bytes crossed the wire than the log holds
    assert result.bytes < live.stat().st_size // 5
    assert [row["line_no"] for row in read.rows] == [2999, 3000]
