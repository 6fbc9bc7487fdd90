"""Extractors read only the rows their `where` selects (a denied sudo never becomes a sudo command)."""

from __future__ import annotations

from playbooks.extract import extract_findings, findings_of
from playbooks.model import Step

ROWS = [
    {"event": "sudo_command", "user": "alice", "command": "/usr/bin/id"},
    {"event": "sudo_denied", "user": "bob", "command": "/bin/bash", "reason": "user NOT in sudoers"},
    {"event": "sudo_command", "user": "alice", "command": "/usr/bin/apt update"},
]


def _step(extract: dict[str, object]) -> Step:
    return Step.model_validate({"id": "s", "title": "t", "tool": "search_logs", "extract": extract})


def test_where_keeps_only_matching_rows() -> None:
    step = _step(
        {
            "sudo_commands": {"column": "command", "where": {"event": "sudo_command"}},
            "denied_users": {"column": "user", "where": {"event": ["sudo_denied", "su_failed"]}},
            "everyone": {"column": "user"},
        }
    )
    found = findings_of(extract_findings(step, ROWS))
    assert found["sudo_commands"] == ["/usr/bin/id", "/usr/bin/apt update"]
    assert found["denied_users"] == ["bob"]
    assert found["everyone"] == ["alice", "bob"]


def test_where_on_a_missing_column_selects_nothing() -> None:
    step = _step({"x": {"column": "user", "where": {"no_such_column": "y"}}})
    assert extract_findings(step, ROWS) == []
