"""Web access-log timestamps (`[26/Nov/2026:10:05:40 +0000]`): parsed, so `since`/`until` keep their lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tools.base import ToolContext
from tools.logsearch.timestamps import parse_access, parse_line_time
from tools.search_logs import TOOL

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_combined_log_timestamps_with_offsets() -> None:
    line = b'203.0.113.5 - - [26/Nov/2026:10:05:40 +0000] "POST /up.php HTTP/1.1" 200 5 "-" "curl/8"'
    assert parse_access(line) == datetime(2026, 11, 26, 10, 5, 40, tzinfo=UTC)
    assert parse_line_time(line, NOW) == datetime(2026, 11, 26, 10, 5, 40, tzinfo=UTC)
    assert parse_access(b'::1 - bob [01/Jan/2027:00:30:00 +0100] "GET /"') == datetime(
        2026, 12, 31, 23, 30, tzinfo=UTC
    )
    assert parse_access(b'10.0.0.1 - - [26/Nov/2026:10:00:00 -0530] "GET /"') == datetime(
        2026, 11, 26, 15, 30, tzinfo=UTC
    )


def test_malformed_access_stamps_are_not_times() -> None:
    assert parse_access(b'1.2.3.4 - - [31/Feb/2026:10:00:00 +0000] "GET /"') is None
    assert parse_access(b'1.2.3.4 - - [26/Foo/2026:10:00:00 +0000] "GET /"') is None
    assert parse_access(b'1.2.3.4 - - [26/Nov/2026:10:00:00 +9900] "GET /"') is None
    assert parse_access(b'1.2.3.4 - - 26/Nov/2026:10:00:00 +0000 "GET /"') is None
    # A bracketed stamp later in the line (attacker text in the request) is not the line's time.
    assert parse_access(b'1.2.3.4 - - "GET /?[26/Nov/2026:10:00:00 +0000]"') is None
    assert parse_access(b"x" * 100_000 + b" - - [26/Nov/2026:10:00:00 +0000]") is None


def test_since_keeps_recent_access_lines(local_ctx: ToolContext, tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)

    def stamp(ago: timedelta) -> str:
        return (now - ago).strftime("%d/%b/%Y:%H:%M:%S +0000")

    log = tmp_path / "access.log"
    log.write_text(
        f'198.51.100.7 - - [{stamp(timedelta(days=30))}] "POST /old.php HTTP/1.1" 200 1 "-" "x"\n'
        f'203.0.113.5 - - [{stamp(timedelta(hours=2))}] "POST /uploads/s.php HTTP/1.1" 200 1 "-" "x"\n'
        f'203.0.113.5 - - [{stamp(timedelta(minutes=5))}] "GET /index.html HTTP/1.1" 200 1 "-" "x"\n'
    )
    result = TOOL.run(TOOL.parse_args({"paths": [str(log)], "pattern": '"POST ', "since": "7d"}), local_ctx)
    assert [str(r["line"]).split('"')[1] for r in result.rows] == ["POST /uploads/s.php HTTP/1.1"]
    assert result.rows[0]["timestamp"] == (now - timedelta(hours=2)).isoformat()
