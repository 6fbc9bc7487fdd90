"""The intel store: known-bad hashes by source in one SQLite file (WAL), batch lookups, idempotent imports."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from tools.base import IntelHit
from tools.errors import IntelStoreError, InvalidToolArgsError
from tools.intel import schema
from tools.intel.hashes import InvalidHashError, is_empty_file_hash, normalize_hash
from tools.intel.importers import parse_file
from tools.intel.models import (
    ImportFormat,
    ImportRecord,
    ImportReport,
    IntelRecord,
    ParseTally,
    SourceStats,
    StoreStats,
)
from tools.intel.seed import SEED_SOURCE, seed_digest, seed_path
from tools.settings import data_dir

_BATCH = 5000
_LOOKUP_CHUNK = 500  # bound parameters per query, well under SQLite's limit

_UPSERT = """
INSERT INTO hashes (hash, hash_type, source, family, first_seen, reference, imported_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (hash, source) DO UPDATE SET
    family = COALESCE(excluded.family, hashes.family),
    first_seen = COALESCE(hashes.first_seen, excluded.first_seen),
    reference = COALESCE(excluded.reference, hashes.reference),
    imported_at = excluded.imported_at
"""


# One bound parameter per chunk (a JSON array), so no SQL is built from strings.
_LOOKUP = """
SELECT hash, hash_type, source, family, first_seen, reference, imported_at FROM hashes
WHERE hash IN (SELECT value FROM json_each(?)) ORDER BY hash, source
"""


def default_path() -> Path:
    """Where the intel store lives unless told otherwise: `data_dir()/intel.sqlite`."""
    return data_dir() / "intel.sqlite"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class IntelStore:
    """Known-bad hashes by source; implements tools.base.IntelLookup. Open with `IntelStore.open`."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        # One connection shared by threads (a TUI worker runs tools): calls are serialised.
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path | None = None) -> IntelStore:
        """Open (creating if needed) the store at `path`; load the shipped seed when new or changed."""
        path = path or default_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise IntelStoreError(f"{path}: cannot open the intel store: {exc}") from exc
        store = cls(conn, path)
        try:
            schema.prepare(conn, path)
            store._load_seed_if_changed()
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> IntelStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _load_seed_if_changed(self) -> None:
        digest = seed_digest()
        if schema.get_meta(self._conn, "seed_sha256") == digest:
            return
        with seed_path() as path:
            report = self.import_file(path, SEED_SOURCE, fmt="csv", replace=True)
        if report.invalid:
            # The seed ships with Sleuth: a bad line is our bug, so say so rather than skip it.
            problems = "; ".join(report.invalid_examples)
            raise IntelStoreError(f"the shipped intel seed has invalid lines: {problems}")
        with self._lock:
            schema.set_meta(self._conn, "seed_sha256", digest)

    def import_file(
        self, path: Path, source: str, *, fmt: ImportFormat | None = None, replace: bool = False
    ) -> ImportReport:
        """Import a hash file into `source` in one transaction; a malformed file changes nothing."""
        started = time.monotonic()
        schema.check_source_name(source)
        tally = ParseTally()
        chosen, records = parse_file(path, fmt, tally)
        with self._lock, self._transaction():
            if replace:
                self._conn.execute("DELETE FROM hashes WHERE source = ?", (source,))
            before = self._count(source)
            valid, empty = self._insert(records, source)
            if valid == 0 and empty == 0:
                raise IntelStoreError(_nothing_found(path, tally))
            total = self._count(source)
            self._conn.execute(
                "INSERT INTO sources (name, file, format, imported_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET file = excluded.file, format = excluded.format, "
                "imported_at = excluded.imported_at",
                (source, str(path), chosen, _now()),
            )
        return ImportReport(
            source=source,
            file=str(path),
            format=chosen,
            imported=total - before,
            duplicates=valid - (total - before),
            skipped_empty_file=empty,
            invalid=tally.invalid,
            invalid_examples=tuple(tally.invalid_examples),
            not_hashes=tally.not_hashes,
            replaced=replace,
            source_total=total,
            duration_s=round(time.monotonic() - started, 4),
        )

    def _insert(self, records: Iterable[ImportRecord], source: str) -> tuple[int, int]:
        imported_at = _now()
        batch: list[tuple[str, str, str, str | None, str | None, str | None, str]] = []
        valid = empty = 0
        for rec in records:
            if is_empty_file_hash(rec.hash):
                empty += 1
                continue
            valid += 1
            batch.append(
                (rec.hash, rec.hash_type, source, rec.family, rec.first_seen, rec.reference, imported_at)
            )
            if len(batch) >= _BATCH:
                self._conn.executemany(_UPSERT, batch)
                batch.clear()
        if batch:
            self._conn.executemany(_UPSERT, batch)
        return valid, empty

    def _transaction(self) -> schema.Transaction:
        return schema.Transaction(self._conn, self.path)

    def _count(self, source: str) -> int:
        row = self._conn.execute("SELECT count(*) FROM hashes WHERE source = ?", (source,)).fetchone()
        return int(row[0])

    def records(self, hashes: Sequence[str]) -> dict[str, list[IntelRecord]]:
        """Every stored row for each hash (normalised); an invalid hash raises InvalidToolArgsError."""
        wanted = _normalise_all(hashes)
        found: dict[str, list[IntelRecord]] = {h: [] for h in wanted}
        lookable = [h for h in found if not is_empty_file_hash(h)]
        with self._lock:
            try:
                for start in range(0, len(lookable), _LOOKUP_CHUNK):
                    chunk = lookable[start : start + _LOOKUP_CHUNK]
                    rows = self._conn.execute(_LOOKUP, (json.dumps(chunk),)).fetchall()
                    for h, t, s, fam, seen, ref, at in rows:
                        found[h].append(
                            IntelRecord(
                                hash=h, hash_type=t, source=s, family=fam, first_seen=seen, reference=ref,
                                imported_at=at,
                            )
                        )
            except sqlite3.Error as exc:
                raise IntelStoreError(f"{self.path}: lookup failed: {exc}") from exc
        return found

    def lookup(self, hashes: Sequence[str]) -> dict[str, list[IntelHit]]:
        """Map each hash (normalised lowercase) to its hits; unknown hashes map to an empty list."""
        return {
            h: [IntelHit(hash=r.hash, hash_type=r.hash_type, source=r.source, family=r.family) for r in recs]
            for h, recs in self.records(hashes).items()
        }

    def sources(self) -> list[str]:
        """The names of the sources holding at least one row, sorted."""
        with self._lock:
            rows = self._conn.execute("SELECT DISTINCT source FROM hashes ORDER BY source").fetchall()
        return [str(r[0]) for r in rows]

    def stats(self) -> StoreStats:
        """Row counts per source and hash type, and totals."""
        with self._lock:
            counts = self._conn.execute(
                "SELECT source, hash_type, count(*) FROM hashes GROUP BY source, hash_type"
            ).fetchall()
            meta = {
                str(name): (file, fmt, at)
                for name, file, fmt, at in self._conn.execute(
                    "SELECT name, file, format, imported_at FROM sources"
                )
            }
            distinct = int(self._conn.execute("SELECT count(DISTINCT hash) FROM hashes").fetchone()[0])
        by_source: dict[str, dict[str, int]] = {}
        for source, hash_type, n in counts:
            by_source.setdefault(source, {"md5": 0, "sha1": 0, "sha256": 0})[hash_type] = int(n)
        entries: list[SourceStats] = []
        for name, c in sorted(by_source.items()):
            file, fmt, at = meta.get(name, (None, None, None))
            entries.append(
                SourceStats(
                    source=name, md5=c["md5"], sha1=c["sha1"], sha256=c["sha256"], total=sum(c.values()),
                    file=file, format=fmt, imported_at=at,
                )
            )
        return StoreStats(
            path=str(self.path),
            schema_version=schema.SCHEMA_VERSION,
            sources=tuple(entries),
            rows=sum(e.total for e in entries),
            distinct_hashes=distinct,
        )


def _normalise_all(hashes: Sequence[str]) -> list[str]:
    out: list[str] = []
    for text in hashes:
        try:
            out.append(normalize_hash(text)[0])
        except InvalidHashError as exc:
            raise InvalidToolArgsError(str(exc)) from exc
    return out


def _nothing_found(path: Path, tally: ParseTally) -> str:
    if tally.invalid:
        first = tally.invalid_examples[0] if tally.invalid_examples else ""
        return f"{path}: no valid hash in the file ({tally.invalid} invalid entries; first: {first})"
    if tally.not_hashes:
        return f"{path}: no hash in the file ({tally.not_hashes} entries of other IOC types)"
    return f"{path}: no hashes found (the file is empty or holds only comments)"
