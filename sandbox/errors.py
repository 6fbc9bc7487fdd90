"""Errors of the sandbox launcher."""

from __future__ import annotations


class SandboxError(Exception):
    """The sandbox could not be started, inspected or stopped; the message says what is missing."""
