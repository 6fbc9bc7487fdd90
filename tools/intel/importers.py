"""Import file formats: detect plain / CSV / MISP JSON by content, and parse a file into hash records."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tools.intel.csv_format import parse_csv
from tools.intel.misp import parse_misp
from tools.intel.models import ImportFormat, ImportRecord, ParseTally
from tools.intel.plain import parse_plain, strip_comment
from tools.intel.textfile import iter_lines, read_head, read_text

_DELIMITERS = (",", ";", "\t", "|")


def detect_format(path: Path) -> ImportFormat:
    """Guess a file's format from its first bytes: JSON is MISP, delimited lines are CSV, else plain."""
    head = read_head(path)
    if head.lstrip().startswith(("{", "[")):
        return "misp"
    for line in head.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        # Inline comments only exist in plain lists; a CSV line's first field never starts with '#'.
        content = strip_comment(stripped)
        return "csv" if any(d in content for d in _DELIMITERS) else "plain"
    return "plain"


def parse_file(
    path: Path, fmt: ImportFormat | None, tally: ParseTally
) -> tuple[ImportFormat, Iterator[ImportRecord]]:
    """The format used and a lazy stream of records; a malformed file raises IntelStoreError while read."""
    chosen: ImportFormat = fmt or detect_format(path)
    if chosen == "misp":
        return chosen, _misp(path, tally)
    if chosen == "csv":
        return chosen, parse_csv(path, iter_lines(path), tally)
    return chosen, parse_plain(path, iter_lines(path), tally)


def _misp(path: Path, tally: ParseTally) -> Iterator[ImportRecord]:
    yield from parse_misp(path, read_text(path), tally)
