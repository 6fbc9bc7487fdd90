"""The options a caller passes to `invoke`: the set both backends accept, `response_format` parsed."""

from __future__ import annotations

import json
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.llm.errors import ModelRequestError

CALL_OPTIONS = frozenset({"response_format", "max_new_tokens", "temperature", "seed"})
"""The call options both backends accept; any other is refused, never silently ignored. (`deadline` and
`on_progress` are accepted too: the backends take them out first, `agent.llm.budget`.)"""


class JsonSchemaSpec(BaseModel):
    """The `json_schema` member of an OpenAI-style response format."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    """Name of the output kind (OpenAI's rule: letters, digits, `_` and `-`)."""
    schema_: dict[str, object] = Field(alias="schema")
    """The JSON Schema every output must validate against."""
    strict: bool = True
    """Whether the server must follow the schema exactly (always true for our own decoder)."""


class JsonSchemaFormat(BaseModel):
    """`{"type": "json_schema", "json_schema": {...}}`: the output is JSON that validates against a schema."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = Field(pattern=r"^json_schema$")
    """Always `json_schema`."""
    json_schema: JsonSchemaSpec
    """The named schema."""

    @property
    def schema_text(self) -> str:
        """The schema as compact JSON text, key order kept (it is the output order): the grammar cache key."""
        return json.dumps(self.json_schema.schema_, separators=(",", ":"))

    def to_openai(self) -> dict[str, object]:
        """The wire form for an OpenAI-compatible server."""
        spec = self.json_schema
        return {
            "type": "json_schema",
            "json_schema": {"name": spec.name, "schema": spec.schema_, "strict": spec.strict},
        }


def parse_response_format(raw: object) -> JsonSchemaFormat | None:
    """Parse the `response_format` keyword (None, a mapping, or an already parsed format)."""
    if raw is None or isinstance(raw, JsonSchemaFormat):
        return raw
    if not isinstance(raw, Mapping):
        raise ModelRequestError(f"response_format must be a mapping, got {type(raw).__name__}")
    try:
        return JsonSchemaFormat.model_validate(dict(raw))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "response_format"
        raise ModelRequestError(
            f"response_format is not a json_schema format ({where}: {first['msg']})"
        ) from None


def parse_call_options(options: Mapping[str, object]) -> JsonSchemaFormat | None:
    """Refuse call options outside CALL_OPTIONS; return the call's parsed `response_format`."""
    unknown = set(options) - CALL_OPTIONS
    if unknown:
        raise ModelRequestError(f"unsupported call options: {', '.join(sorted(unknown))}")
    return parse_response_format(options.get("response_format"))
