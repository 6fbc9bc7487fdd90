"""Shared pieces of the host-state tools: strict bases, time conversion, path red signs, text tables."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from tools.base import Row, ToolArgs, ToolContext, ToolResult, make_result
from tools.coverage import Coverage
from tools.transport.base import CommandOutput

# Directories any user can write to: an executable or a persistence entry there is a red sign.
TEMP_DIRS: tuple[str, ...] = ("/tmp/", "/dev/shm/", "/var/tmp/", "/run/shm/")  # noqa: S108
# Text tables are for humans; rows carry everything. Bound the text so one result stays readable.
MAX_TEXT_ROWS = 200
MAX_CELL_CHARS = 120


class HostStateArgs(ToolArgs):
    """Base of the host-state tools' args: strict, frozen, field docstrings feed the JSON Schema."""

    model_config = ConfigDict(use_attribute_docstrings=True)


class RowModel(BaseModel):
    """Base of row models: documents a tool's columns (rows travel as plain scalar dicts)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


def iso_from_epoch(value: str | float | None) -> str | None:
    """ISO 8601 UTC timestamp (seconds precision) from epoch seconds, None when unparsable."""
    if value is None or value == "":
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat(timespec="seconds")


def in_temp_dir(path: str) -> bool:
    """Whether a path lies under a world-writable temp directory."""
    return any(path.startswith(prefix) for prefix in TEMP_DIRS)


def has_hidden_component(path: str) -> bool:
    """Whether any directory or the file name of a path starts with a dot (`.`/`..` excluded)."""
    return any(part.startswith(".") and part not in (".", "..") for part in path.split("/"))


def join_flags(flags: Iterable[str]) -> str:
    """Flags as one comma-separated string column, in a stable order, without duplicates."""
    return ",".join(dict.fromkeys(flags))


def decode(data: bytes) -> str:
    """Decode target output; undecodable bytes are kept visible as escapes, never dropped."""
    return data.decode("utf-8", "backslashreplace")


def stderr_lines(stderr: bytes, limit: int = 20) -> list[str]:
    """The first non-empty stderr lines, for notes (bounded: stderr is target-controlled text)."""
    lines = [line.strip() for line in decode(stderr).splitlines() if line.strip()]
    shown = [line[:300] for line in lines[:limit]]
    if len(lines) > limit:
        shown.append(f"... {len(lines) - limit} more error lines")
    return shown


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 3] + "..."


def render_table(rows: Sequence[Row], columns: Sequence[str]) -> str:
    """A tab-separated, bounded text table of the rows (control characters escaped)."""
    lines = ["\t".join(columns)]
    lines.extend("\t".join(_cell(row.get(col)) for col in columns) for row in rows[:MAX_TEXT_ROWS])
    if len(rows) > MAX_TEXT_ROWS:
        lines.append(f"... {len(rows) - MAX_TEXT_ROWS} more rows (see rows)")
    if not rows:
        lines.append("(no rows)")
    return "\n".join(lines)


def table_result(
    tool: str,
    ctx: ToolContext,
    outputs: Sequence[CommandOutput],
    rows: list[Row],
    columns: Sequence[str],
    *,
    started: float,
    truncated: bool = False,
    notes: Sequence[str] = (),
    coverage: Coverage | None = None,
) -> ToolResult:
    """The result of a host-state tool: its rows as a text table, timed from `started` (time.monotonic())."""
    return make_result(
        tool,
        outputs,
        rows,
        render_table(rows, columns),
        host=ctx.transport.host,
        duration_s=time.monotonic() - started,
        truncated=truncated,
        notes=notes,
        coverage=coverage,
    )
