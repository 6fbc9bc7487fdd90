"""The CLI as a user meets it: --help everywhere, user mistakes end as one line and a specific exit code."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from agent.cli.main import build_parser
from tests.support.cli import sleuth


def _commands() -> list[list[str]]:
    parser = build_parser()
    out: list[list[str]] = []
    for action in parser._subparsers._group_actions:  # type: ignore[union-attr]
        for name, sub in action.choices.items():
            out.append([name])
            for nested in getattr(sub, "_subparsers", None)._group_actions if sub._subparsers else []:
                out += [[name, n] for n in nested.choices]
    return out


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_every_command_has_help(command: list[str], tmp_path: Path) -> None:
    proc = sleuth(*command, "--help", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "usage: sleuth" in proc.stdout


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["tool", "no_such_tool", "--target", "local"], 2, "unknown tool 'no_such_tool'"),
        (["tool", "search_logs", "--target", "local", "pattern"], 2, "is not key=value"),
        (["tool", "search_logs", "--target", "local", "paths=/x", "pattern=(a)\\1"], 2, "backreference"),
        (["tool", "search_logs", "--target", "local", "colour=red"], 2, "unknown argument 'colour'"),
        (["tool", "list_processes", "--target", "web01"], 2, "inventory"),
        (["tool", "lookup_hash", "--target", "local", "hashes=xyz"], 2, "xyz"),
        (["run", "no.such.playbook", "--target", "local", "--backend", "guided"], 2, "no.such.playbook"),
        (
            ["run", "linux.ssh.bruteforce", "--target", "local", "--backend", "guided", "--input", "nope=1"],
            2,
            "unknown input 'nope'",
        ),
        (["report", "2026-01-01T000000-abcdef"], 2, "no case"),
        (["audit", "verify", "../../etc"], 2, "no case"),
    ],
)
def test_user_mistakes_are_one_clear_line(args: list[str], code: int, fragment: str, tmp_path: Path) -> None:
    proc = sleuth(*args, home=tmp_path)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("sleuth: error:"), proc.stderr
    assert fragment in proc.stderr
    assert not list((tmp_path / "cases").glob("*")) if (tmp_path / "cases").exists() else True


def test_tool_search_logs_count_equals_grep_c(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    lines = [
        f"Nov 26 03:14:{i % 60:02d} web01 sshd[{i}]: Failed password for root from 203.0.113.{i % 7} port 2"
        if i % 3
        else f"Nov 26 03:14:{i % 60:02d} web01 CRON[{i}]: session opened"
        for i in range(300)
    ]
    log.write_bytes(("\n".join(lines) + "\n").encode() + b"\xff\xfe binary Failed password tail\n")
    proc = sleuth(
        "tool",
        "search_logs",
        "--target",
        "local",
        f"paths={log}",
        "pattern=Failed password",
        "--json",
        home=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    grep = subprocess.run(
        ["grep", "-a", "-c", "Failed password", str(log)], capture_output=True, text=True, check=False
    )
    assert len(result["rows"]) == int(grep.stdout) == 201
    programs = [c["argv"][0] for c in result["commands"]]
    assert programs[0] == "find" and programs[-1] in ("rg", "grep")  # rotations listed, then one search
    assert len(result["sha256"]) == 64 and result["host"] == "local"


def test_approver_comes_from_the_flag_then_the_config_then_the_os(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("approver: ir-oncall\n")
    proc = sleuth("run", "linux.ssh.bruteforce", "--target", "local", "--backend", "guided", home=tmp_path)
    assert "approver ir-oncall" in proc.stderr
    proc = sleuth(
        "run",
        "linux.ssh.bruteforce",
        "--target",
        "local",
        "--backend",
        "guided",
        "--approver",
        "eve",
        home=tmp_path,
    )
    assert "approver eve" in proc.stderr
    (tmp_path / "config.yaml").write_text("approver: [1, 2]\n")
    proc = sleuth("run", "linux.ssh.bruteforce", "--target", "local", "--backend", "guided", home=tmp_path)
    assert (
        proc.returncode == 2 and "must be a printable name" in proc.stderr and "Traceback" not in proc.stderr
    )


def test_tool_output_never_drives_the_terminal(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_bytes(b"Nov 26 03:14:07 web01 sshd[1]: Invalid user \x1b]0;owned\x07\x1b[2J from 203.0.113.9\n")
    proc = sleuth(
        "tool", "search_logs", "--target", "local", f"paths={log}", "pattern=Invalid user", home=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "\\x1b[2J" in proc.stdout
