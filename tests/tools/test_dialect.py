"""The pattern dialect: rg, grep -E and re2 agree on which lines match; translation details; timestamps."""

from __future__ import annotations

import re
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import regex
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from tools.base import ToolContext
from tools.errors import InvalidToolArgsError
from tools.logsearch.dialect import compile_pattern
from tools.logsearch.timestamps import parse_bound, parse_iso, parse_line_time, parse_syslog
from tools.search_logs import TOOL
from tools.transport.local import LocalTransport

# Atoms whose meaning is the same in RE2, Python `re` on bytes (the oracle) and the translations.
ATOMS = st.sampled_from(
    ["a", "b", "A", "-", " ", r"\.", ".", r"\d", r"\w", r"\s", r"\W", r"\S", "[ab]", "[^a]", "[a-c]",
     "[-a]", "[]a]", "[^]b-]", r"[\d.]", "[[:alpha:]]", r"\{", "}", "]", r"\*", "é"]
)
QUANTIFIERS = st.sampled_from(["", "", "", "*", "+", "?", "{1,2}", "{2}", "{0,}", "*?", "+?"])


def _quantified(atom: str, q: str) -> str:
    return atom if atom == "é" and q else atom + q  # the oracle reads é+ as one byte repeated


@st.composite
def patterns(draw: st.DrawFn, depth: int = 0) -> str:
    parts: list[str] = []
    if draw(st.booleans()) and depth == 0:
        parts.append("^")
    for _ in range(draw(st.integers(1, 4))):
        if depth < 2 and draw(st.integers(0, 5)) == 0:
            inner = "|".join(draw(st.lists(patterns(depth + 1), min_size=1, max_size=3)))
            head = draw(st.sampled_from(["(", "(?:", "(?P<"]))
            if head == "(?P<":
                head = "(?P<g>"  # named by _renumber
            parts.append(head + inner + ")" + draw(QUANTIFIERS))
        else:
            parts.append(_quantified(draw(ATOMS), draw(QUANTIFIERS)))
    if draw(st.booleans()) and depth == 0:
        parts.append(draw(st.sampled_from(["$", r"\b"])))
    return "".join(parts)


def _renumber(pattern: str) -> str:
    """Give every named group a distinct name (names drawn per branch can repeat across branches)."""
    counter = iter(range(1000))
    return re.sub(r"\(\?P<[^>]+>", lambda _: f"(?P<g{next(counter)}>", pattern)


LINES = st.lists(
    st.text(alphabet="abAB-. {}]*1é\t", max_size=12).map(lambda s: s.encode("utf-8")),
    min_size=1,
    max_size=8,
)


ORACLE_TIMEOUT_S = 0.5


def _oracle(pattern: str, ignore_case: bool, lines: list[bytes]) -> list[int]:
    flags = regex.IGNORECASE if ignore_case else 0
    # A backtracking bytes regex (`re` semantics): one byte per `.`, ASCII classes and folding: the
    # dialect's semantics. Nested quantifiers can make it backtrack for ever, so it runs under a time
    # limit and such a pattern is discarded (RE2, rg and grep are linear; only the oracle is slow).
    rx = regex.compile(pattern.replace("[[:alpha:]]", "[A-Za-z]").encode("utf-8"), flags | regex.VERSION0)
    try:
        return [i + 1 for i, line in enumerate(lines) if rx.search(line, timeout=ORACLE_TIMEOUT_S)]
    except TimeoutError:
        reject()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pattern=patterns().map(_renumber), lines=LINES, ignore_case=st.booleans())
def test_engines_agree_on_matching_lines(pattern: str, lines: list[bytes], ignore_case: bool) -> None:
    expected = _oracle(pattern, ignore_case, lines)
    compiled = compile_pattern(pattern, ignore_case=ignore_case)
    in_re2 = [i + 1 for i, line in enumerate(lines) if compiled.matcher.search(line)]  # type: ignore[attr-defined]
    assert in_re2 == expected, compiled.rust
    ctx = ToolContext(transport=LocalTransport())
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "p.log"
        log.write_bytes(b"".join(line + b"\n" for line in lines))
        for engine in ("rg", "grep"):
            args = TOOL.parse_args(
                {"paths": [str(log)], "pattern": pattern, "ignore_case": ignore_case, "engine": engine,
                 "include_rotated": False}
            )
            got = [row["line_no"] for row in TOOL.run(args, ctx).rows]
            assert got == expected, (engine, compiled.ere if engine == "grep" else compiled.rust)


