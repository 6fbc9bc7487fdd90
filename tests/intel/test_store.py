"""The store: seed, normalisation, idempotent and replacing imports, the empty file, stats, bad stores."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from tests.intel.conftest import (
    EICAR_MD5,
    EICAR_SHA1,
    EICAR_SHA256,
    EMPTY_MD5,
    EMPTY_SHA1,
    EMPTY_SHA256,
    MD5_A,
    SHA1_A,
    SHA256_A,
    SHA256_B,
    write,
)
from tools.errors import IntelStoreError, InvalidToolArgsError
from tools.intel.seed import SEED_SOURCE, seed_path
from tools.intel.store import IntelStore


def test_new_store_holds_the_eicar_test_file_from_the_seed(store: IntelStore) -> None:
    hits = store.lookup([EICAR_MD5.upper(), EICAR_SHA1, EICAR_SHA256])
    assert set(hits) == {EICAR_MD5, EICAR_SHA1, EICAR_SHA256}
    for digest, found in hits.items():
        assert [h.source for h in found] == [SEED_SOURCE], digest
        assert found[0].family is not None and "EICAR" in found[0].family


def test_shipped_seed_has_no_invalid_line_and_no_empty_file_hash(tmp_path: Path) -> None:
    with seed_path() as path:
        text = path.read_text()
    assert not {EMPTY_MD5, EMPTY_SHA1, EMPTY_SHA256} & set(re.findall(r"[0-9a-f]+", text.lower()))
    # Opening raises if any seed line is invalid; every data line must become a row.
    with IntelStore.open(tmp_path / "intel.sqlite") as fresh:
        stats = fresh.stats()
    seed = next(s for s in stats.sources if s.source == SEED_SOURCE)
    data_lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")][1:]
    assert seed.total == len(data_lines)


def test_seed_reloads_only_when_the_shipped_seed_changes(tmp_path: Path) -> None:
    db = tmp_path / "intel.sqlite"
    with IntelStore.open(db) as first:
        first.import_file(write(tmp_path, "a.txt", SHA256_A), "feed")
    with sqlite3.connect(db) as raw:
        raw.execute("DELETE FROM hashes WHERE source = ?", (SEED_SOURCE,))
    with IntelStore.open(db) as second:
        assert second.lookup([EICAR_MD5])[EICAR_MD5] == []  # same seed: not reloaded
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE meta SET value = 'older' WHERE key = 'seed_sha256'")
    with IntelStore.open(db) as third:
        assert [h.source for h in third.lookup([EICAR_MD5])[EICAR_MD5]] == [SEED_SOURCE]
        assert third.lookup([SHA256_A])[SHA256_A][0].source == "feed"


def test_reimport_is_idempotent_and_replace_drops_old_rows(store: IntelStore, tmp_path: Path) -> None:
    first = write(tmp_path, "v1.txt", f"{SHA256_A}\n{MD5_A}\n")
    r1 = store.import_file(first, "feed")
    r2 = store.import_file(first, "feed")
    assert (r1.imported, r1.duplicates) == (2, 0)
    assert (r2.imported, r2.duplicates, r2.source_total) == (0, 2, 2)
    second = write(tmp_path, "v2.txt", f"{SHA1_A}\n")
    merged = store.import_file(second, "feed")
    assert merged.source_total == 3
    replaced = store.import_file(second, "feed", replace=True)
    assert (replaced.imported, replaced.source_total, replaced.replaced) == (1, 1, True)
    assert store.lookup([SHA256_A])[SHA256_A] == []
    assert store.lookup([SHA1_A])[SHA1_A][0].source == "feed"


def test_a_hash_can_have_several_sources(store: IntelStore, tmp_path: Path) -> None:
    store.import_file(write(tmp_path, "a.csv", f"sha256,family\n{SHA256_A},Mirai\n"), "feed-a")
    store.import_file(write(tmp_path, "b.txt", SHA256_A.upper()), "feed-b")
    hits = store.lookup([SHA256_A])[SHA256_A]
    assert [(h.source, h.family) for h in hits] == [("feed-a", "Mirai"), ("feed-b", None)]
    assert store.sources() == ["feed-a", "feed-b", SEED_SOURCE]


def test_empty_file_hashes_are_never_stored_nor_returned(store: IntelStore, tmp_path: Path) -> None:
    path = write(tmp_path, "empties.txt", f"{EMPTY_MD5}\n{EMPTY_SHA1.upper()}\n{EMPTY_SHA256}\n{SHA256_B}\n")
    report = store.import_file(path, "feed")
    assert (report.imported, report.skipped_empty_file) == (1, 3)
    # Even a row written behind the store's back (an old store, another tool) is never a hit.
    with sqlite3.connect(store.path) as raw:
        raw.execute(
            "INSERT INTO hashes VALUES (?, 'sha256', 'rogue', 'x', NULL, NULL, '2024-01-01T00:00:00+00:00')",
            (EMPTY_SHA256,),
        )
    hits = store.lookup([EMPTY_MD5, EMPTY_SHA1, EMPTY_SHA256])
    assert hits == {EMPTY_MD5: [], EMPTY_SHA1: [], EMPTY_SHA256: []}


def test_lookup_is_batched_and_rejects_invalid_hashes(store: IntelStore, tmp_path: Path) -> None:
    many = [f"{i:064x}" for i in range(1, 1201)]
    store.import_file(write(tmp_path, "many.txt", "\n".join(many[::2])), "feed")
    hits = store.lookup(many)
    assert sum(1 for v in hits.values() if v) == 600
    assert hits[many[0]] and not hits[many[1]]
    with pytest.raises(InvalidToolArgsError, match="'nothex' is not a hash"):
        store.lookup([SHA256_A, "nothex"])


def test_stats_count_per_source_and_type(store: IntelStore, tmp_path: Path) -> None:
    store.import_file(write(tmp_path, "a.txt", f"{SHA256_A}\n{SHA256_B}\n{MD5_A}\n{EICAR_MD5}\n"), "feed")
    stats = store.stats()
    feed = next(s for s in stats.sources if s.source == "feed")
    assert (feed.md5, feed.sha1, feed.sha256, feed.total, feed.format) == (2, 0, 2, 4, "plain")
    seed = next(s for s in stats.sources if s.source == SEED_SOURCE)
    assert stats.rows == seed.total + 4
    assert stats.distinct_hashes == seed.total + 3  # the EICAR md5 is in the seed too


def test_a_25k_hash_import_lands_whole(store: IntelStore, tmp_path: Path) -> None:
    lines = [f"{i:064x}" for i in range(1, 25001)]
    report = store.import_file(write(tmp_path, "big.txt", "\n".join(lines) + "\n"), "big")
    assert (report.imported, report.invalid) == (25000, 0)
    assert store.lookup([lines[-1]])[lines[-1]][0].source == "big"


def test_bad_source_name_is_refused(store: IntelStore, tmp_path: Path) -> None:
    with pytest.raises(InvalidToolArgsError, match="invalid source name"):
        store.import_file(write(tmp_path, "a.txt", SHA256_A), "has space")


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    bogus = write(tmp_path, "intel.sqlite", "this is not sqlite\n" * 200)
    with pytest.raises(IntelStoreError, match="not a usable intel store"):
        IntelStore.open(bogus)


def test_a_store_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "intel.sqlite"
    IntelStore.open(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(IntelStoreError, match="schema version 99"):
        IntelStore.open(db)
