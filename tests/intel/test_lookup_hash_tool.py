"""The lookup_hash tool against a real store and the real local transport: rows, evidence hash, errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.intel.conftest import EICAR_SHA256, EMPTY_SHA256, SHA256_A, SHA256_B, write
from tools.base import ToolContext
from tools.errors import IntelStoreError
from tools.intel.store import IntelStore
from tools.lookup_hash import TOOL, LookupHashArgs
from tools.transport.local import LocalTransport


def test_rows_say_which_hashes_are_known(store: IntelStore, tmp_path: Path) -> None:
    store.import_file(write(tmp_path, "f.csv", f"hash,family\n{SHA256_A},Mirai\n"), "feed")
    store.import_file(write(tmp_path, "g.txt", SHA256_A), "other")
    args = TOOL.parse_args({"hashes": [EICAR_SHA256.upper(), SHA256_A, SHA256_B, EMPTY_SHA256, SHA256_A]})
    result = TOOL.run(args, ToolContext(transport=LocalTransport(), intel=store))
    assert result.commands == () and result.host == "local" and result.bytes == 0
    assert [r["hash"] for r in result.rows] == [EICAR_SHA256, SHA256_A, SHA256_B, EMPTY_SHA256]
    assert [r["known"] for r in result.rows] == [True, True, False, False]
    assert result.rows[1] == {
        "hash": SHA256_A, "type": "sha256", "known": True, "family": "Mirai", "sources": "feed, other"
    }
    assert "EICAR" in str(result.rows[0]["family"])
    assert json.loads(result.raw) == result.rows
    assert result.sha256 == hashlib.sha256(result.raw).hexdigest()
    assert any("empty file" in note for note in result.notes)
    assert "2 known to the intel store" in result.text


@pytest.mark.parametrize(
    ("hashes", "message"),
    [
        ([], "at least 1 item"),
        ([SHA256_A, "g" * 64], "hashes[1]: 'g"),
        (["abc"], "hashes[0]: 'abc' is not a hash: 3 characters"),
        ([SHA256_A] * 1001, "at most 1000 items"),
    ],
)
def test_bad_hashes_are_named(hashes: list[str], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        LookupHashArgs(hashes=hashes)


def test_without_an_intel_store_the_tool_says_so() -> None:
    args = TOOL.parse_args({"hashes": [SHA256_A]})
    with pytest.raises(IntelStoreError, match="no intel store configured"):
        TOOL.run(args, ToolContext(transport=LocalTransport(), intel=None))
