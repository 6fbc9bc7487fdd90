"""argparse `type=` validators for every number, URL and path option: bad input exits 2 before a case opens.

A `--timeout` of -1, 0 or nan, or an `--approval-ttl` of -5 (every approval expired before it is used, so the
step is asked again forever), used to be taken as given; a `--replay` directory that does not exist or an
`ftp://` base URL opened a case that could never run. argparse turns the `ArgumentTypeError` these raise into
`sleuth ...: error: argument --timeout: ...` and exit 2.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from urllib.parse import urlsplit

MAX_SECONDS = 7 * 24 * 3600.0
"""The longest timeout or TTL accepted: a week (larger values are typos, and overflow some timers)."""


def positive_seconds(text: str) -> float:
    """A finite number of seconds > 0 and at most a week."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a finite number of seconds above 0")
    if value > MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"{text!r}: at most {MAX_SECONDS:.0f} seconds (a week)")
    return value


def positive_int(text: str) -> int:
    """A whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be 1 or more")
    return value


def http_url(text: str) -> str:
    """An http:// or https:// URL with a host (an OpenAI-compatible server)."""
    try:
        parts = urlsplit(text.strip())
        _ = parts.port  # raises on a port out of range or not a number
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"{text!r}: must be an http:// or https:// URL with a host")
    return text.strip()


def existing_file(text: str) -> Path:
    """A path to a file that exists."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such file")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: is a directory, not a file")
    return path


def existing_dir(text: str) -> Path:
    """A path to a directory that exists."""
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{text}: no such directory")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: is not a directory")
    return path


def dir_to_create(text: str) -> Path:
    """A directory that exists or can be created: never an existing file, nor under one."""
    path = Path(text)
    for part in (path, *path.absolute().parents):
        if part.exists():
            if not part.is_dir():
                which = "is a file" if part == path else f"is under {part}, which is a file"
                raise argparse.ArgumentTypeError(f"{text}: {which}, not a directory")
            break
    return path


def file_to_create(text: str) -> Path:
    """A file that exists or can be created (a database): not a directory, its folder not a file."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: is a directory, not a file")
    dir_to_create(str(path.parent))
    return path
