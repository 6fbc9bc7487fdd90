"""`sleuth playbook ...` as an author uses it: scaffold, lint with located lines, fix, export, schema."""

from __future__ import annotations

import json

from agent.cli.main import main
from playbooks.jsonschema import render_schema

from .conftest import INVALID


def test_new_then_lint_is_clean_then_mistakes_are_located(tmp_path, capsys):
    assert main(["playbook", "new", "linux.web.sqli", "--dir", str(tmp_path)]) == 0
    path = tmp_path / "linux" / "web" / "sqli.yaml"
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=") and "id: linux.web.sqli" in text
    capsys.readouterr()
    assert main(["playbook", "lint", str(path)]) == 0
    assert capsys.readouterr().out == ""
    # A new author's typical mistakes: a typo in a key, a tool name and an input reference.
    broken = text.replace("    guidance: >\n      Count", "    guidnce: >\n      Count", 1)
    broken = broken.replace("{input: max_matches}", "{input: max_matchs}")
    path.write_text(broken)
    assert main(["playbook", "lint", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and f"{path}:" in out[0] and "error[PB010] unknown key 'guidnce'" in out[0]
    assert "did you mean 'guidance'?" in out[0]
    path.write_text(
        text.replace("{input: max_matches}", "{input: max_matchs}").replace(
            "tool: search_logs\n", "tool: serch_logs\n", 1
        )
    )
    assert main(["playbook", "lint", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any("error[PB011] unknown tool 'serch_logs' (did you mean 'search_logs'?)" in line for line in out)
    assert any("error[PB013] unknown input 'max_matchs'" in line for line in out)
    for line in out:  # grep-friendly: path:line:col: severity[CODE] message
        file, line_no, col, rest = line.split(":", 3)
        assert file == str(path) and line_no.isdigit() and col.isdigit() and rest.startswith(" ")


def test_new_refuses_a_bad_id_and_an_existing_file(tmp_path, capsys):
    assert main(["playbook", "new", "NoDots", "--dir", str(tmp_path)]) == 2
    assert "dotted lower_snake_case" in capsys.readouterr().err
    assert main(["playbook", "new", "a.b", "--dir", str(tmp_path)]) == 0
    assert main(["playbook", "new", "a.b", "--dir", str(tmp_path)]) == 2


def test_lint_library_and_invalid_folder(capsys):
    assert main(["playbook", "lint"]) == 0
    assert "0 error(s), 0 warning(s)" in capsys.readouterr().err
    assert main(["playbook", "lint", "--no-warnings", str(INVALID)]) == 1
    captured = capsys.readouterr()
    assert "warning[" not in captured.out and "Traceback" not in captured.out + captured.err


def test_list_show_export_schema(tmp_path, capsys):
    assert main(["playbook", "list"]) == 0
    listing = capsys.readouterr().out
    assert "linux.ssh.bruteforce" in listing and "web.webshell" in listing
    assert main(["playbook", "show", "linux.persistence"]) == 0
    shown = capsys.readouterr().out
    assert "recent_days (int, default 7)" in shown and "for each persistence_files" in shown
    out = tmp_path / "pb.json"
    assert main(["playbook", "export", "linux.ssh.bruteforce", "--format", "cacao", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["spec_version"] == "cacao-2.0" and doc["id"].startswith("playbook--")
    capsys.readouterr()
    assert main(["playbook", "schema"]) == 0
    assert capsys.readouterr().out == render_schema()
    assert main(["playbook", "show", "no.such"]) == 2
    assert "no playbook with id 'no.such'" in capsys.readouterr().err


def test_show_of_a_broken_file_prints_located_errors(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: a.b\ntitle: [unclosed\n")
    assert main(["playbook", "show", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:3:1: error[PB001]" in err or f"{bad}:2:" in err
