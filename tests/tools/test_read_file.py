"""read_file against real files with the real LocalTransport."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tools.base import ToolContext, ToolResult
from tools.errors import CommandFailedError
from tools.read_file import TOOL


def read(ctx: ToolContext, **raw: object) -> ToolResult:
    return TOOL.run(TOOL.parse_args(raw), ctx)


@pytest.fixture
def numbered(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_bytes(b"".join(f"line {i}\n".encode() for i in range(1, 501)))
    return path


def test_head_is_bounded_and_numbered(local_ctx: ToolContext, numbered: Path) -> None:
    result = read(local_ctx, path=str(numbered), lines=10)
    assert result.rows == [{"line_no": i, "line": f"line {i}"} for i in range(1, 11)]
    assert result.truncated
    assert result.argv == ("head", "-n", "11", "--", str(numbered))
    assert "first 10 line(s) (the file has more)" in result.text


def test_tail_numbers_lines_from_the_end(local_ctx: ToolContext, numbered: Path) -> None:
    result = read(local_ctx, path=str(numbered), lines=3, from_end=True)
    assert result.rows == [{"line_no": i, "line": f"line {i}"} for i in (498, 499, 500)]
    assert result.truncated
    assert [c.argv[0] for c in result.commands] == ["wc", "tail"]


def test_whole_file_is_not_truncated(local_ctx: ToolContext, tmp_path: Path) -> None:
    path = tmp_path / "short.txt"
    path.write_bytes(b"one\ntwo\nthree without newline")
    head = read(local_ctx, path=str(path))
    tail = read(local_ctx, path=str(path), lines=2, from_end=True)
    assert [r["line"] for r in head.rows] == ["one", "two", "three without newline"]
    assert not head.truncated
    assert tail.rows == [{"line_no": 2, "line": "two"}, {"line_no": 3, "line": "three without newline"}]
    assert tail.truncated  # line 1 was left out


def test_binary_bytes_replaced_in_rows_kept_as_evidence(local_ctx: ToolContext, tmp_path: Path) -> None:
    raw = b"\x7fELF\x02\x01\x01\x00\xff\xfe\n-rwx caf\xc3\xa9\r\n"
    path = tmp_path / "blob"
    path.write_bytes(raw)
    result = read(local_ctx, path=str(path))
    assert result.rows[0]["line"] == "\x7fELF\x02\x01\x01\x00\ufffd\ufffd"
    assert result.rows[1]["line"] == "-rwx café"
    assert result.raw == raw


def test_dash_and_space_in_name_are_operands(local_ctx: ToolContext, tmp_path: Path) -> None:
    path = tmp_path / "-n 5; rm -rf x"
    path.write_bytes(b"safe\n")
    assert read(local_ctx, path=str(path)).rows == [{"line_no": 1, "line": "safe"}]


def test_errors(local_ctx: ToolContext, tmp_path: Path) -> None:
    with pytest.raises(CommandFailedError, match="No such file"):
        read(local_ctx, path=str(tmp_path / "missing"))
    with pytest.raises(ValidationError, match="absolute"):
        TOOL.parse_args({"path": "etc/passwd"})
    with pytest.raises(ValidationError):
        TOOL.parse_args({"path": "/etc/hostname", "lines": 10001})
    with pytest.raises(ValidationError):
        TOOL.parse_args({"path": "/etc/hostname", "lines": 0})
