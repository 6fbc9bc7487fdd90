"""The shipped library: every playbook loads, lints clean (real catalogue), names the schema."""

from __future__ import annotations

import re

import pytest

from playbooks.discovery import find_playbook, library_dir, list_playbooks, schema_path
from playbooks.jsonschema import render_schema
from playbooks.lint import lint_file
from playbooks.runtime import load_playbook

EXPECTED = {
    "linux.ssh.bruteforce",
    "linux.process.suspicious",
    "linux.persistence",
    "linux.malware.hash_sweep",
    "web.webshell",
    "linux.account.compromise",
}
ENTRIES = list_playbooks()


def test_library_has_the_required_playbooks():
    assert {e.id for e in ENTRIES} >= EXPECTED


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_playbook_lints_clean(entry, catalogue):
    issues = lint_file(entry.path, catalogue)
    assert issues == [], "\n".join(i.format() for i in issues)
    playbook = load_playbook(entry.path, catalogue=catalogue)
    assert playbook.id == entry.id
    assert playbook.attack, "every shipped playbook maps to ATT&CK"
    assert all(step.guidance for step in playbook.steps)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.id)
def test_playbook_names_the_committed_schema(entry):
    first = entry.path.read_text().splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, f"{entry.path}: first line must be the yaml-language-server schema modeline"
    assert (entry.path.parent / match.group(1)).resolve() == schema_path().resolve()


def test_committed_json_schema_is_current():
    assert schema_path().read_text() == render_schema(), (
        "playbooks/schema/playbook.schema.json is stale: run `sleuth playbook schema --write`"
    )


def test_find_playbook_by_id_and_path(tmp_path):
    assert find_playbook("linux.ssh.bruteforce") == library_dir() / "linux" / "ssh" / "bruteforce.yaml"
    extra = tmp_path / "team" / "x.yaml"
    extra.parent.mkdir()
    extra.write_text("id: team.x\n")
    assert find_playbook("team.x", [tmp_path]) == extra
    assert find_playbook(str(extra)) == extra
    from playbooks.errors import PlaybookNotFoundError

    with pytest.raises(PlaybookNotFoundError, match=r"linux\.ssh\.bruteforce"):
        find_playbook("linux.ssh.brute")
