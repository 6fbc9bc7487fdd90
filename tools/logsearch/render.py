"""Human-readable renderings of search results, bounded so a huge result never floods a terminal."""

from __future__ import annotations

from tools.base import Row
from tools.coverage import Coverage

MAX_TEXT_ROWS = 200
MAX_TEXT_CHARS = 64 * 1024
MAX_LINE_CHARS = 500


def render_matches(rows: list[Row], truncated: bool) -> str:
    """`path:line_no: line` per match (timestamp first when known), then how many were left out."""
    out: list[str] = []
    size = 0
    for row in rows[:MAX_TEXT_ROWS]:
        line = str(row.get("line") or "")
        if len(line) > MAX_LINE_CHARS:
            line = line[:MAX_LINE_CHARS] + "…"
        where = f"{row['path']}:{row['line_no']}" if row.get("line_no") is not None else str(row["path"])
        text = f"{where}: {line}"
        size += len(text) + 1
        if size > MAX_TEXT_CHARS:
            break
        out.append(text)
    hidden = len(rows) - len(out)
    summary = f"{len(rows)} matching line(s)" + (" (truncated: more matches exist)" if truncated else "")
    if hidden:
        summary += f"; {hidden} not shown here"
    return "\n".join([*out, summary])


def render_counts(counts: dict[str, int], truncated: bool) -> str:
    """`path: count` per file and the total."""
    lines = [f"{path}: {count}" for path, count in list(counts.items())[:MAX_TEXT_ROWS]]
    total = sum(counts.values())
    lines.append(f"total: {total}" + (" (truncated: at least)" if truncated else ""))
    return "\n".join(lines)


def render_coverage(cov: Coverage) -> str:
    """One line: files read/missing, lines, span, window, kept/untimed, status."""
    found = [s for s in cov.sources if s.found]
    missing = len(cov.sources) - len(found)
    if [s.path for s in cov.sources] == ["journald"]:
        parts = [f"journald (newest entry {cov.last_ts or 'none'})"]
    else:
        parts = [f"{len(found)} file(s) read" + (f", {missing} missing" if missing else "")]
    if found and parts[0].startswith(f"{len(found)} file"):
        lines = "? lines" if cov.lines_read is None else f"{cov.lines_read} lines"
        parts.append(f"{lines} spanning {cov.first_ts or '?'}..{cov.last_ts or '?'}")
    if cov.window_since or cov.window_until:
        parts.append(f"window {cov.window_since or 'the start'}..{cov.window_until or 'now'}")
    kept = f"kept {cov.kept} of {cov.matched} matched" if cov.matched is not None else "kept ?"
    if cov.outside_window:
        kept += f", {cov.outside_window} outside the window"
    if cov.untimed:
        kept += f", {cov.untimed} untimed (kept)"
    parts.append(kept)
    if cov.year_inferred:
        parts.append("years inferred from file mtimes")
    return f"coverage: {cov.status}: " + "; ".join(parts)