@pytest.mark.parametrize(
    ("pattern", "ere", "rust"),
    [
        (r"\d+\.\d+", "[0-9]+\\.[0-9]+", "(?-u)[0-9]+\\.[0-9]+"),
        (r"(?P<user>\w+)", "([0-9A-Z_a-z]+)", "(?-u)(?P<user>[0-9A-Z_a-z]+)"),
        (r"(?<user>\S+)", "([^\t\x0c\r ]+)", "(?-u)(?P<user>[^\\x09-\\x0A\\x0C-\\x0D\\x20]+)"),
        (r"(?:ab)+?c", "(ab)+c", "(?-u)(?:ab)+?c"),
        (r"(?i)root", "root", "(?i-u)root"),
        (r"a{,3}", "a\\{,3}", "(?-u)a\\{,3\\}"),
        (r"\Qa.b\E", "a\\.b", "(?-u)a\\.b"),
        (r"é+", "(é)+", "(?-u)(?-i:\\xC3\\xA9)+"),
        (r"[\s\S]", ".", "(?-u)[\\x00-\\xFF]"),
        (r"\Aab\z", "^ab$", "(?-u)^ab$"),
    ],
)
def test_translation(pattern: str, ere: str, rust: str) -> None:
    compiled = compile_pattern(pattern)
    assert (compiled.ere, compiled.rust) == (ere, rust)


def test_leading_case_flag_and_misplaced_flags() -> None:
    assert compile_pattern("(?i)x").ignore_case
    assert compile_pattern("(?s:a.)b").ere == "(a.)b"
    with pytest.raises(InvalidToolArgsError, match="only as a leading"):
        compile_pattern("a(?i)b")
    with pytest.raises(InvalidToolArgsError, match="newline or NUL"):
        compile_pattern("a\nb")


def test_fixed_strings_are_escaped_for_regex_engines() -> None:
    compiled = compile_pattern("a.b*[c]$(x)", fixed=True)
    assert compiled.ere == "a.b*[c]$(x)"  # grep -F takes it raw
    assert compiled.rust == "(?-u)a\\.b\\*\\[c\\]\\$\\(x\\)"
    assert compiled.matcher.search(b"__a.b*[c]$(x)__")  # type: ignore[attr-defined]
    assert not compiled.matcher.search(b"aXbb[c]")  # type: ignore[attr-defined]


def test_rg_and_grep_are_given_what_they_parse() -> None:
    """Every translated form is accepted by the real engines (exit 1 = no match, not 2 = error)."""
    rg = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "rg"
    if not rg.is_file():
        pytest.skip("the ripgrep wheel is not installed in .venv")
    tricky = (r"(?:a{2}){3}", r"[]^-]", r"[-^]", r"[\^]", r"[\[\]]", r"[[:punct:]]+", r"(|a)", r"(a|)b")
    for pattern in tricky:
        compiled = compile_pattern(pattern)
        env = {"LC_ALL": "C", "PATH": "/usr/bin:/bin"}
        for argv in ([str(rg), "--no-config", "-e", compiled.rust, "/dev/null"],
                     ["grep", "-E", "-e", compiled.ere, "/dev/null"]):
            done = subprocess.run(argv, capture_output=True, check=False, env=env)
            assert done.returncode == 1, (pattern, argv, done.stderr)


NEW_YEAR = datetime(2027, 1, 1, 0, 30, tzinfo=UTC)


def test_syslog_year_is_inferred_across_new_year() -> None:
    dec = parse_syslog(b"Dec 31 23:59:58 host sshd[1]: x", NEW_YEAR)
    jan = parse_syslog(b"Jan  1 00:10:00 host sshd[1]: x", NEW_YEAR)
    assert dec == datetime(2026, 12, 31, 23, 59, 58, tzinfo=UTC)
    assert jan == datetime(2027, 1, 1, 0, 10, tzinfo=UTC)
    assert parse_syslog(b"Jan  1 18:00:00 h x", NEW_YEAR) == datetime(2027, 1, 1, 18, tzinfo=UTC)  # slack
    assert parse_syslog(b"Feb 29 12:00:00 h x", NEW_YEAR) == datetime(2024, 2, 29, 12, tzinfo=UTC)
    assert parse_syslog(b"Foo 29 12:00:00 h x", NEW_YEAR) is None


def test_iso_and_journald_timestamps() -> None:
    assert parse_iso(b"2026-11-26T03:14:07.123456789+00:00 h x") == datetime(
        2026, 11, 26, 3, 14, 7, 123456, tzinfo=UTC
    )
    assert parse_iso(b"2026-11-26T03:14:07+0100 h sshd[1]: x") == datetime(2026, 11, 26, 2, 14, 7, tzinfo=UTC)
    assert parse_iso(b"2026-11-26 03:14:07 x") == datetime(2026, 11, 26, 3, 14, 7, tzinfo=UTC)
    assert parse_iso(b"2026-13-26T03:14:07Z x") is None
    assert parse_line_time(b"no time here", NEW_YEAR) is None


def test_window_bounds() -> None:
    assert parse_bound("2h", NEW_YEAR, "since") == datetime(2026, 12, 31, 22, 30, tzinfo=UTC)
    assert parse_bound("7d", NEW_YEAR, "since") == datetime(2026, 12, 25, 0, 30, tzinfo=UTC)
    assert parse_bound("2026-11-26", NEW_YEAR, "since") == datetime(2026, 11, 26, tzinfo=UTC)
    with pytest.raises(InvalidToolArgsError, match="until='soon'"):
        parse_bound("soon", NEW_YEAR, "until")
