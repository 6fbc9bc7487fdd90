"""Limits on one argument a proposer (or a human's edit of a follow-up) may set."""

from __future__ import annotations

from pydantic import Field, model_validator

from playbooks.names import StrictModel
from playbooks.refs import Scalar
from playbooks.values import regex_problem


class ArgBound(StrictModel):
    """Limits on one argument of a follow-up tool call; every limit given must hold."""

    equals: Scalar | list[str] = None
    """The argument must be exactly this value."""
    one_of: list[Scalar] | None = None
    """The argument must be one of these values."""
    min: int | float | None = None
    """Lowest allowed number."""
    max: int | float | None = None
    """Highest allowed number."""
    pattern: str | None = None
    """RE2 pattern the whole (string) value must match."""
    prefix: str | None = None
    """The (string or path) value must start with this."""
    max_length: int | None = Field(default=None, ge=1)
    """Longest allowed string (or list)."""

    @model_validator(mode="after")
    def _some_limit(self) -> ArgBound:
        if not self.model_fields_set:
            raise ValueError(
                "a bound needs at least one of equals, one_of, min, max, pattern, prefix, max_length"
            )
        if self.pattern is not None and (problem := regex_problem(self.pattern)):
            raise ValueError(f"pattern: {problem}")
        return self
