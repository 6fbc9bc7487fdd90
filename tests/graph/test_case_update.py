"""The nodes' return type names exactly the state's fields, so a misspelt key fails mypy, not a run."""

from __future__ import annotations

from typing import get_type_hints

from agent.case.state import CaseState
from agent.graph.nodes.common import CaseUpdate


def test_case_update_has_every_state_field_and_no_other() -> None:
    assert set(CaseUpdate.__optional_keys__) == set(CaseState.model_fields)
    assert not CaseUpdate.__required_keys__


def test_case_update_types_are_the_state_field_types() -> None:
    hints = get_type_hints(CaseUpdate)
    for name, field in CaseState.model_fields.items():
        assert hints[name] == field.annotation, name
