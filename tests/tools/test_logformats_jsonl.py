"""The JSON-lines parser (Cowrie-style honeypot logs) and format detection."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tools.logformats import detect_format, parse_line

REF = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

COWRIE = (
    b'{"eventid":"cowrie.login.failed","username":"root","password":"123456","message":"login attempt '
    b"[root/123456]"
    b' failed","sensor":"580d0186ebeb","timestamp":"2026-08-13T00:00:35.214117Z","src_ip":"137.184.154.9",'
    b'"session":"2a5e755afa79","src_port":37416,"protocol":"ssh","ok":false,"score":0.5,"extra":null,'
    b'"geo":{"country":"US","asn":14061,"deep":{"x":1},"list":[1]},"tags":["a","b"]}\r\n'
)


def test_cowrie_record_fields_and_time() -> None:
    parsed = parse_line("jsonl", COWRIE, reference=REF)
    assert parsed is not None and parsed.format == "jsonl"
    assert parsed.time == datetime(2026, 8, 13, 0, 0, 35, 214117, tzinfo=UTC)
    assert not parsed.year_inferred
    fields = parsed.fields
    assert fields["eventid"] == "cowrie.login.failed"
    assert fields["username"] == "root" and fields["src_ip"] == "137.184.154.9"
    assert fields["src_port"] == 37416
    assert fields["ok"] == "false" and fields["score"] == "0.5" and fields["extra"] is None
    assert fields["geo.country"] == "US" and fields["geo.asn"] == 14061
    assert "geo.deep" not in fields and "geo.list" not in fields and "tags" not in fields
    assert "geo.deep.x" not in fields


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (b'{"@timestamp":"2026-11-26T10:00:00+01:00"}', datetime(2026, 11, 26, 9, 0, tzinfo=UTC)),
        (b'{"time":"2026-11-26 10:00:00"}', datetime(2026, 11, 26, 10, 0, tzinfo=UTC)),
        (b'{"ts":1764151540.5}', datetime(2025, 11, 26, 10, 5, 40, 500000, tzinfo=UTC)),
        (b'{"eventTime":1764151540123}', datetime(2025, 11, 26, 10, 5, 40, 123000, tzinfo=UTC)),
        (b'{"msg":"no time here"}', None),
        (b'{"timestamp":"yesterday"}', None),
        # The first present name decides, even when its value is unreadable.
        (b'{"timestamp":"garbage","time":"2026-11-26T10:00:00Z"}', None),
    ],
)
def test_time_detection(record: bytes, expected: datetime | None) -> None:
    parsed = parse_line("jsonl", record, reference=REF)
    assert parsed is not None
    assert parsed.time == expected


def test_time_field_overrides_detection_and_reaches_nested_keys() -> None:
    record = b'{"timestamp":"2020-01-01T00:00:00Z","when":"2026-11-26T10:00:00Z","meta":{"at":1764151540}}'
    when = parse_line("jsonl", record, reference=REF, time_field="when")
    nested = parse_line("jsonl", record, reference=REF, time_field="meta.at")
    missing = parse_line("jsonl", record, reference=REF, time_field="nope")
    assert when is not None and when.time == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    assert nested is not None and nested.time == datetime(2025, 11, 26, 10, 5, 40, tzinfo=UTC)
    assert missing is not None and missing.time is None


@pytest.mark.parametrize(
    "line",
    [
        b"[1, 2]",
        b'"text"',
        b"{bad json",
        b"not a json line at all",
        b"",
        b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    ],
)
def test_non_objects_and_invalid_json_are_not_jsonl(line: bytes) -> None:
    assert parse_line("jsonl", line, reference=REF) is None


def test_long_strings_are_cut() -> None:
    parsed = parse_line("jsonl", b'{"message":"' + b"A" * 10_000 + b'"}', reference=REF)
    assert parsed is not None and parsed.fields["message"] == "A" * 4096


@pytest.mark.parametrize(
    ("line", "fmt"),
    [
        (COWRIE, "jsonl"),
        (b"Nov 26 03:14:07 web01 sshd[1]: Failed password for root from 1.2.3.4 port 22 ssh2", "auth"),
        (b"Nov 26 03:14:07 web01 sudo:    alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/bin/ls", "auth"),
        (b"Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown", "auth"),
        (
            b"Feb  7 15:10:42 example pure-ftpd: (pam_unix) authentication failure; logname= uid=0 "
            b"euid=0 tty= "
            b"ruser= rhost=192.168.1.1 ",
            "auth",
        ),
        (b"Nov 26 03:14:07 web01 kernel: [  1.0] Linux version 6.1", "syslog"),
        (b"2026-11-26T03:14:07.123456+00:00 web01 CRON[9]: (root) CMD (run-parts)", "syslog"),
        (b'1.2.3.4 - - [26/Nov/2026:10:05:40 +0000] "GET / HTTP/1.1" 200 1 "-" "-"', "access"),
        (b"[Wed Nov 26 10:05:40 2026] [error] [client 1.2.3.4] File does not exist: /x", "error"),
        (b"2026/11/26 10:05:40 [error] 12#0: *5 open() failed, client: 1.2.3.4, server: x", "error"),
        (b"random text", None),
        (b"{not json", None),
        # A line that imitates another format inside a field is read as what it starts as.
        (
            b'1.2.3.4 - - [26/Nov/2026:10:05:40 +0000] "GET /Nov 26 03:14:07 h sshd[1]: x HTTP/1.1" 200 '
            b'1 "-" '
            b'"{\\"eventid\\":1}"',
            "access",
        ),
        (
            b'Nov 26 03:14:07 web01 app[1]: 1.2.3.4 - - [26/Nov/2026:10:05:40 +0000] "GET / HTTP/1.1" 200 1',
            "syslog",
        ),
    ],
)
def test_detect_format(line: bytes, fmt: str | None) -> None:
    assert detect_format(line) == fmt
