"""search_logs against real files with the real LocalTransport, on both engines (ripgrep and grep -E)."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from tests.tools.logfiles import auth_lines, syslog_stamp, write
from tools.base import ToolContext, ToolResult
from tools.errors import InvalidToolArgsError
from tools.inventory import HostProfile
from tools.search_logs import TOOL

ENGINES = ("rg", "grep")


def search(ctx: ToolContext, **raw: object) -> ToolResult:
    return TOOL.run(TOOL.parse_args(raw), ctx)


def grep_count(pattern: str, path: Path, *flags: str) -> int:
    done = subprocess.run(
        ["grep", "-c", *flags, "-e", pattern, "--", str(path)],
        capture_output=True,
        check=False,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
    )
    return int(done.stdout.strip())


@pytest.fixture
def auth_log(tmp_path: Path) -> Path:
    return write(tmp_path / "auth.log", auth_lines(600))


@pytest.mark.parametrize("engine", ENGINES)
def test_row_count_equals_grep_c(local_ctx: ToolContext, auth_log: Path, engine: str) -> None:
    result = search(local_ctx, paths=[str(auth_log)], pattern="Failed password", engine=engine)
    assert len(result.rows) == grep_count("Failed password", auth_log) == 200
    assert result.truncated is False
    first = result.rows[0]
    assert first["path"] == str(auth_log)
    assert first["line_no"] == 1
    assert str(first["line"]).startswith("Nov  1 03:00:00 web01 sshd[1000]: Failed password for root")
    assert first["timestamp"] is not None and str(first["timestamp"]).endswith("-11-01T03:00:00+00:00")
    assert result.argv[0] == "find" and result.commands[-1].argv[0] == engine


def test_single_path_string_is_accepted(local_ctx: ToolContext, auth_log: Path) -> None:
    result = search(local_ctx, paths=str(auth_log), pattern="Accepted", include_rotated=False)
    assert len(result.rows) == grep_count("Accepted", auth_log)


@pytest.mark.parametrize("engine", ENGINES)
def test_rotated_and_gz_files_in_order(local_ctx: ToolContext, tmp_path: Path, engine: str) -> None:
    live = write(tmp_path / "auth.log", auth_lines(30, start=60))
    write(tmp_path / "auth.log.1", auth_lines(30, start=30))
    write(tmp_path / "auth.log.2.gz", auth_lines(30, start=0), gz=True)
    write(tmp_path / "auth.log.bak", auth_lines(30))
    write(tmp_path / "auth.logger", auth_lines(30))
    result = search(local_ctx, paths=[str(live)], pattern=r"Failed password for \w+", engine=engine)
    paths = [str(row["path"]) for row in result.rows]
    names = ("auth.log", "auth.log.1", "auth.log.2.gz")
    assert sorted(set(paths)) == sorted(str(tmp_path / n) for n in names)
    assert paths[0].endswith("auth.log.2.gz") and paths[-1] == str(live)  # oldest rotation first
    assert len(result.rows) == 30  # every third line of 90
    gz_rows = [row for row in result.rows if str(row["path"]).endswith(".gz")]
    assert [row["line_no"] for row in gz_rows] == list(range(1, 31, 3))
    none = search(local_ctx, paths=[str(live)], pattern="Failed", include_rotated=False, engine=engine)
    assert {row["path"] for row in none.rows} == {str(live)}


@pytest.mark.parametrize("engine", ENGINES)
def test_count_only_per_file(local_ctx: ToolContext, tmp_path: Path, engine: str) -> None:
    live = write(tmp_path / "auth.log", auth_lines(90))
    write(tmp_path / "auth.log.1", [b"nothing to see"])
    write(tmp_path / "auth.log.2.gz", auth_lines(9), gz=True)
    result = search(local_ctx, paths=[str(live)], pattern="Failed password", count_only=True, engine=engine)
    assert result.rows == [
        {"path": str(tmp_path / "auth.log.2.gz"), "count": 3},
        {"path": str(tmp_path / "auth.log.1"), "count": 0},
        {"path": str(live), "count": grep_count("Failed password", live)},
    ]
    assert "total: 33" in result.text


@pytest.mark.parametrize("engine", ENGINES)
def test_ignore_case(local_ctx: ToolContext, auth_log: Path, engine: str) -> None:
    expected = grep_count("failed PASSWORD", auth_log, "-i")
    assert expected == 200
    paths = [str(auth_log)]
    flag = search(local_ctx, paths=paths, pattern="failed PASSWORD", ignore_case=True, engine=engine)
    inline = search(local_ctx, paths=[str(auth_log)], pattern="(?i)failed PASSWORD", engine=engine)
    exact = search(local_ctx, paths=[str(auth_log)], pattern="failed PASSWORD", engine=engine)
    assert len(flag.rows) == len(inline.rows) == expected
    assert exact.rows == []


@pytest.mark.parametrize("engine", ENGINES)
def test_fixed_string_and_shell_metacharacters_are_literal(
    local_ctx: ToolContext, tmp_path: Path, engine: str
) -> None:
    canary = tmp_path / "pwned"
    evil = f"-e x; touch {canary} $(touch {canary}) `touch {canary}` | a.b[c]*"
    log = write(tmp_path / "app.log", [b"plain line", evil.encode(), b"a-b[c]* not the same"])
    fixed = search(local_ctx, paths=[str(log)], pattern=evil, fixed_string=True, engine=engine)
    assert [row["line_no"] for row in fixed.rows] == [2]
    dash = search(local_ctx, paths=[str(log)], pattern="-e x; touch", engine=engine)
    assert [row["line_no"] for row in dash.rows] == [2]
    option_like = search(local_ctx, paths=[str(log)], pattern="--pre=/bin/sh", engine=engine)
    assert option_like.rows == []
    assert not canary.exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_max_matches_truncates(local_ctx: ToolContext, tmp_path: Path, engine: str) -> None:
    log = write(tmp_path / "auth.log", auth_lines(150))  # 50 failed passwords
    capped = search(local_ctx, paths=[str(log)], pattern="Failed", max_matches=10, engine=engine)
    assert len(capped.rows) == 10 and capped.truncated
    assert [row["line_no"] for row in capped.rows] == list(range(1, 30, 3))
    exact = search(local_ctx, paths=[str(log)], pattern="Failed", max_matches=50, engine=engine)
    assert len(exact.rows) == 50 and not exact.truncated
    # The total cap holds across files too (each file alone stays under it).
    write(tmp_path / "auth.log.1", auth_lines(150))
    both = search(local_ctx, paths=[str(log)], pattern="Failed", max_matches=60, engine=engine)
    assert len(both.rows) == 60 and both.truncated


@pytest.mark.parametrize("engine", ENGINES)
def test_binary_and_non_utf8_lines(local_ctx: ToolContext, tmp_path: Path, engine: str) -> None:
    raw_line = b"Nov  2 01:02:03 h sshd[1]: Failed password for \xff\xferoot\x00\x01 from 10.0.0.1"
    log = write(tmp_path / "auth.log", [b"\x00\x01\x02binary header", raw_line, b"caf\xc3\xa9 Failed"])
    result = search(local_ctx, paths=[str(log)], pattern=r"Failed password for (?P<user>\S+)", engine=engine)
    assert len(result.rows) == 1
    row = result.rows[0]
    assert row["line_no"] == 2
    assert row["line"] == raw_line.decode("utf-8", "replace")
    assert "\ufffd" in str(row["line"])
    assert row["user"] == "\ufffd\ufffdroot\x00\x01"
    assert result.raw.find(raw_line) >= 0  # the evidence keeps the original bytes
    utf8 = search(local_ctx, paths=[str(log)], pattern="café Failed", engine=engine)
    assert [r["line"] for r in utf8.rows] == ["café Failed"]


@pytest.mark.parametrize("engine", ENGINES)
def test_named_groups_become_columns(local_ctx: ToolContext, auth_log: Path, engine: str) -> None:
    pattern = r"(?P<result>Failed|Accepted) \w+ for (?P<user>\S+) from (?P<ip>[\d.]+)"
    result = search(local_ctx, paths=[str(auth_log)], pattern=pattern, max_matches=3, engine=engine)
    assert [(r["result"], r["user"], r["ip"]) for r in result.rows] == [
        ("Failed", "root", "203.0.113.0"),
        ("Failed", "deploy", "203.0.113.3"),
        ("Accepted", "root", "203.0.113.5"),
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_time_window_on_syslog_lines(local_ctx: ToolContext, tmp_path: Path, engine: str) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    ages = (timedelta(days=10), timedelta(hours=5), timedelta(minutes=30), timedelta(minutes=5))
    lines = [f"{syslog_stamp(now - age)} h sshd[1]: Failed password for root".encode() for age in ages]
    log = write(tmp_path / "auth.log", [*lines, b"no timestamp: Failed password for x"])
    recent = search(local_ctx, paths=[str(log)], pattern="Failed", since="1h", engine=engine)
    # The undated line 5 is kept under every window, and counted.
    assert [r["line_no"] for r in recent.rows] == [3, 4, 5]
    assert recent.coverage is not None
    assert (recent.coverage.matched, recent.coverage.kept) == (5, 3)
    assert (recent.coverage.outside_window, recent.coverage.untimed) == (2, 1)
    assert recent.coverage.status == "partial"
    until = (now - timedelta(hours=1)).isoformat()
    older = search(local_ctx, paths=[str(log)], pattern="Failed", since="30d", until=until, engine=engine)
    assert [r["line_no"] for r in older.rows] == [1, 2, 5]
    counted = search(local_ctx, paths=[str(log)], pattern="Fail", since="6h", count_only=True, engine=engine)
    assert counted.rows == [{"path": str(log), "count": 4}]


def test_time_window_on_iso_lines(local_ctx: ToolContext, tmp_path: Path) -> None:
    log = write(
        tmp_path / "syslog",
        [
            b"2026-11-26T03:14:07.123456+00:00 h sshd[1]: Failed one",
            b"2026-11-26T05:30:00+02:00 h sshd[1]: Failed two",  # 03:30Z
            b"2026-11-26T04:00:00Z h sshd[1]: Failed three",
            b"2026-11-27 00:00:00 h sshd[1]: Failed four",
        ],
    )
    result = search(
        local_ctx,
        paths=[str(log)],
        pattern="Failed",
        since="2026-11-26T03:14:07.5+00:00",
        until="2026-11-26T23:00:00",
    )
    assert [r["line"] for r in result.rows] == [
        "2026-11-26T05:30:00+02:00 h sshd[1]: Failed two",
        "2026-11-26T04:00:00Z h sshd[1]: Failed three",
    ]
    assert result.rows[0]["timestamp"] == "2026-11-26T05:30:00+02:00"


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"(\w+) \1", "backreferences (\\1) are not supported at offset 6"),
        (r"(?P<u>x)(?P=u)", "backreferences ((?P=name))"),
        (r"Failed(?= password)", "lookaround assertions"),
        (r"(?<!Accepted )password", "lookaround assertions"),
        (r"a**", "not a valid regex: bad repetition operator: **"),
        (r"\pL+", "Unicode classes"),
        (r"[é]", "non-ASCII character"),
        (r"(unclosed", "missing ')'"),
        (r"(?P<path>x)", "clash with row columns"),
        (r"(?P<u>a)|(?P<u>b)", "group name(s) ['u'] used more than once"),
    ],
)
def test_invalid_patterns_are_refused_clearly(
    local_ctx: ToolContext, auth_log: Path, pattern: str, message: str
) -> None:
    with pytest.raises(InvalidToolArgsError, match="pattern") as caught:
        search(local_ctx, paths=[str(auth_log)], pattern=pattern)
    assert message in str(caught.value)


def test_bad_args_are_refused(local_ctx: ToolContext, auth_log: Path) -> None:
    with pytest.raises(ValidationError, match="absolute"):
        TOOL.parse_args({"paths": ["var/log/auth.log"], "pattern": "x"})
    with pytest.raises(ValidationError, match="give paths"):
        TOOL.parse_args({"pattern": "x"})
    with pytest.raises(ValidationError):
        TOOL.parse_args({"paths": [str(auth_log)], "pattern": "x", "max_matches": 100001})
    with pytest.raises(InvalidToolArgsError, match="since='yesterday'"):
        search(local_ctx, paths=[str(auth_log)], pattern="x", since="yesterday")
    with pytest.raises(InvalidToolArgsError, match="is after until"):
        search(local_ctx, paths=[str(auth_log)], pattern="x", since="1h", until="2h")


@pytest.mark.parametrize("engine", ENGINES)
def test_redos_pattern_finishes_fast(local_ctx: ToolContext, tmp_path: Path, engine: str) -> None:
    log = write(tmp_path / "evil.log", [b"a" * 100_000 + b"!", b"a" * 5000])
    started = time.monotonic()
    result = search(local_ctx, paths=[str(log)], pattern=r"(a+)+$", engine=engine)
    # Backtracking engines take exponential time here; automata answer in milliseconds.
    assert time.monotonic() - started < 10
    assert [r["line_no"] for r in result.rows] == [2]


@pytest.mark.parametrize("engine", ENGINES)
def test_missing_file_is_a_note(local_ctx: ToolContext, auth_log: Path, tmp_path: Path, engine: str) -> None:
    gone = tmp_path / "nope" / "auth.log"
    result = search(local_ctx, paths=[str(gone), str(auth_log)], pattern="Accepted", engine=engine)
    assert len(result.rows) == grep_count("Accepted", auth_log)
    assert f"not found: {gone}" in result.notes


def test_grep_engine_uses_zgrep_for_gz(local_ctx: ToolContext, tmp_path: Path) -> None:
    live = write(tmp_path / "auth.log", auth_lines(3))
    write(tmp_path / "auth.log.1.gz", auth_lines(3), gz=True)
    result = search(local_ctx, paths=[str(live)], pattern="Failed", engine="grep")
    programs = [c.argv[0] for c in result.commands]
    # the listing, the coverage probes (counts, first and last lines) over all files at once, the search
    assert programs == ["find", "zgrep", "zgrep", "wc", "tail", "grep", "zgrep"]
    assert len(result.rows) == 2


def test_journald_profile_runs_journalctl(tmp_path: Path) -> None:
    from tools.transport.local import LocalTransport

    transport = LocalTransport()
    if not transport.which("journalctl"):
        pytest.skip("journalctl is not installed here")
    ctx = ToolContext(transport=transport, profile=HostProfile(name="journald"))
    result = search(ctx, log="auth", pattern=r"Failed password for (?P<user>\S+)", since="2h", max_matches=5)
    argv = result.argv
    assert argv[:8] == ("journalctl", "--no-pager", "--quiet", "--utc", "-o", "short-iso", "-n", "6")
    assert "--case-sensitive=true" in argv and argv[-2:] == ("SYSLOG_FACILITY=4", "SYSLOG_FACILITY=10")
    assert any(a.startswith("--since=") and a.endswith(" UTC") for a in argv)
    assert all(r["path"] == "journald" for r in result.rows)
    assert result.commands[-1].argv[:8] == (
        "journalctl",
        "--no-pager",
        "--quiet",
        "--utc",
        "-o",
        "short-iso",
        "-n",
        "1",
    )
    cov = result.coverage
    assert cov is not None and [s.path for s in cov.sources] == ["journald"]
    if cov.last_ts is None:  # a journal without auth entries (a container): never "examined"
        assert cov.status == "not_examined" and cov.reasons == ("the journal holds no entries for log=auth",)
    else:
        assert cov.status in ("examined", "partial", "not_examined") and cov.matched == len(result.rows)
    counted = search(ctx, log="auth", pattern="Failed password", count_only=True)
    assert counted.rows == [{"path": "journald", "count": coverage_matched(counted)}]
    with pytest.raises(InvalidToolArgsError, match="not both"):
        search(ctx, log="auth", paths=[str(tmp_path / "x")], pattern="x")


def coverage_matched(result: ToolResult) -> int:
    assert result.coverage is not None and result.coverage.matched is not None
    return result.coverage.matched
