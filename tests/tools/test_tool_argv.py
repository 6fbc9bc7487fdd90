"""Every argv a tool builds, from typed args, is one the read-only allowlist accepts exactly as built; tools
reach the target only through ToolContext.run, so the transport's allowlist check is the one gate."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tools import file_info, find_files, hash_files, list_logins, list_persistence, read_file
from tools.list_connections import SS_ARGV
from tools.list_processes import COMM_ARGV, EXE_ARGV, PS_ARGV
from tools.list_users import GROUP_ARGV, PASSWD_ARGV
from tools.logsearch import commands
from tools.logsearch.dialect import compile_pattern
from tools.secrets import guard
from tools.transport.allowlist import check_argv

TOOLS = Path(__file__).resolve().parents[2] / "tools"
# Names a target can hold that an option parser would misread if they were not after `--`.
ODD = ["/var/log/-n 5", "/tmp/--exec=x", "/srv/a b\tc", "/srv/\u00e9t\u00e9"]
WINDOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def _search_argvs() -> list[tuple[str, ...]]:
    argvs: list[tuple[str, ...]] = []
    for pattern in (
        compile_pattern(r"Failed password for (?P<user>\S+)", ignore_case=False, fixed=False),
        compile_pattern("-e --pre=sh", ignore_case=True, fixed=True),
    ):
        gz = "/var/log/auth.log.2.gz"
        for count in (False, True):
            argvs.append(commands.rg_argv(pattern, [*ODD, gz], per_file=11, count=count))
            argvs.append(commands.grep_argv(pattern, ODD, per_file=None if count else 11, count=count))
            argvs.append(commands.zgrep_argv(pattern, gz, per_file=11, count=count))
        argvs.append(
            commands.journalctl_argv(
                pattern, lines=101, since=WINDOW, until=WINDOW, unit="ssh.service", facilities=(4, 10)
            )
        )
    argvs.append(commands.journalctl_newest_argv(unit=None, facilities=()))
    argvs.append(commands.list_argv(["/var/log/auth.log", "/var/log/we[ir]d*.log"], include_rotated=True))
    argvs.append(commands.list_argv(["/var/log/syslog"], include_rotated=False))
    for build in (
        commands.zgrep_count_argv,
        commands.zgrep_first_argv,
        commands.wc_argv,
        commands.head_argv,
        commands.tail_argv,
    ):
        argvs.append(build(ODD))
    return argvs


def _host_state_argvs() -> list[tuple[str, ...]]:
    every_filter = find_files.TOOL.parse_args(
        {
            "roots": ["/var/www", "/tmp/-x"],
            "name": "-*.php",
            "type": "symlink",
            "modified_within": "PT90S",
            "world_writable": True,
            "hidden_only": True,
            "larger_than_bytes": 0,
            "max_depth": 0,
        }
    )
    return [
        PS_ARGV,
        COMM_ARGV,
        EXE_ARGV,
        PASSWD_ARGV,
        GROUP_ARGV,
        SS_ARGV,
        list_persistence.SYSTEM_FIND_ARGV,
        list_persistence.KEY_FIND_ARGV,
        list_persistence.SYSTEMCTL_ARGV,
        list_persistence.grep_argv(ODD),
        list_logins.last_argv("last", "/var/log/wtmp", 100000),
        list_logins.last_argv("lastb", "/var/log/-btmp", 1),
        list_logins.who_argv("/var/run/utmp"),
        find_files.find_argv(find_files.TOOL.parse_args({"roots": ["/"]})),
        find_files.find_argv(every_filter),
        file_info.stat_argv(ODD),
        file_info.links_argv(ODD),
        *(hash_files.hash_argv(a, ODD) for a in ("sha256", "sha1", "md5")),
        read_file.head_argv(ODD[0], 10001),
        read_file.tail_argv(ODD[1], 10000),
        read_file.wc_argv(ODD[2]),
        guard.resolve_argv(ODD),
        guard.inode_argv(ODD),
    ]


@pytest.mark.parametrize("argv", [*_host_state_argvs(), *_search_argvs()], ids=lambda a: " ".join(a)[:60])
def test_every_tool_argv_is_allowlisted_as_built(argv: tuple[str, ...]) -> None:
    assert check_argv(argv) == tuple(argv)


def test_tools_reach_the_target_only_through_the_tool_context() -> None:
    outside = [
        f"{path.relative_to(TOOLS)}:{number}"
        for path in TOOLS.rglob("*.py")
        if "transport" not in path.relative_to(TOOLS).parts and path != TOOLS / "base.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\btransport\.run\(", line)
    ]
    assert outside == []
