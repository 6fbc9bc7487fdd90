"""Property: any hex of an md5/sha1/sha256 length, in any case, normalises and is found after import."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tools.intel.hashes import EMPTY_FILE_HASHES, HASH_TYPES_BY_LENGTH, normalize_hash
from tools.intel.store import IntelStore

_hex_of_hash_length = st.sampled_from(sorted(HASH_TYPES_BY_LENGTH)).flatmap(
    lambda n: st.text(alphabet="0123456789abcdefABCDEF", min_size=n, max_size=n)
)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(_hex_of_hash_length, min_size=1, max_size=8))
def test_normalise_import_lookup_round_trip(values: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "feed.txt"
        path.write_text("\n".join(values) + "\n")
        with IntelStore.open(Path(tmp) / "intel.sqlite") as store:
            store.import_file(path, "prop")
            hits = store.lookup([v.swapcase() for v in values])
    for value in values:
        digest, hash_type = normalize_hash(value)
        assert digest == value.lower() and hash_type == HASH_TYPES_BY_LENGTH[len(value)]
        found = [h for h in hits[digest] if h.source == "prop"]
        if digest in EMPTY_FILE_HASHES:
            assert hits[digest] == []
        else:
            assert [(h.hash, h.hash_type) for h in found] == [(digest, hash_type)]
