"""Every number, URL and path option is checked before anything runs: bad input is one line and exit 2, and no
case is opened (a `--timeout nan` or an `--approval-ttl -5` used to open a case that could never work)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.cli.main import EXIT_USAGE
from tests.support.cli import sleuth

RUN = ["run", "linux.ssh.bruteforce", "--target", "local", "--backend", "guided", "--console"]
TOOL = ["tool", "list_users", "--target", "local"]
FILE, DIR, MISSING = "@file", "@dir", "@missing"
"""Placeholders: an existing regular file, an existing directory, a path that does not exist."""

CASES: list[tuple[list[str], str]] = [
    ([*RUN, "--timeout", "-1"], "--timeout"),
    ([*RUN, "--timeout", "0"], "--timeout"),
    ([*RUN, "--timeout", "nan"], "--timeout"),
    ([*RUN, "--timeout", "inf"], "--timeout"),
    ([*RUN, "--timeout", "soon"], "--timeout"),
    ([*RUN, "--approval-ttl", "-5"], "--approval-ttl"),
    ([*RUN, "--approval-ttl", "0"], "--approval-ttl"),
    ([*RUN, "--replay", MISSING], "--replay"),
    ([*RUN, "--replay", FILE], "--replay"),
    ([*RUN, "--backend", "openai", "--base-url", "ftp://127.0.0.1/v1"], "--base-url"),
    ([*RUN, "--backend", "openai", "--base-url", "http://"], "--base-url"),
    ([*RUN, "--backend", "openai", "--base-url", "http://127.0.0.1:99999/v1"], "--base-url"),
    ([*RUN, "--inventory", MISSING], "--inventory"),
    ([*RUN, "--record", FILE], "--record"),
    ([*RUN, "--intel-db", DIR], "--intel-db"),
    ([*TOOL, "--timeout", "0"], "--timeout"),
    ([*TOOL, "--timeout", "nan"], "--timeout"),
    ([*TOOL, "--inventory", MISSING], "--inventory"),
    ([*TOOL, "--intel-db", DIR], "--intel-db"),
    (["tui", "--timeout", "nan"], "--timeout"),
    (["tui", "--replay", MISSING], "--replay"),
    (["model", "pull", "--timeout", "nan"], "--timeout"),
    (["intel", "import", MISSING, "--source", "x"], "FILE"),
    (["intel", "stats", "--db", DIR], "--db"),
    (["audit", "verify", "2026-01-01T000000-abcdef", "--public-key", MISSING], "--public-key"),
    (["audit", "sign", "2026-01-01T000000-abcdef", "--key", MISSING], "--key"),
    (["playbook", "list", "--dir", MISSING], "--dir"),
    (["playbook", "record", "linux.ssh.bruteforce", "--target", "x", "--inventory", MISSING], "--inventory"),
    (["cases", "--case-dir", FILE], "--case-dir"),
]


def _ids(case: tuple[list[str], str]) -> str:
    args, _ = case
    return " ".join(a for a in args if a not in RUN[1:] and a not in TOOL[1:])


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_bad_numbers_urls_and_paths_are_one_line_and_exit_2(
    case: tuple[list[str], str], tmp_path: Path
) -> None:
    args, option = case
    afile, adir = tmp_path / "a-file", tmp_path / "a-dir"
    afile.write_text("x")
    adir.mkdir()
    places = {FILE: str(afile), DIR: str(adir), MISSING: str(tmp_path / "missing")}
    proc = sleuth(*[places.get(a, a) for a in args], home=tmp_path, stdin="", timeout=60)
    assert proc.returncode == EXIT_USAGE, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and ": error: " in lines[0] and option in lines[0], proc.stderr
    assert not (tmp_path / "cases").exists() or not list((tmp_path / "cases").iterdir()), "a case was opened"


def test_good_values_still_pass(tmp_path: Path) -> None:
    proc = sleuth(*TOOL, "--timeout", "2.5", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
