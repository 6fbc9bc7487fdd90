"""File times of a host's tree: benign files look installed long ago, the attacker's carry their log times."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

# Benign files are 30 to 400 days older than the scenario's base time: well outside any "recent" window.
OLDEST_DAYS, YOUNGEST_DAYS = 400, 30


@dataclass(frozen=True)
class Stamp:
    """The time a path's content last changed, and whether that change created it."""

    when: datetime
    created: bool
    """True when the write created the entry (its directory's mtime moves too); False for an append."""


def old_time(base: datetime, inside: str) -> datetime:
    """A deterministic time 30-400 days before base for this path inside the host."""
    digest = int.from_bytes(hashlib.sha256(inside.encode()).digest()[:8], "big")
    span = (OLDEST_DAYS - YOUNGEST_DAYS) * 86400
    return base - timedelta(days=YOUNGEST_DAYS, seconds=digest % span)


def _set(path: Path, when: datetime) -> None:
    seconds = when.timestamp()
    # follow_symlinks=False: a link's own time is what `find -printf %T@` and `stat` report for it.
    os.utime(path, (seconds, seconds), follow_symlinks=False)


def stamp_tree(root: Path, base: datetime, stamps: Mapping[str, Stamp], inside: str = "/") -> None:
    """Set atime and mtime of everything under root (root is `inside` on the host), bottom-up.

    A path in `stamps` gets its stamp, any other an old time; a directory also moves up to the latest
    stamp that created an entry directly in it, as the kernel would have done.
    """
    prefix = inside.rstrip("/")
    for current, dirs, files in os.walk(root, topdown=False):
        here = Path(current)
        rel = here.relative_to(root).as_posix()
        here_inside = prefix if rel == "." else f"{prefix}/{rel}"
        created: list[datetime] = []
        for name in (*dirs, *files):
            child_inside = f"{here_inside}/{name}"
            stamp = stamps.get(child_inside)
            path = here / name
            # Subdirectories were stamped on their own visit (bottom-up); links and files are set here.
            if path.is_symlink() or not path.is_dir():
                _set(path, stamp.when if stamp else old_time(base, child_inside))
            if stamp is not None and stamp.created:
                created.append(stamp.when)
        own = stamps.get(here_inside or "/")
        when = own.when if own else old_time(base, here_inside or "/")
        _set(here, max([when, *created]))
