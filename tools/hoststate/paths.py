"""Typed absolute paths for tool args: absolute, normalised, no NUL, no `..`, bounded."""

from __future__ import annotations

import posixpath
from typing import Annotated

from pydantic import AfterValidator, Field


def check_abs_path(value: str) -> str:
    """Validate one absolute path; return it normalised (`//`, `/./`, trailing `/` removed)."""
    if not value.startswith("/"):
        raise ValueError(f"{value!r} is not an absolute path (it must start with '/')")
    # Newlines are allowed (attackers use them to hide files; output framing is NUL-based).
    if "\0" in value:
        raise ValueError(f"{value!r} contains a NUL character")
    if any(part == ".." for part in value.split("/")):
        raise ValueError(f"{value!r} contains '..'; give the resolved path")
    normal = posixpath.normpath(value)
    return "/" + normal.lstrip("/")


AbsPath = Annotated[str, Field(min_length=1, max_length=1024), AfterValidator(check_abs_path)]
"""An absolute POSIX path on the target (validated and normalised)."""
