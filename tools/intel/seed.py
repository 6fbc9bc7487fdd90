"""The shipped seed (tools/data/seed_hashes.txt): known test samples every new store starts with."""

from __future__ import annotations

import hashlib
from contextlib import AbstractContextManager
from importlib import resources
from pathlib import Path

SEED_SOURCE = "sleuth-seed"


def _resource() -> resources.abc.Traversable:
    return resources.files("tools").joinpath("data", "seed_hashes.txt")


def seed_digest() -> str:
    """sha256 of the shipped seed, so a store reloads it when a new version ships."""
    return hashlib.sha256(_resource().read_bytes()).hexdigest()


def seed_path() -> AbstractContextManager[Path]:
    """A context manager giving a real file path of the seed (extracted if the package is zipped)."""
    return resources.as_file(_resource())
