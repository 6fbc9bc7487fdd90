"""list_users: run() on this machine's accounts and on a planted passwd/group (private mount namespace)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tools.nsrun import run_with_mounts
from tools.base import ToolContext
from tools.list_users import TOOL

PASSWD = """root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/bin/bash
toor:x:0:0::/root:/bin/sh
alice:x:1000:1000:Alice:/home/alice:/bin/bash
bob:x:1001:1001::/home/bob:/bin/bash
"""
GROUP = """root:x:0:
sudo:x:27:bob
alice:x:1000:
bob:x:1001:
"""


def test_run_on_this_machine(local_ctx: ToolContext) -> None:
    result = TOOL.run(TOOL.parse_args({}), local_ctx)
    root = next(r for r in result.rows if r["user"] == "root")
    assert (root["uid"], root["gid"], root["home"]) == (0, 0, "/root")
    assert "uid0_not_root" not in str(root["flags"])
    assert [c.argv for c in result.commands] == [("getent", "passwd"), ("getent", "group")]


def test_planted_accounts_are_flagged(tmp_path: Path) -> None:
    (tmp_path / "passwd").write_text(PASSWD)
    (tmp_path / "group").write_text(GROUP)
    rows, notes = run_with_mounts(
        "list_users", {}, [(tmp_path / "passwd", "/etc/passwd"), (tmp_path / "group", "/etc/group")]
    )
    flags = {r["user"]: r["flags"] for r in rows}
    assert flags == {
        "root": "dup_uid",
        "daemon": "",
        "www-data": "system_account_with_shell",
        "toor": "uid0_not_root,dup_uid",
        "alice": "",
        "bob": "privileged_group",
    }
    assert next(r for r in rows if r["user"] == "bob")["groups"] == "sudo"
    assert notes == []


def test_only_flagged_is_a_bool() -> None:
    with pytest.raises(ValueError):
        TOOL.parse_args({"only_flagged": "maybe"})
