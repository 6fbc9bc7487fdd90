"""The syslog parser: RFC 3164, RFC 3339, journald short-iso and RFC 5424 headers, year inference, repeats."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tools.logformats import ParsedLine, parse_line

REF = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def auth(line: str, reference: datetime = REF) -> ParsedLine:
    parsed = parse_line("auth", line.encode(), reference=reference)
    assert parsed is not None, line
    return parsed


def test_rfc3164_header_fields_and_time() -> None:
    parsed = parse_line(
        "syslog", b"Nov 26 03:14:07 web01 sshd[2211]: Server listening on 0.0.0.0", reference=REF
    )
    assert parsed is not None
    assert parsed.format == "syslog"
    assert parsed.fields == {
        "host": "web01",
        "program": "sshd",
        "service": "sshd",
        "pid": 2211,
        "message": "Server listening on 0.0.0.0",
    }
    assert parsed.time == datetime(2026, 11, 26, 3, 14, 7, tzinfo=UTC)
    assert parsed.year_inferred is True
    assert parsed.repeat == 1


def test_iso_and_journald_headers_carry_their_year_and_offset() -> None:
    iso = parse_line(
        "syslog", b"2026-11-26T03:14:07.123456+02:00 web01 CRON[99]: (root) CMD (x)", reference=REF
    )
    short = parse_line("syslog", b"2026-11-26T03:14:07+0000 web01 systemd[1]: Started x.", reference=REF)
    assert iso is not None and short is not None
    assert iso.time == datetime(2026, 11, 26, 1, 14, 7, 123456, tzinfo=UTC)
    assert short.time == datetime(2026, 11, 26, 3, 14, 7, tzinfo=UTC)
    assert not iso.year_inferred and not short.year_inferred
    assert iso.fields["program"] == "CRON" and iso.fields["message"] == "(root) CMD (x)"


def test_loghub_pam_program_and_missing_host_or_tag() -> None:
    pam = auth("Jun 15 02:04:59 combo sshd(pam_unix)[20882]: check pass; user unknown")
    assert pam.fields["program"] == "sshd(pam_unix)" and pam.fields["service"] == "sshd"
    no_host = auth("Feb 11 15:23:17 dropbear[1252]: login attempt for nonexistent user")
    assert "host" not in no_host.fields and no_host.fields["program"] == "dropbear"
    untagged = parse_line("syslog", b"Jun 15 04:06:20 combo -- MARK --", reference=REF)
    assert untagged is not None and untagged.fields == {"host": "combo", "message": "-- MARK --"}


@pytest.mark.parametrize(
    ("reference", "line", "year"),
    [
        (datetime(2027, 1, 2, tzinfo=UTC), "Dec 31 23:59:59 h sshd[1]: x", 2026),
        (datetime(2026, 11, 26, 12, 0, tzinfo=UTC), "Nov 27 03:00:00 h sshd[1]: x", 2026),
        (datetime(2026, 11, 26, 12, 0, tzinfo=UTC), "Dec 25 03:00:00 h sshd[1]: x", 2025),
    ],
)
def test_year_inference_with_rollover(reference: datetime, line: str, year: int) -> None:
    parsed = auth(line, reference)
    assert parsed.time is not None and parsed.time.year == year
    assert parsed.year_inferred


def test_message_repeated_is_unwrapped_and_counted() -> None:
    parsed = auth(
        "Nov 26 03:14:07 web01 sshd[9]: message repeated 5 times: [ Failed password for root from "
        "203.0.113.9 port 4242 ssh2]"
    )
    assert parsed.repeat == 5
    assert parsed.fields["message"] == "Failed password for root from 203.0.113.9 port 4242 ssh2"
    assert parsed.fields["event"] == "failed" and parsed.fields["src"] == "203.0.113.9"


def test_rfc5424_header_with_structured_data() -> None:
    parsed = auth(
        '<38>1 2019-07-08T17:40:16.954167-04:00 hostname.example.com sshd 55555 - [timeQuality tzKnown="1" '
        'isSynced="0"][xxx@123 test="[brackets]"] Failed unknown for invalid user redmond from 192.0.2.2 '
        "port 55555 ssh2"
    )
    assert parsed.time == datetime(2019, 7, 8, 21, 40, 16, 954167, tzinfo=UTC)
    assert not parsed.year_inferred
    assert parsed.fields["host"] == "hostname.example.com" and parsed.fields["pid"] == 55555
    assert parsed.fields["event"] == "failed" and parsed.fields["src"] == "192.0.2.2"
    nil = parse_line("syslog", b"<13>1 - - - - - - hello", reference=REF)
    assert nil is not None and nil.time is None and nil.fields == {"message": "hello"}
