"""The read-only allowlist: what is accepted, what is refused and why, and that our split matches getopt's."""

from __future__ import annotations

import getopt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.errors import CommandRefusedError
from tools.transport.allowlist import MAX_ARG_BYTES, MAX_ARGV_BYTES, check_argv, parse_argv
from tools.transport.programs import PROGRAMS

ACCEPTED: list[list[str]] = [
    ["grep", "-rnE", "-e", "Failed password", "--", "/var/log"],
    ["grep", "-m5", "-e", "x", "f"],
    ["grep", "--max-count=5", "-e", "x", "f"],
    ["grep", "--max-count", "5", "-e", "x", "f"],
    ["grep", "-e", "-starts-with-dash", "f"],
    ["grep", "--color=never", "-F", "x", "f"],
    ["grep", "-F", "-x", "-e", "a", "--", "-file-named-with-dash"],
    ["zgrep", "-i", "-e", "x", "/var/log/auth.log.2.gz"],
    ["rg", "--no-config", "--json", "-z", "-e", "x", "/var/log"],
    ["rg", "--no-config", "-uuu", "-m", "3", "x"],
    ["find", "/", "-xdev", "-name", "*.sh", "-mtime", "-7", "-type", "f", "-print0"],
    ["find", "/etc", "/tmp", "(", "-perm", "-4000", "-o", "-newermt", "2024-01-01", ")", "-printf", "%p\\n"],
    ["find", "-L", "/home", "-maxdepth", "3", "!", "-user", "root", "-ls"],
    ["ps", "-eo", "pid,ppid,user,args", "--no-headers"],
    ["ps", "-e", "-o", "pid", "--sort=-pid"],
    ["sha256sum", "--", "/bin/ls"],
    ["md5sum", "/etc/hosts"],
    ["stat", "--printf=%n %s\\n", "--", "/etc/passwd"],
    ["ls", "-la", "--full-time", "/tmp"],
    ["ss", "-tunap"],
    ["last", "-F", "-f", "/var/log/wtmp", "-n", "50"],
    ["lastb", "-n", "10"],
    ["who", "-a"],
    ["journalctl", "-u", "ssh", "--since", "2024-01-01", "-o", "json", "--no-pager", "-n", "100"],
    ["crontab", "-l"],
    ["crontab", "-l", "-u", "www-data"],
    ["systemctl", "list-units", "--no-pager", "--type=service", "--all"],
    ["systemctl", "--no-pager", "status", "ssh.service"],
    ["readlink", "-f", "--", "/proc/1/exe"],
    ["head", "-n", "100", "/var/log/syslog"],
    ["tail", "-c", "4096", "--", "/var/log/syslog"],
    ["id", "-u"],
    ["getent", "passwd", "root"],
    ["uname", "-a"],
    ["hostname"],
    ["lsattr", "-d", "/etc"],
    ["wc", "-l", "/etc/passwd"],
    ["file", "-b", "--mime-type", "/bin/ls"],
]

REFUSED: list[tuple[list[str], str]] = [
    (["find", "/", "-name", "x", "-exec", "rm", "{}", ";"], "runs a program"),
    (["find", "/", "-execdir", "sh", ";"], "runs a program"),
    (["find", "/tmp", "-delete"], "deletes files"),
    (["find", "/", "-fprintf", "/tmp/x", "%p"], "writes a file"),
    (["find", "-name", "x"], "starting path"),
    (["find", "/", "-name"], "needs an argument"),
    (["find", ",", "-name", "x"], "ambiguous"),
    (["find", "/", "-frobnicate"], "not an allowed primary"),
    (["rg", "--no-config", "--pre", "cat", "x"], "runs a program"),
    (["rg", "--no-config", "--pre-glob", "*", "x"], "--pre"),
    (["rg", "--no-config", "--hostname-bin", "/bin/sh", "x"], "runs a program"),
    (["rg", "x", "/var/log"], "--no-config is required"),
    (["journalctl", "--vacuum-size=1K"], "deletes journal files"),
    (["journalctl", "--vacuum-s=1K"], "not an allowed option"),
    (["journalctl", "--rotate"], "rotates"),
    (["journalctl", "-f"], "forever"),
    (["journalctl", "--cursor-file", "/tmp/c"], "writes a cursor file"),
    (["systemctl", "stop", "ssh", "--no-pager"], "only read verbs"),
    (["systemctl", "status", "ssh"], "--no-pager is required"),
    (["systemctl", "-H", "evil", "status", "--no-pager"], "another host"),
    (["systemctl", "--no-pager"], "only read verbs"),
    (["crontab", "-r"], "removes the crontab"),
    (["crontab", "-u", "root"], "only `crontab -l`"),
    (["crontab", "-l", "/tmp/newtab"], "takes no operands"),
    (["tail", "-f", "/var/log/syslog", "-n", "5"], "forever"),
    (["tail", "--follow=name", "-n", "5", "x"], "forever"),
    (["tail", "-n", "+1", "x"], "plain number"),
    (["head", "/etc/passwd"], "a bound is required"),
    (["head", "-n", "-5", "x"], "plain number"),
    (["head", "-c", "1G", "x"], "plain number"),
    (["head", "-c", str(64 * 1024 * 1024 + 1), "x"], "plain number"),
    (["head", "-5", "x"], "not an allowed option"),
    (["grep", "-e", "a\x00b", "f"], "NUL"),
    (["grep", "-e", "x", "-jump"], "not an allowed option"),
    (["grep", "-P", "(a+)+$", "f"], "backtrack"),
    (["grep", "--exclude-from=/etc/x", "a", "f"], "host file"),
    (["grep", "--file"], "needs a value"),
    (["grep", "--count=3", "x"], "takes no value"),
    (["grep", "--regex=x", "f"], "not an allowed option"),
    (["zgrep", "-e", "a\nb", "f"], "newline"),
    (["zgrep", "-r", "x", "/var/log"], "not an allowed option"),
    (["ps", "aux"], "takes no operands"),
    (["ps", "--", "x"], "'--' is not accepted"),
    (["hostname", "evil.example"], "takes no operands"),
    (["getent", "shadow"], "passwd and group"),
    (["uname", "-a", "extra"], "takes no operands"),
    (["ss", "-K", "dst", "10.0.0.1"], "kills sockets"),
    (["ss", "-D", "/tmp/dump"], "writes a dump file"),
    (["file", "-C", "-m", "x"], "compiled magic"),
    (["/bin/grep", "x", "f"], "bare name"),
    (["bash", "-c", "id"], "not on the read-only allowlist"),
    (["cat", "/etc/shadow"], "not on the read-only allowlist"),
    (["timeout", "5", "id"], "not on the read-only allowlist"),
    ([], "non-empty"),
    (["grep", "-e", "x" * (MAX_ARG_BYTES + 1), "f"], "limit"),
    (["grep", "-e", "\ud800", "f"], "cannot be encoded"),
]


