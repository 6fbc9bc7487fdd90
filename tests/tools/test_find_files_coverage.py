"""find_files says which roots it searched: a missing web root is not examined, never an empty result."""

from __future__ import annotations

from pathlib import Path

from tools.base import ToolContext
from tools.find_files import TOOL


def test_missing_root_is_not_examined(local_ctx: ToolContext, tmp_path: Path) -> None:
    args = {"roots": [str(tmp_path / "www")], "modified_within": "90d"}
    result = TOOL.run(TOOL.parse_args(args), local_ctx)
    assert result.rows == [] and result.coverage is not None
    assert result.coverage.status == "not_examined"
    assert result.coverage.reasons == (f"{tmp_path / 'www'} not found (No such file or directory)",)
    assert result.coverage.window_since is not None  # modified_within is the search's window


def test_one_missing_root_of_two_is_partial(local_ctx: ToolContext, tmp_path: Path) -> None:
    (tmp_path / "html").mkdir()
    (tmp_path / "html" / "index.php").write_text("<?php echo 1;\n")
    args = {"roots": [str(tmp_path / "html"), str(tmp_path / "srv")], "type": "file"}
    result = TOOL.run(TOOL.parse_args(args), local_ctx)
    assert [r["path"] for r in result.rows] == [str(tmp_path / "html" / "index.php")]
    assert result.coverage is not None and result.coverage.status == "partial"
    assert [s.found for s in result.coverage.sources] == [True, False]
    full = TOOL.run(TOOL.parse_args({"roots": [str(tmp_path / "html")]}), local_ctx)
    assert full.coverage is not None and full.coverage.status == "examined"
