"""The one canonical JSON form every ledger line is written in and hashed over.

Canonical = `json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
allow_nan=False)` encoded as UTF-8: keys sorted, no whitespace, non-ASCII kept as UTF-8,
control characters escaped (so a line never contains a raw newline), NaN/Infinity refused.
An entry's hash is the lowercase hex sha256 of the canonical form of the entry without its
`hash` key; the line on disk is the canonical form of the entry with it.
"""

from __future__ import annotations

import hashlib
import json

from pydantic import JsonValue

from agent.case.errors import LedgerError

GENESIS_PREV = "0" * 64
"""The `prev` of the first entry of every ledger."""


def canonical_json(obj: JsonValue) -> bytes:
    """Serialise a JSON value in the canonical form (see module docstring)."""
    try:
        text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        return text.encode("utf-8")
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        # Lone surrogates (undecodable bytes smuggled into str) and NaN cannot be canonical.
        raise LedgerError(f"value cannot be written to the ledger: {exc}") from exc


def sha256_hex(data: bytes) -> str:
    """Lowercase hex sha256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def entry_hash(fields: dict[str, JsonValue]) -> str:
    """The hash of an entry given as a JSON object: sha256 of its canonical form without `hash`."""
    body = {k: v for k, v in fields.items() if k != "hash"}
    return sha256_hex(canonical_json(body))
