"""Where Sleuth keeps its data (intel store, cases, sandbox state); $SLEUTH_HOME overrides it."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """The data directory: $SLEUTH_HOME if set, else the platform's user data dir for `sleuth`."""
    override = os.environ.get("SLEUTH_HOME")
    return Path(override) if override else Path(platformdirs.user_data_dir("sleuth", appauthor=False))
