"""The JSON Schema of playbooks, generated from the pydantic model (committed; a test fails when stale)."""

from __future__ import annotations

import json

from playbooks.model import Playbook

SCHEMA_ID = "https://sleuth-ir.invalid/schema/playbook.schema.json"


def playbook_schema() -> dict[str, object]:
    """The JSON Schema (draft 2020-12) of a playbook file."""
    schema: dict[str, object] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
    }
    schema.update(Playbook.model_json_schema(by_alias=True))
    return schema


def render_schema() -> str:
    """The schema as committed: two-space indented JSON and a final newline."""
    return json.dumps(playbook_schema(), indent=2, ensure_ascii=False) + "\n"
