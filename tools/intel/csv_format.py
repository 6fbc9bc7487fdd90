"""CSV hash lists with a header: MalwareBazaar exports, vendor IOC CSVs (`hash,type,family`), and the like.

MalwareBazaar puts its header in the last `#` comment line and quotes every field with a
space after each comma; both are handled. Hash columns are found by header name, else by
content; the family comes from a family/malware/signature column.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tools.errors import IntelStoreError
from tools.intel.hashes import InvalidHashError, normalize_hash
from tools.intel.models import ImportRecord, ParseTally

# Header names, compared after lowercasing and dropping everything but letters and digits.
_GENERIC_HASH_COLUMNS = (
    "hash", "filehash", "hashvalue", "ioc", "iocvalue", "indicator", "value", "observable",
)
_FAMILY_COLUMNS = ("family", "malwarefamily", "malware", "signature", "threat", "threatname", "malwarename")
_TYPE_COLUMNS = ("type", "hashtype", "ioctype", "indicatortype", "observabletype")
_FIRST_SEEN_COLUMNS = ("firstseenutc", "firstseen", "date", "datetime", "created", "timestamp")
_REFERENCE_COLUMNS = ("reference", "references", "ref", "link", "report", "source")
_NO_VALUE = frozenset({"", "n/a", "na", "none", "null", "-"})
_HASH_TYPE_NAMES = ("sha256", "sha1", "md5")
_SNIFF_ROWS = 20


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _clean(value: str) -> str | None:
    value = value.strip()
    return None if value.lower() in _NO_VALUE else value


def _is_hash(value: str) -> bool:
    try:
        normalize_hash(value)
    except InvalidHashError:
        return False
    return True


@dataclass(frozen=True)
class _Columns:
    """Which column plays which role (indexes into a row)."""

    hashes: tuple[int, ...]
    generic: bool
    family: int | None
    type: int | None
    first_seen: int | None
    reference: int | None


def _first(keys: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in keys:
            return keys.index(name)
    return None


def _columns_by_name(header: list[str]) -> _Columns | None:
    keys = [_key(h) for h in header]
    specific = tuple(
        i for i, k in enumerate(keys) if any(k.startswith(t) or k.endswith(t) for t in _HASH_TYPE_NAMES)
    )
    generic = specific == ()
    hashes = specific or tuple(i for i, k in enumerate(keys) if k in _GENERIC_HASH_COLUMNS)
    if not hashes:
        return None
    return _Columns(
        hashes=hashes,
        generic=generic,
        family=_first(keys, _FAMILY_COLUMNS),
        type=_first(keys, _TYPE_COLUMNS) if generic else None,
        first_seen=_first(keys, _FIRST_SEEN_COLUMNS),
        reference=_first(keys, _REFERENCE_COLUMNS),
    )


def _columns_by_content(header: list[str], rows: list[tuple[int, list[str]]]) -> _Columns | None:
    """Hash columns are those whose non-empty sample values are all valid hashes."""
    hashes: list[int] = []
    for i in range(len(header)):
        values = [_clean(row[i]) for _, row in rows if i < len(row)]
        present = [v for v in values if v is not None]
        if present and all(_is_hash(v) for v in present):
            hashes.append(i)
    if not hashes:
        return None
    keys = [_key(h) for h in header]
    return _Columns(
        hashes=tuple(hashes),
        generic=True,
        family=_first(keys, _FAMILY_COLUMNS),
        type=None,
        first_seen=_first(keys, _FIRST_SEEN_COLUMNS),
        reference=_first(keys, _REFERENCE_COLUMNS),
    )


def _delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])


def parse_csv(path: Path, lines: Iterable[tuple[int, str]], tally: ParseTally) -> Iterator[ImportRecord]:
    """Yield a record per hash cell; rows without a valid hash are counted and located in `tally`."""
    it = iter(lines)
    comments: list[str] = []
    first: tuple[int, str] | None = None
    for number, line in it:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            comments.append(stripped.lstrip("#").strip())
            continue
        first = (number, line)
        break
    if first is None:
        return
    delimiter = _delimiter(first[1])
    first_row = _split(first[1], delimiter)
    pending: list[tuple[int, list[str]]] = []
    if any(_is_hash(cell) for cell in first_row):
        # No header line: MalwareBazaar keeps it in a comment line just above the data.
        header = _header_from_comments(comments, delimiter, len(first_row))
        header_line = first[0]
        pending.append((first[0], first_row))
    else:
        header, header_line = first_row, first[0]
    body = _rows(it, delimiter)
    columns = _columns_by_name(header)
    if columns is None:
        while len(pending) < _SNIFF_ROWS:
            sample = next(body, None)
            if sample is None:
                break
            pending.append(sample)
        columns = _columns_by_content(header, pending)
    if columns is None:
        raise IntelStoreError(
            f"{path}:{header_line}: no hash column in the CSV header (columns: {', '.join(header)})"
        )
    for number, row in _chain(pending, body):
        yield from _records(path, number, row, len(header), columns, tally)


def _header_from_comments(comments: list[str], delimiter: str, width: int) -> list[str]:
    for comment in reversed(comments):
        fields = _split(comment, delimiter)
        if len(fields) == width and _columns_by_name(fields) is not None:
            return fields
    return [f"column{i + 1}" for i in range(width)]


def _rows(lines: Iterator[tuple[int, str]], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    for number, line in lines:
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            yield number, _split(line, delimiter)


def _chain(
    first: list[tuple[int, list[str]]], rest: Iterator[tuple[int, list[str]]]
) -> Iterator[tuple[int, list[str]]]:
    yield from first
    yield from rest


def _records(
    path: Path, number: int, row: list[str], width: int, columns: _Columns, tally: ParseTally
) -> Iterator[ImportRecord]:
    if len(row) != width:
        tally.add_invalid(f"{path}:{number}", f"expected {width} fields, found {len(row)}")
        return

    def cell(index: int | None) -> str | None:
        return None if index is None else _clean(row[index])

    declared = (cell(columns.type) or "").lower()
    if declared and not any(t in declared for t in (*_HASH_TYPE_NAMES, "hash")):
        tally.not_hashes += 1  # another IOC type (domain, ip, url) in a mixed IOC list
        return
    family, first_seen, reference = cell(columns.family), cell(columns.first_seen), cell(columns.reference)
    found = False
    for index in columns.hashes:
        value = cell(index)
        if value is None:
            continue
        try:
            digest, hash_type = normalize_hash(value)
        except InvalidHashError as exc:
            tally.add_invalid(f"{path}:{number}", str(exc))
            found = True
            continue
        named = next((t for t in _HASH_TYPE_NAMES if t in declared), None)
        if named is not None and named != hash_type:
            tally.add_invalid(f"{path}:{number}", f"type column says {named} but {digest!r} is a {hash_type}")
            found = True
            continue
        found = True
        yield ImportRecord(digest, hash_type, family, first_seen, reference)
    if not found:
        tally.add_invalid(f"{path}:{number}", "no hash in this row")
