"""Data-driven: every malformed playbook gives exactly the located errors its .expected file lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbooks.errors import PlaybookLoadError
from playbooks.issues import Severity
from playbooks.lint import lint_file
from playbooks.loader import load_playbook_file, parse_playbook
from playbooks.yamlsource import MAX_BYTES

from .conftest import INVALID

CASES = sorted(INVALID.glob("*.yaml"))


def test_suite_is_not_empty():
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_invalid_case(case: Path, catalogue):
    expected = [line for line in case.with_suffix(".expected").read_text().splitlines() if line.strip()]
    errors = [i for i in lint_file(case, catalogue) if i.severity == Severity.ERROR]
    got = [f"{i.line}:{i.col}: {i.severity.value}[{i.code}] {i.message}" for i in errors]
    assert expected, f"{case.name}: an invalid case must expect at least one error"
    for want in expected:
        loc, _, text = want.partition(": ")
        assert any(g.startswith(loc + ": ") and text in g for g in got), (
            f"{case.name}: missing {want!r} in {got}"
        )
    assert len(got) == len(expected), f"{case.name}: unexpected extra errors {got}"


def test_ten_megabyte_file_is_refused_without_reading_it_all(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"id: a.b\n" + b"# padding\n" * (10 * 1024 * 1024 // 10))
    with pytest.raises(PlaybookLoadError) as info:
        load_playbook_file(big)
    (issue,) = info.value.issues
    assert (issue.line, issue.col, issue.code) == (1, 1, "PB004")
    assert f"at most {MAX_BYTES} bytes" in issue.message


def test_load_error_message_lists_every_issue(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: NotDotted\nsteps: []\n")
    with pytest.raises(PlaybookLoadError) as info:
        load_playbook_file(bad)
    text = str(info.value)
    assert len(info.value.issues) == 6
    assert all(f"{bad}:" in line for line in text.splitlines()[1:])


def test_control_character_is_located():
    _, issues = parse_playbook(b"id: a.b\ntitle: x\x07y\n", "c.yaml")
    assert [(i.line, i.col, i.code) for i in issues] == [(2, 9, "PB004")]


def test_unreadable_path_is_an_issue(tmp_path):
    issues = lint_file(tmp_path / "nope.yaml", None)
    assert [i.code for i in issues] == ["PB004"] and "cannot read" in issues[0].message