@pytest.mark.parametrize("argv", ACCEPTED, ids=lambda a: " ".join(a)[:60])
def test_read_only_commands_are_accepted_unchanged(argv: list[str]) -> None:
    assert check_argv(argv) == tuple(argv)


@pytest.mark.parametrize(
    ("argv", "reason"), REFUSED, ids=lambda a: " ".join(a)[:60] if isinstance(a, list) else ""
)
def test_refused_commands_name_the_reason(argv: list[str], reason: str) -> None:
    with pytest.raises(CommandRefusedError) as caught:
        check_argv(argv)
    assert reason in str(caught.value)


def test_refusal_names_the_program_and_flag() -> None:
    with pytest.raises(CommandRefusedError, match=r"^find: '-exec' is refused: runs a program$"):
        check_argv(["find", "/", "-exec", "id", ";"])


def test_total_argv_size_is_bounded() -> None:
    operands = ["a" * 4000] * (MAX_ARGV_BYTES // 4000 + 1)
    with pytest.raises(CommandRefusedError, match="limit"):
        check_argv(["wc", "-l", *operands])


def test_non_string_arguments_are_refused() -> None:
    with pytest.raises(CommandRefusedError, match="not str"):
        check_argv(["wc", b"-l"])  # type: ignore[list-item]
    with pytest.raises(CommandRefusedError, match="non-empty sequence"):
        check_argv("id")


def test_every_program_says_why_it_is_read_only() -> None:
    for name, spec in PROGRAMS.items():
        assert spec.name == name
        assert len(spec.why_read_only) > 10, name
        assert not (spec.flags & spec.value_flags), name


def test_find_splits_paths_from_expression() -> None:
    parsed = parse_argv(["find", "-L", "/a", "b", "-mtime", "-7", "-name", "-x"])
    assert parsed.operands == ("/a", "b")
    assert parsed.options == (("-L", None), ("-mtime", "-7"), ("-name", "-x"))


def test_getopt_cluster_value_rules() -> None:
    parsed = parse_argv(["grep", "-inm5", "-e-x", "--", "-file"])
    assert parsed.options == (("-i", None), ("-n", None), ("-m", "5"), ("-e", "-x"))
    assert parsed.operands == ("-file",)


# Property: whenever we accept a grep argv, Python's GNU getopt splits it the same way, so the
# flags we checked are the flags grep will see (grep uses glibc getopt_long with permutation).
_GREP = PROGRAMS["grep"]
_SHORT = "".join(f[1] for f in sorted(_GREP.flags) if len(f) == 2) + "".join(
    f[1] + ":" for f in sorted(_GREP.value_flags) if len(f) == 2
)
_LONG = [f[2:] for f in sorted(_GREP.flags) if f.startswith("--")] + [
    f[2:] + "=" for f in sorted(_GREP.value_flags) if f.startswith("--")
]
_TOKENS = st.one_of(
    st.sampled_from(
        sorted(_GREP.flags | _GREP.value_flags | {"--", "-", "-in", "-m5", "-e-x", "--max-count=3"})
    ),
    st.sampled_from(["-P", "-Q", "--pre", "--regex", "-ix", "-vm", "--count=1"]),
    st.text(alphabet="abc-=x5 ", max_size=6),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_TOKENS, max_size=8))
def test_accepted_grep_argv_splits_like_gnu_getopt(args: list[str]) -> None:
    try:
        parsed = parse_argv(["grep", *args])
    except CommandRefusedError:
        return
    options, operands = getopt.gnu_getopt(args, _SHORT, _LONG)
    expected = [
        (flag, value if value != "" or flag in _GREP.value_flags else None) for flag, value in options
    ]
    assert list(parsed.options) == expected
    assert list(parsed.operands) == operands


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=6), st.sampled_from(sorted(PROGRAMS)))
def test_arbitrary_argv_is_accepted_unchanged_or_refused(args: list[str], program: str) -> None:
    argv = [program, *args]
    try:
        assert check_argv(argv) == tuple(argv)
    except CommandRefusedError as exc:
        assert str(exc)


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=30).map(
        lambda s: "-" + s
    )
)
def test_dash_operands_need_double_dash(name: str) -> None:
    # Behind `--` any text is one operand; without it, it is parsed (and checked) as flags.
    assert parse_argv(["stat", "--printf=%n", "--", name]).operands == (name,)
    try:
        parsed = parse_argv(["stat", "--printf=%n", name])
    except CommandRefusedError:
        return
    assert name not in parsed.operands
