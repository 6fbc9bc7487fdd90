"""read_file: a bounded head or tail of a text file on the target, line-numbered.

The path is resolved on the target first and refused when it is a secret there (tools.secrets.guard);
the resolved file is read, resolved again after, and its bytes checked before they become rows."""

from __future__ import annotations

import time

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.base import Row, Tool, ToolArgs, ToolContext, ToolResult, make_result
from tools.secret_paths import refuse_secret
from tools.secrets.guard import recheck, refuse_content, refuse_located
from tools.transport.base import CommandOutput

MAX_TEXT_CHARS = 64 * 1024
MAX_LINE_CHARS = 1000


class ReadFileArgs(ToolArgs):
    """Which file, and how many lines from which end."""

    path: str
    """Absolute path of the file."""
    lines: int = Field(default=200, ge=1, le=10000)
    """How many lines to read."""
    from_end: bool = False
    """Read the last lines (tail) instead of the first (head)."""

    @field_validator("path")
    @classmethod
    def _absolute(cls, path: str) -> str:
        if not path.startswith("/") or "\n" in path or "\0" in path:
            raise ValueError(f"{path!r} is not an absolute path (or holds a newline/NUL)")
        return refuse_secret(path)


class FileLineRow(BaseModel):
    """One line of the file."""

    model_config = ConfigDict(frozen=True)

    line_no: int
    """1-based line number in the file."""
    line: str
    """The line, decoded as UTF-8 with replacement characters (the raw bytes are the evidence)."""


def head_argv(path: str, lines: int) -> tuple[str, ...]:
    """The first `lines` lines of one file."""
    return ("head", "-n", str(lines), "--", path)


def tail_argv(path: str, lines: int) -> tuple[str, ...]:
    """The last `lines` lines of one file."""
    return ("tail", "-n", str(lines), "--", path)


def wc_argv(path: str) -> tuple[str, ...]:
    """The line count of one file (numbers the lines tail prints)."""
    return ("wc", "-l", "--", path)


def _split(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    return lines[:-1] if data.endswith(b"\n") or not data else lines


def _line_count(out: CommandOutput) -> int:
    first = out.stdout.split(maxsplit=1)
    return int(first[0]) if first and first[0].isdigit() else 0


class ReadFileTool(Tool[ReadFileArgs]):
    """Reads the first or last N lines of one file with head/tail (wc -l numbers the tail)."""

    name = "read_file"
    description = (
        "Read the first (or, with from_end, the last) N lines of a text file on the target, with line "
        "numbers; binary bytes are shown as replacement characters."
    )
    args_model = ReadFileArgs
    row_model = FileLineRow

    def run(self, args: ReadFileArgs, ctx: ToolContext) -> ToolResult:
        """head -n N+1 (one extra line tells whether there is more), or wc -l then tail -n N, on the
        path as resolved on the target; a secret (where it resolves, its inode, its bytes) is refused."""
        started = time.monotonic()
        outputs: list[CommandOutput] = []
        resolved = refuse_located(ctx, [args.path])
        path = resolved[args.path]
        if args.from_end:
            wc = ctx.run(wc_argv(path), max_bytes=4096)
            out = ctx.run(tail_argv(path, args.lines))
            outputs += [wc, out]
            lines = _split(out.stdout)
            # wc counts newlines; a last line without one is a line too. The file may grow between
            # the two commands (a live log): numbers are then approximate, as the note says.
            total = _line_count(wc) + (1 if out.stdout and not out.stdout.endswith(b"\n") else 0)
            first = max(total - len(lines) + 1, 1)
            more = total > len(lines)
            notes = ["line numbers come from wc -l run just before tail; a growing file can shift them"]
        else:
            out = ctx.run(head_argv(path, args.lines + 1))
            outputs.append(out)
            lines = _split(out.stdout)
            more = len(lines) > args.lines
            lines = lines[: args.lines]
            first = 1
            notes = []
        recheck(ctx, resolved)
        refuse_content(args.path, out.stdout.split(b"\n"))
        if path != args.path:
            notes.append(f"{args.path} resolves to {path} on the target: that file was read")
        rows: list[Row] = [
            {"line_no": first + i, "line": raw.removesuffix(b"\r").decode("utf-8", "replace")}
            for i, raw in enumerate(lines)
        ]
        return make_result(
            self.name,
            outputs,
            rows,
            _render(rows, args, more),
            host=ctx.transport.host,
            duration_s=time.monotonic() - started,
            truncated=more,
            notes=notes,
        )


def _render(rows: list[Row], args: ReadFileArgs, more: bool) -> str:
    width = len(str(rows[-1]["line_no"])) if rows else 1
    out: list[str] = []
    size = 0
    for row in rows:
        line = str(row["line"])
        line = line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS] + "…"
        text = f"{row['line_no']:>{width}}  {line}"
        size += len(text) + 1
        if size > MAX_TEXT_CHARS:
            out.append(f"... {len(rows) - len(out)} more line(s) in rows")
            break
        out.append(text)
    end = "last" if args.from_end else "first"
    out.append(f"{args.path}: {end} {len(rows)} line(s)" + (" (the file has more)" if more else ""))
    return "\n".join(out)


TOOL = ReadFileTool()
