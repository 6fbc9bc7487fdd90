"""Plain hash lists: one hash per line, `#` comments (whole-line or inline), any case.

A line may carry text after the hash, separated by whitespace (`sha256sum` output: hash, then
the file name); only the hash is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from tools.intel.hashes import InvalidHashError, normalize_hash
from tools.intel.models import ImportRecord, ParseTally


def strip_comment(line: str) -> str:
    """The line without its `#` comment and surrounding whitespace."""
    return line.split("#", 1)[0].strip()


def parse_plain(path: Path, lines: Iterable[tuple[int, str]], tally: ParseTally) -> Iterator[ImportRecord]:
    """Yield a record per valid hash line; count and locate the invalid ones in `tally`."""
    for number, line in lines:
        content = strip_comment(line)
        if not content:
            continue
        token = content.split(None, 1)[0]
        try:
            value, hash_type = normalize_hash(token)
        except InvalidHashError as exc:
            tally.add_invalid(f"{path}:{number}", str(exc))
            continue
        yield ImportRecord(hash=value, hash_type=hash_type)
