"""An allowed-actions schema like the graph's (two tools, bounded strings) and its pydantic validator."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

TEXT = r"^[ -~]{0,24}$"  # printable ASCII, bounded: generation always terminates
PATH = r"^/[a-z/._-]{0,20}$"

ACTION_SCHEMA: dict[str, object] = {
    "anyOf": [
        {
            "type": "object",
            "properties": {
                "tool": {"const": "search_logs"},
                "args": {
                    "type": "object",
                    "properties": {
                        "paths": {
                            "type": "array",
                            "items": {"type": "string", "pattern": PATH},
                            "minItems": 1,
                            "maxItems": 2,
                        },
                        "pattern": {"type": "string", "pattern": TEXT},
                    },
                    "required": ["paths", "pattern"],
                    "additionalProperties": False,
                },
                "rationale": {"type": "string", "pattern": TEXT},
            },
            "required": ["tool", "args", "rationale"],
            "additionalProperties": False,
        },
        {
            "type": "object",
            "properties": {
                "tool": {"const": "list_processes"},
                "args": {
                    "type": "object",
                    "properties": {"user": {"type": "string", "enum": ["root", "www-data"]}},
                    "required": [],
                    "additionalProperties": False,
                },
                "rationale": {"type": "string", "pattern": TEXT},
            },
            "required": ["tool", "args", "rationale"],
            "additionalProperties": False,
        },
    ]
}

RESPONSE_FORMAT: dict[str, object] = {
    "type": "json_schema",
    "json_schema": {"name": "next_action", "schema": ACTION_SCHEMA, "strict": True},
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SearchArgs(_Strict):
    """search_logs args."""

    paths: list[Annotated[str, Field(pattern=PATH)]] = Field(min_length=1, max_length=2)
    pattern: str = Field(pattern=TEXT)


class ProcessArgs(_Strict):
    """list_processes args."""

    user: Literal["root", "www-data"] | None = None


class SearchAction(_Strict):
    """A search_logs proposal."""

    tool: Literal["search_logs"]
    args: SearchArgs
    rationale: str = Field(pattern=TEXT)


class ProcessAction(_Strict):
    """A list_processes proposal."""

    tool: Literal["list_processes"]
    args: ProcessArgs
    rationale: str = Field(pattern=TEXT)


ACTION = TypeAdapter(SearchAction | ProcessAction)
