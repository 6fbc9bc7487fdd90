"""file_info: run() against real files, links and odd names under tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tools.base import ToolContext
from tools.file_info import TOOL, stat_argv
from tools.hoststate.files import parse_stat


def test_stat_argv_puts_paths_after_double_dash() -> None:
    argv = stat_argv(["/etc/passwd"])
    assert argv[0] == "stat" and argv[-2:] == ("--", "/etc/passwd")


def test_run_describes_files_links_and_odd_names(local_ctx: ToolContext, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_bytes(b"12345")
    os.chmod(plain, 0o4755)
    os.utime(plain, (1_700_000_000, 1_600_000_000))
    odd = tmp_path / "we\nird\tname"
    odd.write_bytes(b"")
    link = tmp_path / "link"
    link.symlink_to("/etc/pass wd")
    missing = tmp_path / "missing"
    paths = [str(plain), str(odd), str(link), str(missing), str(tmp_path)]
    result = TOOL.run(TOOL.parse_args({"paths": paths}), local_ctx)
    rows = {r["path"]: r for r in result.rows}
    assert set(rows) == {str(plain), str(odd), str(link), str(tmp_path)}
    p = rows[str(plain)]
    assert (p["type"], p["size"], p["mode"], p["user"], p["target"]) == ("file", 5, "4755", "root", None)
    assert p["mtime"] == "2020-09-13T12:26:40+00:00"
    assert p["atime"] == "2023-11-14T22:13:20+00:00"
    assert p["inode"] == plain.stat().st_ino
    assert rows[str(odd)]["size"] == 0
    assert (rows[str(link)]["type"], rows[str(link)]["target"]) == ("symlink", "/etc/pass wd")
    assert rows[str(tmp_path)]["type"] == "dir"
    assert any("missing" in n for n in result.notes)
    assert [c.argv[0] for c in result.commands] == ["stat", "find"]


def test_parse_stat_drops_a_garbled_record() -> None:
    entries, bad = parse_stat(b"regular file\t1\t644\0")
    assert entries == [] and len(bad) == 1


@pytest.mark.parametrize("paths", [["relative"], ["/a/../etc/shadow"], [], ["/x\0y"]])
def test_bad_paths_are_refused(paths: list[str]) -> None:
    with pytest.raises(ValueError):
        TOOL.parse_args({"paths": paths})
