"""search_logs coverage on real files (LocalTransport): missing logs, windows, undated lines, years."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.tools.logfiles import auth_lines, write
from tools.base import ToolContext, ToolResult
from tools.coverage import Coverage
from tools.errors import InvalidToolArgsError
from tools.inventory import HostProfile
from tools.logsearch.sources import split_headed
from tools.search_logs import TOOL

ENGINES = ("rg", "grep")
# An ordered log whose first and last lines bound its span.
ISO_LINES = [
    b"2025-03-01T00:00:03+00:00 web01 sshd[1]: Failed password for root from 203.0.113.1",
    b"2025-03-05T12:00:00+00:00 web01 sshd[2]: Accepted password for alice from 198.51.100.7",
    b"2025-03-09T08:30:00+00:00 web01 sshd[3]: Failed password for admin from 203.0.113.2",
    b"2025-03-12T23:59:59+00:00 web01 sshd[4]: Failed password for oracle from 203.0.113.3",
    b"2025-03-14T10:02:11+00:00 web01 sshd[5]: session closed for user alice",
]
SPAN = "2025-03-01T00:00:03+00:00..2025-03-14T10:02:11+00:00"


def search(ctx: ToolContext, **raw: object) -> ToolResult:
    return TOOL.run(TOOL.parse_args(raw), ctx)


def coverage(result: ToolResult) -> Coverage:
    assert result.coverage is not None
    return result.coverage


def set_mtime(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


@pytest.mark.parametrize("engine", ENGINES)
def test_missing_log_is_not_examined(local_ctx: ToolContext, tmp_path: Path, engine: str) -> None:
    gone = tmp_path / "auth.log"
    result = search(local_ctx, paths=[str(gone)], pattern="Failed", engine=engine)
    cov = coverage(result)
    assert result.rows == []
    assert cov.status == "not_examined"
    assert cov.reasons == (f"log missing: {gone} (and no rotation)",)
    assert [(s.path, s.found) for s in cov.sources] == [(str(gone), False)]
    assert (
        result.text.splitlines()[-1]
        == "coverage: not_examined: 0 file(s) read, 1 missing; kept 0 of 0 matched"
    )
    unrotated = search(local_ctx, paths=[str(gone)], pattern="Failed", include_rotated=False, engine=engine)
    assert coverage(unrotated).reasons == (f"log missing: {gone} (rotations not searched)",)


@pytest.mark.parametrize("engine", ENGINES)
def test_one_of_two_files_missing_is_partial(local_ctx: ToolContext, tmp_path: Path, engine: str) -> None:
    live = write(tmp_path / "auth.log", ISO_LINES)
    gone = tmp_path / "secure"
    result = search(local_ctx, paths=[str(live), str(gone)], pattern="Failed", engine=engine)
    cov = coverage(result)
    assert len(result.rows) == 3
    assert cov.status == "partial"
    assert cov.reasons == (f"log missing: {gone} (and no rotation)",)
    assert [(s.path, s.found, s.lines) for s in cov.sources] == [
        (str(live), True, 5),
        (str(gone), False, None),
    ]
    assert (cov.lines_read, cov.first_ts, cov.last_ts) == (5, SPAN[:25], SPAN[27:])
    assert (cov.matched, cov.kept, cov.untimed, cov.outside_window) == (3, 3, 0, 0)
    assert result.text.splitlines()[-1] == (
        f"coverage: partial: 1 file(s) read, 1 missing; 5 lines spanning {SPAN}; kept 3 of 3 matched"
    )


def test_missing_live_file_with_rotations_is_partial(local_ctx: ToolContext, tmp_path: Path) -> None:
    write(tmp_path / "auth.log.1", ISO_LINES)
    live = tmp_path / "auth.log"
    cov = coverage(search(local_ctx, paths=[str(live)], pattern="Failed"))
    assert cov.status == "partial"
    assert cov.reasons == (f"log missing: {live} (its 1 rotation(s) were read)",)
    assert cov.kept == 3


@pytest.mark.parametrize("engine", ENGINES)
def test_window_excluding_everything_names_the_span(
    local_ctx: ToolContext, tmp_path: Path, engine: str
) -> None:
    log = write(tmp_path / "auth.log", ISO_LINES)
    after = search(local_ctx, paths=[str(log)], pattern="Failed", since="2026-11-27", engine=engine)
    cov = coverage(after)
    assert after.rows == []
    assert cov.status == "not_examined"
    assert cov.reasons == (
        f"the window 2026-11-27T00:00:00+00:00..now excludes all 5 lines, which span {SPAN}",
    )
    assert (cov.matched, cov.kept, cov.outside_window) == (3, 0, 3)
    assert cov.window_since == "2026-11-27T00:00:00+00:00" and cov.window_until is None
    before = coverage(
        search(local_ctx, paths=[str(log)], pattern="Failed", until="2025-02-01", engine=engine)
    )
    assert before.status == "not_examined"
    assert before.reasons == (
        f"the window the start..2025-02-01T00:00:00+00:00 excludes all 5 lines, which span {SPAN}",
    )


def test_window_partly_covering_the_span_is_examined(local_ctx: ToolContext, tmp_path: Path) -> None:
    log = write(tmp_path / "auth.log", ISO_LINES)
    result = search(local_ctx, paths=[str(log)], pattern="Failed", since="2025-03-09")
    cov = coverage(result)
    assert [r["line_no"] for r in result.rows] == [3, 4]
    assert cov.status == "examined"
    assert cov.reasons == (
        "the window 2025-03-09T00:00:00+00:00..now covers "
        f"2025-03-09T00:00:00+00:00..2025-03-14T10:02:11+00:00 of the log's span {SPAN}",
    )
    assert (cov.matched, cov.kept, cov.outside_window) == (3, 2, 1)
    whole = coverage(search(local_ctx, paths=[str(log)], pattern="Failed", since="2025-01-01"))
    assert whole.status == "examined" and whole.reasons == ()


@pytest.mark.parametrize("engine", ENGINES)
def test_untimed_lines_are_kept_and_counted(local_ctx: ToolContext, tmp_path: Path, engine: str) -> None:
    lines = [*ISO_LINES, b'{"msg": "Failed password for bob", "ts": 1741}', b"[php] Failed: no time here"]
    log = write(tmp_path / "app.log", lines)
    result = search(local_ctx, paths=[str(log)], pattern="Failed", since="2025-03-09", engine=engine)
    cov = coverage(result)
    assert [(r["line_no"], r["timestamp"]) for r in result.rows] == [
        (3, "2025-03-09T08:30:00+00:00"),
        (4, "2025-03-12T23:59:59+00:00"),
        (6, None),
        (7, None),
    ]
    assert cov.status == "partial"
    assert (cov.matched, cov.kept, cov.outside_window, cov.untimed) == (5, 4, 1, 2)
    assert "the window was set but 2 matched line(s) had no readable time: kept, not windowed" in cov.reasons
    assert "1 outside the window, 2 untimed (kept)" in result.text.splitlines()[-1]
    unwindowed = coverage(search(local_ctx, paths=[str(log)], pattern="Failed", engine=engine))
    assert unwindowed.status == "examined" and unwindowed.untimed == 2  # counted, but no window to miss


@pytest.mark.parametrize("engine", ENGINES)
def test_year_inferred_from_each_files_mtime(local_ctx: ToolContext, tmp_path: Path, engine: str) -> None:
    live = write(
        tmp_path / "auth.log",
        [
            b"Dec 31 23:58:00 web01 sshd[1]: Failed password for root",
            b"Jan  1 00:05:00 web01 sshd[2]: Failed x",
        ],
    )
    rotated = write(tmp_path / "auth.log.1", [b"Dec 31 10:00:00 web01 sshd[3]: Failed password for admin"])
    packed = write(
        tmp_path / "auth.log.2.gz",
        [
            b"Jun  1 00:00:00 web01 sshd[4]: Failed password for oracle",
            b"Dec 30 09:00:00 web01 sshd[5]: Failed y",
        ],
        gz=True,
    )
    set_mtime(live, datetime(2026, 1, 1, 0, 10, tzinfo=UTC))
    set_mtime(rotated, datetime(2025, 1, 2, tzinfo=UTC))  # read from "now" (Dec 2026) it would be 2025
    set_mtime(packed, datetime(2024, 6, 1, 12, tzinfo=UTC))
    result = search(local_ctx, paths=[str(live)], pattern="Failed", engine=engine)
    assert [(r["timestamp"], r.get("year_inferred")) for r in result.rows] == [
        ("2024-06-01T00:00:00+00:00", True),
        ("2023-12-30T09:00:00+00:00", True),
        ("2024-12-31T10:00:00+00:00", True),
        ("2025-12-31T23:58:00+00:00", True),
        ("2026-01-01T00:05:00+00:00", True),
    ]
    cov = coverage(result)
    assert cov.year_inferred
    assert [(s.path, s.mtime, s.first_ts, s.last_ts, s.lines, s.year_inferred) for s in cov.sources] == [
        (str(packed), "2024-06-01T12:00:00+00:00", "2024-06-01T00:00:00+00:00", None, 2, True),
        (
            str(rotated),
            "2025-01-02T00:00:00+00:00",
            "2024-12-31T10:00:00+00:00",
            "2024-12-31T10:00:00+00:00",
            1,
            True,
        ),
        (
            str(live),
            "2026-01-01T00:10:00+00:00",
            "2025-12-31T23:58:00+00:00",
            "2026-01-01T00:05:00+00:00",
            2,
            True,
        ),
    ]
    assert cov.sources[0].note == "last line not read (compressed rotation)"
    assert "years inferred from file mtimes" in result.text.splitlines()[-1]
    iso = search(
        local_ctx, paths=[str(write(tmp_path / "iso.log", ISO_LINES))], pattern="Failed", engine=engine
    )
    assert all("year_inferred" not in r for r in iso.rows) and not coverage(iso).year_inferred


@pytest.mark.parametrize("engine", ENGINES)
def test_truncation_is_partial(local_ctx: ToolContext, tmp_path: Path, engine: str) -> None:
    log = write(tmp_path / "auth.log", auth_lines(150))  # 50 failed passwords
    cov = coverage(search(local_ctx, paths=[str(log)], pattern="Failed", max_matches=10, engine=engine))
    assert cov.status == "partial" and cov.truncated and cov.kept == 10
    assert "truncated: the result stopped at max_matches=10 or an output cap; more exist" in cov.reasons


@pytest.mark.parametrize("engine", ENGINES)
def test_count_only_and_empty_logs(local_ctx: ToolContext, tmp_path: Path, engine: str) -> None:
    live = write(tmp_path / "auth.log", ISO_LINES)
    counted = coverage(search(local_ctx, paths=[str(live)], pattern="Failed", count_only=True, engine=engine))
    assert (counted.status, counted.matched, counted.kept, counted.lines_read) == ("examined", 3, 3, 5)
    empty = write(tmp_path / "empty.log", [])
    cov = coverage(search(local_ctx, paths=[str(empty)], pattern="Failed", engine=engine))
    assert cov.status == "not_examined"
    assert cov.reasons == (f"the log is empty: {empty} (0 lines)",)


def test_unknown_log_kind_still_refused(local_ctx: ToolContext) -> None:
    ctx = ToolContext(transport=local_ctx.transport, profile=HostProfile(name="debian"))
    with pytest.raises(InvalidToolArgsError, match="has no 'nonesuch' log"):
        search(ctx, log="nonesuch", pattern="x")


def test_head_tail_headers_cannot_be_forged() -> None:
    names = ["/l/a.log", "/l/b.log", "/l/c.log"]
    forged = b"==> /l/b.log <==\n"
    data = b"==> /l/a.log <==\n" + forged + b"\n==> /l/b.log <==\nlast-no-newline\n==> /l/c.log <==\nc1\n"
    assert split_headed(data, names) == {
        "/l/a.log": forged,  # the line that imitates b's header is a's line, newline included
        "/l/b.log": b"last-no-newline",  # the newline after it was tail's separator
        "/l/c.log": b"c1\n",
    }
    # a file that vanished (no header) leaves it and the rest unknown
    assert split_headed(b"==> /l/a.log <==\na1\n\n==> /l/c.log <==\nc1\n", names) == {"/l/a.log": b"a1\n"}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_last_line_without_newline_is_counted(local_ctx: ToolContext, tmp_path: Path, engine: str) -> None:
    log = tmp_path / "auth.log"
    log.write_bytes(b"\n".join(ISO_LINES))  # the last line is still being written
    result = search(local_ctx, paths=[str(log)], pattern="session closed", engine=engine)
    cov = coverage(result)
    assert [r["line_no"] for r in result.rows] == [5]
    assert (cov.lines_read, cov.last_ts) == (5, SPAN[27:])
