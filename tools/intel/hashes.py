"""Hash normalisation: lowercase hex, type from length, and the hashes that must never be reported."""

from __future__ import annotations

import re
from typing import Literal

HashType = Literal["md5", "sha1", "sha256"]

HASH_TYPES_BY_LENGTH: dict[int, HashType] = {32: "md5", 40: "sha1", 64: "sha256"}

_HEX = re.compile(r"[0-9a-f]+")

# The hashes of the empty file: some feeds list them (a failed download hashed), and a
# match on them would flag every empty file on a host as malware.
EMPTY_FILE_HASHES: frozenset[str] = frozenset(
    {
        "d41d8cd98f00b204e9800998ecf8427e",
        "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    }
)


class InvalidHashError(ValueError):
    """A string is not an md5, sha1 or sha256 in hex; the message says why."""


def normalize_hash(text: str) -> tuple[str, HashType]:
    """Lowercase and validate one hash; return it with its type or raise InvalidHashError."""
    value = text.strip().lower()
    hash_type = HASH_TYPES_BY_LENGTH.get(len(value))
    if hash_type is None:
        shown = value if len(value) <= 80 else value[:77] + "..."
        raise InvalidHashError(
            f"{shown!r} is not a hash: {len(value)} characters (md5 has 32, sha1 40, sha256 64)"
        )
    if _HEX.fullmatch(value) is None:
        raise InvalidHashError(f"{value!r} is not a hash: not hexadecimal")
    return value, hash_type


def is_empty_file_hash(value: str) -> bool:
    """Whether a normalised hash is the hash of the empty file (never reported as malware)."""
    return value in EMPTY_FILE_HASHES
