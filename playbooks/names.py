"""The base of every playbook record: the strict model, names and ATT&CK technique ids."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
TECHNIQUE_PATTERN = r"^T[0-9]{4}(\.[0-9]{3})?$"
Technique = Annotated[str, Field(pattern=TECHNIQUE_PATTERN, description="MITRE ATT&CK id, e.g. T1110.001")]


class StrictModel(BaseModel):
    """Base of every playbook record: unknown keys are errors, records are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def given_keys(value: object) -> Collection[str]:
    """The keys a discriminator decides on: a raw mapping's keys, or the fields a model was given."""
    if isinstance(value, dict):
        return value
    return value.model_fields_set if isinstance(value, BaseModel) else ()
