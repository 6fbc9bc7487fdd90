"""Where Sleuth keeps its data (intel store, cases, sandbox state); $SLEUTH_HOME overrides it."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from tools.errors import ToolError


def data_dir() -> Path:
    """The data directory: $SLEUTH_HOME if set, else the platform's user data dir for `sleuth`."""
    override = os.environ.get("SLEUTH_HOME")
    return Path(override) if override else Path(platformdirs.user_data_dir("sleuth", appauthor=False))


DEFAULT_COMMAND_MEMORY_MB = 1024
"""Address space each target command may use (MiB) unless $SLEUTH_COMMAND_MEMORY_MB says otherwise."""
_MIN_COMMAND_MEMORY_MB = 16


class SettingError(ToolError):
    """An environment setting has a value Sleuth cannot use."""


def command_memory_bytes() -> int:
    """The memory bound of every target command, in bytes: $SLEUTH_COMMAND_MEMORY_MB MiB, else 1 GiB."""
    raw = os.environ.get("SLEUTH_COMMAND_MEMORY_MB", "").strip()
    if not raw:
        return DEFAULT_COMMAND_MEMORY_MB * 1024 * 1024
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or int(raw) < _MIN_COMMAND_MEMORY_MB:
        raise SettingError(
            f"SLEUTH_COMMAND_MEMORY_MB must be a whole number of MiB, at least {_MIN_COMMAND_MEMORY_MB}"
        )
    return int(raw) * 1024 * 1024
