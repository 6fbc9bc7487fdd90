"""Every log-format parser on hostile bytes: bad UTF-8, NULs, CR/LF endings, very long lines."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from tools.logformats import LogFormat, detect_format, parse_line

REF = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SAMPLES: dict[LogFormat, bytes] = {
    "syslog": b"Nov 26 03:14:07 web01 app[1]: hello",
    "auth": b"Nov 26 03:14:07 web01 sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2",
    "access": b'203.0.113.9 - - [26/Nov/2026:10:05:40 +0000] "GET /x.php?cmd=id HTTP/1.1" 200 1 "-" "ua"',
    "error": b"[Wed Nov 26 10:05:40 2026] [error] [client 203.0.113.9] hello",
    "jsonl": b'{"src_ip":"203.0.113.9","timestamp":"2026-11-26T10:05:40Z"}',
}


@pytest.mark.parametrize("fmt", list(SAMPLES))
@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"])
def test_line_endings_are_not_part_of_a_field(fmt: LogFormat, ending: bytes) -> None:
    plain = parse_line(fmt, SAMPLES[fmt], reference=REF)
    ended = parse_line(fmt, SAMPLES[fmt] + ending, reference=REF)
    assert plain is not None and ended == plain


def test_invalid_utf8_and_nul_bytes_are_kept_as_replacement_text() -> None:
    parsed = parse_line(
        "auth",
        b"Nov 26 03:14:07 web01 sshd[1]: Invalid user ad\xffmin\x00x from 203.0.113.9 port 22",
        reference=REF,
    )
    assert parsed is not None
    assert parsed.fields["user"] == "ad\ufffdmin\x00x"
    assert parsed.fields["src"] == "203.0.113.9"
    access = parse_line(
        "access",
        b'203.0.113.9 - - [26/Nov/2026:10:05:40 +0000] "GET /\xc3\x28 HTTP/1.1" 200 1',
        reference=REF,
    )
    assert access is not None and access.fields["target"] == "/\ufffd("


@pytest.mark.parametrize("fmt", list(SAMPLES))
def test_a_megabyte_line_parses_its_head_quickly(fmt: LogFormat) -> None:
    if fmt == "jsonl":
        line = SAMPLES[fmt][:-1] + b',"pad":"' + b"x" * 1_000_000 + b'"}'
    else:
        line = SAMPLES[fmt] + b" " + b"A" * 1_000_000
    started = time.perf_counter()
    for _ in range(20):
        parsed = parse_line(fmt, line, reference=REF)
        detect_format(line)
    elapsed = time.perf_counter() - started
    if fmt == "jsonl":
        assert parsed is None  # the object runs past the parsed 64 KiB head
    else:
        assert parsed is not None
        assert len(str(parsed.fields.get("message", parsed.fields.get("user_agent", "")))) <= 64 * 1024
    # Generous: 40 parses of the 64 KiB head take milliseconds; a quadratic pattern would take minutes.
    assert elapsed < 10


@pytest.mark.parametrize("fmt", list(SAMPLES))
def test_pathological_repetitions_stay_linear(fmt: LogFormat) -> None:
    lines = [
        b"Nov 26 03:14:07 h sshd[1]: Failed password for " + b" from 1.2.3.4" * 5000,
        b"Nov 26 03:14:07 h sudo: " + b"a : " * 10000,
        b"1.2.3.4 - " + b"- " * 20000 + b"[",
        b'1.2.3.4 - - [26/Nov/2026:10:05:40 +0000] "' + b'\\"' * 20000,
        b"[Wed Nov 26 10:05:40 2026] [error] " + b"[client " * 8000,
        b"2026/11/26 10:05:40 [error] 1#0: " + b", client: " * 6000,
        b"{" + b'"a":{' * 10000,
    ]
    started = time.perf_counter()
    for line in lines:
        parse_line(fmt, line, reference=REF)
        detect_format(line)
    assert time.perf_counter() - started < 10


def test_the_head_cut_never_yields_a_value_from_a_split_field() -> None:
    """A line cut inside its user name gives no event, never a source taken from the cut text."""
    line = (
        b"Nov 26 03:14:07 web01 sshd[1]: Failed password for "
        + b"A" * 70_000
        + b" from 203.0.113.9 port 22 ssh2"
    )
    parsed = parse_line("auth", line, reference=REF)
    assert parsed is not None and parsed.fields["program"] == "sshd"
    assert "event" not in parsed.fields and "src" not in parsed.fields
