"""Attacker text as an argument reaches the program as ONE literal argument, or is refused: never run.

Proved on both transports with real files: a file created with exactly the generated name is
found by `stat` (which prints the name it was given), and a line with exactly the generated text
is found by `grep -F -x`. Over SSH this goes through the remote login shell, so it proves the
quoting, not just the argv list.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools.errors import CommandFailedError, CommandRefusedError
from tools.inventory import Inventory
from tools.transport.allowlist import MAX_ARG_BYTES
from tools.transport.base import Transport
from tools.transport.local import LocalTransport
from tools.transport.ssh import SSHPool, remote_command

_SHELL_BAIT = [
    "$(",
    ")",
    "`",
    "'",
    '"',
    ";",
    "|",
    "&",
    "\n",
    "\\",
    "*",
    "?",
    "~",
    "{a,b}",
    "$HOME",
    ">",
    "<",
    " ",
]
_TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(_SHELL_BAIT) | st.text(max_size=3), max_size=12).map("".join),
    st.binary(max_size=40).map(lambda b: b.decode("utf-8", "surrogateescape")),
)
_FILE_NAMES = _TEXT.filter(
    lambda n: n not in ("", ".", "..") and "/" not in n and "\x00" not in n and len(os.fsencode(n)) <= 255
)
_LINES = _TEXT.filter(lambda t: "\n" not in t and "\x00" not in t)
_SETTINGS = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module", params=["local", "ssh"])
def transport(request: pytest.FixtureRequest) -> Iterator[Transport]:
    """Each property runs on the local transport and over SSH to a real sshd."""
    if request.param == "local":
        yield LocalTransport()
        return
    inventory: Inventory = request.getfixturevalue("shared_inventory")
    request.getfixturevalue("shared_sshd")
    with SSHPool(inventory) as pool:
        yield pool.transport("box")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory for generated files (shared by the host and the sshd: same machine)."""
    return tmp_path_factory.mktemp("inject")


@_SETTINGS
@given(name=_FILE_NAMES)
def test_a_file_name_arrives_as_one_literal_argument(transport: Transport, workdir: Path, name: str) -> None:
    path = os.path.join(os.fsencode(workdir), os.fsencode(name))
    with open(path, "wb"):
        pass
    try:
        out = transport.run(["stat", "--printf=%n", "--", os.fsdecode(path)])
        assert out.stdout == path
    finally:
        os.unlink(path)


@_SETTINGS
@given(text=_LINES)
def test_a_pattern_arrives_as_one_literal_argument(transport: Transport, workdir: Path, text: str) -> None:
    line = text.encode("utf-8", "surrogateescape")
    haystack = workdir / f"haystack-{uuid.uuid4().hex}"
    haystack.write_bytes(b"before\n" + line + b"\nafter\n")
    try:
        out = transport.run(["grep", "-a", "-F", "-x", "-e", text, "--", str(haystack)])
        assert out.stdout == line + b"\n"
    finally:
        haystack.unlink()


def test_a_pattern_up_to_the_argument_limit_arrives_whole(transport: Transport, workdir: Path) -> None:
    text = ("$(x)`y`'\"; " * 1000)[: MAX_ARG_BYTES - 1]
    haystack = workdir / "long-haystack"
    haystack.write_text(f"a\n{text}\nb\n")
    out = transport.run(["grep", "-a", "-F", "-x", "-e", text, "--", str(haystack)])
    assert out.stdout == text.encode() + b"\n"
    with pytest.raises(CommandRefusedError, match="limit"):
        transport.run(["grep", "-F", "-e", text + "xx", "--", str(haystack)])


@pytest.mark.parametrize(
    "template",
    [
        "$(touch {m})",
        "`touch {m}`",
        "x; touch {m}",
        "x | touch {m}",
        "x && touch {m}",
        "x\ntouch {m}",
        "'; touch {m}; '",
        '"; touch {m}; "',
        "$(touch${{IFS}}{m})",
    ],
)
def test_shell_syntax_in_arguments_runs_nothing(transport: Transport, workdir: Path, template: str) -> None:
    marker = Path("/tmp") / f"pwned-{uuid.uuid4().hex}"
    payload = template.format(m=marker)
    with pytest.raises(CommandFailedError):
        transport.run(["stat", "--", payload])
    transport.run(["grep", "-r", "-F", "-e", payload, "--", str(workdir)], ok_exit=frozenset({0, 1}))
    transport.run(["find", str(workdir), "-name", payload, "-print"])
    assert not marker.exists()


def test_an_operand_starting_with_dash_needs_double_dash(transport: Transport, workdir: Path) -> None:
    tricky = workdir / "-rf"
    tricky.write_text("")
    with pytest.raises(CommandRefusedError, match="must follow '--'"):
        transport.run(["stat", "--printf=%n", "-rf"])
    assert transport.run(["stat", "--printf=%n", "--", "-rf"], ok_exit=frozenset({0, 1})).exit_status == 1
    assert transport.run(["stat", "--printf=%n", "--", str(tricky)]).stdout == str(tricky).encode()


def test_remote_command_quotes_every_metacharacter() -> None:
    command = remote_command(["grep", "-e", "$(id)`id`;|&\n", "--", "\udcff"], 2.5, 1 << 30)
    assert command == (
        b"LC_ALL=C timeout -k 2 2.500 prlimit --as=1073741824 -- grep -e '$(id)`id`;|&\n' -- '\xff'"
    )
