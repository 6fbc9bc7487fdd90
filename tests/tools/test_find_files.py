"""find_files: argv construction and run() on a real tree under tmp_path."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tools.base import Row, ToolContext
from tools.find_files import TOOL, find_argv
from tools.transport.allowlist import check_argv


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """web/: an old page, a fresh shell in a hidden dir, a world-writable file, a big file."""
    web = tmp_path / "web"
    (web / ".cache").mkdir(parents=True)
    old = web / "index.php"
    old.write_text("<?php echo 1;")
    os.utime(old, (time.time() - 30 * 86400, time.time() - 30 * 86400))
    (web / ".cache" / "x.php").write_text("<?php system($_GET['c']);")
    writable = web / "upload.txt"
    writable.write_text("u")
    os.chmod(writable, 0o666)
    (web / "big.bin").write_bytes(b"\0" * 5000)
    return web


def test_argv_is_allowlisted_and_bounded() -> None:
    args = TOOL.parse_args({"roots": ["/var/www"], "name": "*.php", "modified_within": "PT24H",
                            "world_writable": True, "hidden_only": True, "larger_than_bytes": 10,
                            "max_depth": 3})
    argv = find_argv(args)
    assert argv[:5] == ("find", "/var/www", "-xdev", "-maxdepth", "3")
    assert argv[argv.index("-mmin"): argv.index("-mmin") + 2] == ("-mmin", "-1440")
    assert check_argv(argv) == argv


def _paths(result_rows: list[Row], root: Path) -> set[str]:
    return {str(r["path"]).removeprefix(str(root)) for r in result_rows}


def test_run_filters(local_ctx: ToolContext, tree: Path) -> None:
    def run(**kw: object) -> set[str]:
        return _paths(TOOL.run(TOOL.parse_args({"roots": [str(tree)], **kw}), local_ctx).rows, tree)

    assert run(name="*.php") == {"/index.php", "/.cache/x.php"}
    assert run(name="*.php", modified_within="P1D") == {"/.cache/x.php"}
    assert run(world_writable=True) == {"/upload.txt"}
    assert run(hidden_only=True, type="any") == {"/.cache"}
    assert run(larger_than_bytes=4096) == {"/big.bin"}
    assert run(max_depth=1, name="*.php") == {"/index.php"}


def test_run_rows_and_cap(local_ctx: ToolContext, tree: Path) -> None:
    result = TOOL.run(TOOL.parse_args({"roots": [str(tree)], "name": "upload.txt"}), local_ctx)
    row = result.rows[0]
    assert (row["type"], row["size"], row["mode"], row["user"]) == ("file", 1, "0666", "root")
    capped = TOOL.run(TOOL.parse_args({"roots": [str(tree)], "max_results": 2}), local_ctx)
    assert len(capped.rows) == 2 and capped.truncated


def test_missing_root_is_a_note(local_ctx: ToolContext, tmp_path: Path) -> None:
    result = TOOL.run(TOOL.parse_args({"roots": [str(tmp_path / "nope")]}), local_ctx)
    assert result.rows == [] and any("nope" in n for n in result.notes)


@pytest.mark.parametrize("bad", [{"roots": ["web"]}, {"roots": ["/"], "name": "a/b"},
                                 {"roots": ["/"], "modified_within": "-PT1H"},
                                 {"roots": ["/"], "max_depth": 99}])
def test_bad_args_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TOOL.parse_args(bad)
