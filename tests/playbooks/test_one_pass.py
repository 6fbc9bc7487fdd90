"""One lint pass: schema errors and every reference/catalogue check that can still be sure, each once."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbooks.errors import PlaybookLoadError
from playbooks.issues import Severity
from playbooks.lint import lint_file
from playbooks.runtime import load_playbook

from .conftest import INVALID

HEAD = 'id: t.case\ntitle: T\nversion: "1.0"\ndescription: d\nattack: [T1110]\n'


def _codes(path: Path, catalogue) -> list[tuple[int, str]]:
    return [(i.line, i.code) for i in lint_file(path, catalogue) if i.severity == Severity.ERROR]


def test_mixed_case_reports_both_kinds_in_file_order(catalogue):
    issues = lint_file(INVALID / "mixed_schema_and_catalogue.yaml", catalogue)
    codes = {i.code for i in issues}
    assert {"PB010", "PB011", "PB012", "PB013", "PB014", "PB017", "PB018"} <= codes
    assert [(i.line, i.col) for i in issues] == sorted((i.line, i.col) for i in issues)
    assert len({i.format() for i in issues}) == len(issues)  # each problem once


def test_load_playbook_raises_with_schema_and_catalogue_errors(catalogue):
    path = INVALID / "mixed_schema_and_catalogue.yaml"
    with pytest.raises(PlaybookLoadError) as info:
        load_playbook(path, catalogue=catalogue)
    assert [i.format() for i in info.value.issues] == [
        i.format() for i in lint_file(path, catalogue) if i.severity == Severity.ERROR
    ]
    with pytest.raises(PlaybookLoadError) as structural:  # without a catalogue: no tool checks
        load_playbook(path)
    codes = {i.code for i in structural.value.issues}
    assert "PB010" in codes and "PB013" in codes and "PB011" not in codes


def test_playbook_level_error_does_not_hide_step_checks(tmp_path, catalogue):
    path = tmp_path / "t" / "case.yaml"
    path.parent.mkdir()
    path.write_text(
        HEAD + "severity: urgent\nsteps:\n  - id: a\n    title: A\n    tool: list_user\n    guidance: g\n"
    )
    assert _codes(path, catalogue) == [(6, "PB010"), (10, "PB011")]


def test_reference_into_a_failed_step_is_not_called_unknown(tmp_path, catalogue):
    path = tmp_path / "r.yaml"
    path.write_text(
        HEAD + "severity: low\nsteps:\n"
        "  - {id: a, title: A, tool: list_users, extract: {users: {column: user}}, bogus: 1}\n"
        "  - {id: b, title: B, tool: list_users, when: {exists: users}, guidance: g}\n"
        "  - {id: c, title: C, tool: list_users, when: {exists: ghost}, guidance: g}\n"
    )
    # 'users' is declared by the failed step: no PB014 for it; 'ghost' is declared nowhere: PB014.
    assert _codes(path, catalogue) == [(8, "PB010"), (10, "PB014")]


def test_unreadable_step_silences_finding_order(tmp_path, catalogue):
    path = tmp_path / "u.yaml"
    path.write_text(
        HEAD + "severity: low\nsteps:\n"
        "  - just a string\n"
        "  - {id: b, title: B, tool: list_users, when: {exists: ghost}, guidance: g}\n"
    )
    # The first step could not be read at all, so whether 'ghost' exists is unknown: stay silent.
    assert [code for _, code in _codes(path, catalogue)] == ["PB010"]


def test_failed_input_is_still_declared_and_not_sampled(tmp_path, catalogue):
    path = tmp_path / "i.yaml"
    path.write_text(
        HEAD + "severity: low\ninputs:\n  n: {type: int, default: lots, description: d}\nsteps:\n"
        "  - {id: a, title: A, tool: search_logs, guidance: g,\n"
        "     args: {log: auth, pattern: x, max_matches: {input: n}}}\n"
    )
    # No PB013 (n is declared) and no PB012 judged on a guessed sample for n.
    assert [code for _, code in _codes(path, catalogue)] == ["PB010"]


def test_yaml_level_problem_stops_further_checks(tmp_path, catalogue):
    path = tmp_path / "y.yaml"
    path.write_text(
        HEAD + "severity: low\nseverity: low\nsteps:\n  - {id: a, title: A, tool: nope, guidance: g}\n"
    )
    # A duplicate key makes the data untrustworthy: only the YAML problem is reported.
    assert [code for _, code in _codes(path, catalogue)] == ["PB002"]
