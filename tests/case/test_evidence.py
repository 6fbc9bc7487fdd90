"""The evidence store: content-addressed, atomic, read-only, verified on read."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from agent.case.errors import EvidenceError
from agent.case.evidence import EvidenceStore


def test_put_is_content_addressed_read_only_and_idempotent(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    ref = store.put(b"sshd[1]: Failed password for root\n")
    assert ref.sha256 == hashlib.sha256(b"sshd[1]: Failed password for root\n").hexdigest()
    assert ref.path == tmp_path / "evidence" / ref.sha256 and ref.relpath == f"evidence/{ref.sha256}"
    assert ref.path.stat().st_mode & 0o777 == 0o444
    assert store.put(b"sshd[1]: Failed password for root\n") == ref
    assert sorted(p.name for p in (tmp_path / "evidence").iterdir()) == [ref.sha256]  # no temp files left
    assert store.get(ref.sha256) == b"sshd[1]: Failed password for root\n"


def test_empty_and_large_blobs(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    assert store.get(store.put(b"").sha256) == b""
    big = bytes(range(256)) * 20_000
    ref = store.put(big)
    assert ref.size == len(big) and store.hash_of(ref.sha256) == ref.sha256


def test_get_detects_altered_and_missing_blobs(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    ref = store.put(b"original")
    ref.path.chmod(0o644)
    ref.path.write_bytes(b"forged")
    with pytest.raises(EvidenceError, match="altered"):
        store.get(ref.sha256)
    with pytest.raises(EvidenceError, match="missing"):
        store.get("0" * 64)


@pytest.mark.parametrize("name", ["../../etc/passwd", "ABC", "0" * 63, "g" * 64])
def test_names_that_are_not_sha256_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(EvidenceError, match="not a sha256"):
        EvidenceStore(tmp_path).get(name)
