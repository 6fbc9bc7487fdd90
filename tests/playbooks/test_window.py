"""The case window: `--since/--until` parsed once, resolved to absolute UTC times, inherited by steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from playbooks.binding import BoundInputs, resolve_args
from playbooks.errors import PlaybookError
from playbooks.model import Step
from playbooks.runtime import find_playbook, load_playbook
from playbooks.window import CaseWindow, WindowError, describe_window, inherit, parse_window

NOW = datetime(2026, 12, 4, 10, 30, 15, 123456, tzinfo=UTC)


def test_no_flag_is_no_window_and_says_whole_log():
    assert parse_window(None, None, now=NOW) is None
    assert parse_window("  ", "", now=NOW) is None
    assert describe_window(None) == "whole log (no --since/--until)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", datetime(2026, 12, 4, 10, 0, 15, tzinfo=UTC)),
        ("12h", datetime(2026, 12, 3, 22, 30, 15, tzinfo=UTC)),
        ("12d", datetime(2026, 11, 22, 10, 30, 15, tzinfo=UTC)),
        ("2w", datetime(2026, 11, 20, 10, 30, 15, tzinfo=UTC)),
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=UTC)),
        ("2026-11-20T03:14:07", datetime(2026, 11, 20, 3, 14, 7, tzinfo=UTC)),  # naive: UTC
        ("2026-11-20T03:14:07Z", datetime(2026, 11, 20, 3, 14, 7, tzinfo=UTC)),
        ("2026-11-20T05:14:07+02:00", datetime(2026, 11, 20, 3, 14, 7, tzinfo=UTC)),  # kept as UTC
    ],
)
def test_since_forms_resolve_to_absolute_utc(text, expected):
    window = parse_window(text, None, now=NOW)
    assert window is not None and window.since == expected and window.until is None
    assert window.since.utcoffset() == timedelta(0) and window.since_given == text


def test_durations_resolve_against_the_opening_time_not_later():
    window = parse_window("7d", "1h", now=NOW)
    assert window == CaseWindow(
        since=datetime(2026, 11, 27, 10, 30, 15, tzinfo=UTC),
        until=datetime(2026, 12, 4, 9, 30, 15, tzinfo=UTC),
        since_given="7d",
        until_given="1h",
    )
    # What a resume reads back from the ledger: the same absolute times, whatever the clock says then.
    assert CaseWindow.model_validate_json(window.model_dump_json()) == window
    assert "2026-11-27T10:30:15+00:00 .. 2026-12-04T09:30:15+00:00" in window.describe()


def test_a_date_as_until_covers_that_whole_day_even_today():
    window = parse_window(None, "2026-11-20", now=NOW)
    assert window is not None and window.until == datetime(2026, 11, 20, 23, 59, 59, tzinfo=UTC)
    today = parse_window("2026-12-01", "2026-12-04", now=NOW)
    assert today is not None and today.until == datetime(2026, 12, 4, 23, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("yesterday", None, "--since yesterday: expected an ISO 8601 date or datetime"),
        (None, "7 days", "--until 7 days: expected an ISO 8601"),
        ("2026-13-01", None, "--since 2026-13-01: expected"),
        ("3d", "5d", "--since 3d (2026-12-01T10:30:15+00:00) is after --until 5d"),
        ("2026-11-21", "2026-11-20T12:00", "is after --until 2026-11-20T12:00"),
        ("2026-12-05", None, "is in the future"),
        (None, "2026-12-04T11:00:00Z", "is in the future"),
        ("999999w", None, "reaches before year 1"),
        ("1" * 100, None, "too long or not printable"),
        ("2026-11-20\x1b[2J", None, "too long or not printable"),
    ],
)
def test_bad_windows_are_one_line_errors(since, until, message):
    with pytest.raises(WindowError) as info:
        parse_window(since, until, now=NOW)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert isinstance(info.value, PlaybookError)  # the CLI maps it to exit 2


def test_a_bound_a_little_ahead_is_clock_skew_not_an_error():
    window = parse_window(None, "2026-12-04T10:33:00Z", now=NOW)
    assert window is not None and window.until == datetime(2026, 12, 4, 10, 33, tzinfo=UTC)


def test_inherit_never_overrides_what_the_args_set():
    assert inherit({"since": "2h", "log": "auth"}, {"since": "x", "until": "y"}) == {
        "since": "2h",
        "log": "auth",
        "until": "y",
    }


@pytest.fixture(scope="module")
def brute(catalogue):
    return load_playbook(find_playbook("linux.ssh.bruteforce"), catalogue=catalogue)


WINDOW = CaseWindow(since=datetime(2026, 11, 20, tzinfo=UTC), until=datetime(2026, 11, 22, tzinfo=UTC))
NONE = BoundInputs(values={})


def test_a_step_without_since_inherits_the_case_window(brute, catalogue):
    step = brute.step("failed_logins")
    names = catalogue[step.tool].arg_names()
    args = resolve_args(step, NONE, {}, window=WINDOW, tool_args=names)
    assert args["since"] == "2026-11-20T00:00:00+00:00" and args["until"] == "2026-11-22T00:00:00+00:00"
    assert resolve_args(step, NONE, {}, tool_args=names).keys().isdisjoint({"since", "until"})  # no window
    half = CaseWindow(since=WINDOW.since)
    assert "until" not in resolve_args(step, NONE, {}, window=half, tool_args=names)
    catalogue[step.tool].args_model.model_validate(args)  # what the tool will accept


def test_a_pinned_bound_is_the_authors_choice(brute, catalogue):
    pinned = brute.step("failed_logins").model_copy(
        update={"args": {**brute.step("failed_logins").args, "since": "2h"}}
    )
    assert isinstance(pinned, Step)
    args = resolve_args(pinned, NONE, {}, window=WINDOW, tool_args=catalogue["search_logs"].arg_names())
    assert args["since"] == "2h" and args["until"] == "2026-11-22T00:00:00+00:00"


def test_a_tool_without_since_until_is_untouched(brute, catalogue):
    step = brute.step("login_records")
    assert step.tool == "list_logins" and "since" not in catalogue[step.tool].arg_names()
    args = resolve_args(step, NONE, {}, window=WINDOW, tool_args=catalogue[step.tool].arg_names())
    assert args == {"which": "success"}
