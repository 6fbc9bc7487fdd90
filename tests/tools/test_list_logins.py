"""list_logins: last/who parsers on captured output, and run() on real wtmp/btmp/utmp files we write."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tools import utmp
from tests.tools.conftest import DATA
from tools.base import ToolContext
from tools.errors import CommandFailedError
from tools.hoststate.logins import parse_last, parse_who
from tools.list_logins import TOOL

T0 = 1767000000  # 2025-12-29T09:20:00Z


def test_parse_captured_last() -> None:
    logins, bad = parse_last((DATA / "last.txt").read_bytes())
    assert bad == []
    assert [(x.user, x.tty, x.source) for x in logins] == [
        ("bob", "pts/2", "198.51.100.9"),
        ("mallory-long-user-name", "pts/1", "2001:db8::5"),
        ("alice", "pts/0", "203.0.113.7"),
        ("reboot", "system boot", None),
    ]
    alice = logins[2]
    assert (alice.start, alice.end, alice.duration) == ("2025-12-29T09:21:40", "2025-12-29T10:21:40", "01:00")
    assert logins[0].end == "gone - no logout"


@pytest.mark.parametrize(
    ("name", "start"), [("who_c.txt", "Dec 29 09:21"), ("who_utf8.txt", "2025-12-29T09:21:00")]
)
def test_parse_captured_who_in_both_locales(name: str, start: str) -> None:
    logins, bad = parse_who((DATA / name).read_bytes())
    assert bad == []
    assert [(x.user, x.source) for x in logins] == [
        ("alice", "203.0.113.7"), ("mallory-long-user-name", "2001:db8::5"), ("bob", "198.51.100.9")]
    assert logins[0].start == start


@pytest.fixture
def login_files(tmp_path: Path) -> dict[str, object]:
    """A wtmp with a reboot and two logins, a btmp with a failed root login, a utmp with one session."""
    wtmp = utmp.write(tmp_path / "wtmp", [
        utmp.UtmpRecord(utmp.BOOT_TIME, 0, "~", "reboot", "6.1.0", T0),
        utmp.UtmpRecord(utmp.USER_PROCESS, 100, "pts/0", "alice", "203.0.113.7", T0 + 100, "203.0.113.7"),
        utmp.UtmpRecord(utmp.DEAD_PROCESS, 100, "pts/0", "", "", T0 + 3700),
        utmp.UtmpRecord(utmp.USER_PROCESS, 101, "pts/1", "deploy", "198.51.100.4", T0 + 200, "198.51.100.4"),
    ])
    btmp = utmp.write(tmp_path / "btmp", [
        utmp.UtmpRecord(utmp.USER_PROCESS, 0, "ssh:notty", "root", "192.0.2.66", T0 + 50, "192.0.2.66"),
    ])
    session = utmp.write(tmp_path / "utmp", [
        utmp.UtmpRecord(utmp.USER_PROCESS, 101, "pts/1", "deploy", "198.51.100.4", T0 + 200, "198.51.100.4"),
    ])
    return {"wtmp": str(wtmp), "btmp": str(btmp), "utmp": str(session)}


def test_run_reads_all_three_files(local_ctx: ToolContext, login_files: dict[str, object]) -> None:
    result = TOOL.run(TOOL.parse_args(login_files), local_ctx)
    got = [(r["kind"], r["user"], r["source"]) for r in result.rows]
    assert got == [
        ("success", "deploy", "198.51.100.4"),
        ("success", "alice", "203.0.113.7"),
        ("reboot", "reboot", None),
        ("failed", "root", "192.0.2.66"),
        ("current", "deploy", "198.51.100.4"),
    ]
    alice = result.rows[1]
    assert alice["duration"] == "01:00"
    assert [c.argv[0] for c in result.commands] == ["last", "lastb", "who"]
    assert result.notes == ()


def test_run_one_kind_and_max_entries(local_ctx: ToolContext, login_files: dict[str, object]) -> None:
    result = TOOL.run(TOOL.parse_args({**login_files, "which": "success", "max_entries": 1}), local_ctx)
    assert [(r["kind"], r["user"]) for r in result.rows] == [("success", "deploy")]
    assert result.argv == ("last", "-F", "-w", "-i", "-n", "1", "-f", str(login_files["wtmp"]))


def test_missing_btmp_is_a_note(
    local_ctx: ToolContext, login_files: dict[str, object], tmp_path: Path
) -> None:
    args = {**login_files, "btmp": str(tmp_path / "nope"), "which": "all"}
    result = TOOL.run(TOOL.parse_args(args), local_ctx)
    assert any("lastb" in note and "nope" in note for note in result.notes)
    assert {r["kind"] for r in result.rows} == {"success", "reboot", "current"}


def test_nothing_readable_raises(local_ctx: ToolContext, tmp_path: Path) -> None:
    with pytest.raises(CommandFailedError, match="no login records"):
        TOOL.run(TOOL.parse_args({"which": "failed", "btmp": str(tmp_path / "nope")}), local_ctx)


def test_relative_path_is_refused() -> None:
    with pytest.raises(ValueError, match="absolute"):
        TOOL.parse_args({"wtmp": "var/log/wtmp"})
