"""Secrets are refused by what they are on the target (where a path resolves, its inode, its bytes), not by
how the path is spelled: links, other spellings, oddly named keys, environ files and swapped links."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from pydantic import ValidationError

from tools.base import ToolContext
from tools.read_file import TOOL as READ_FILE
from tools.search_logs import TOOL as SEARCH_LOGS
from tools.secrets.guard import SecretFileError
from tools.transport.base import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_S, CommandOutput
from tools.transport.local import LocalTransport

KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACBTOPSECRETBODYLINEdonotleakthisAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)
SHADOW = "root:$6$saltsalt$TOPSECRETHASHdonotleak:19000:0:99999:7:::\n"


def _read(ctx: ToolContext, path: Path | str, **extra: object) -> str:
    return READ_FILE.run(READ_FILE.parse_args({"path": str(path), **extra}), ctx).text


def _search(ctx: ToolContext, path: Path | str, pattern: str = ".") -> str:
    args = SEARCH_LOGS.parse_args({"paths": [str(path)], "pattern": pattern, "include_rotated": False})
    return SEARCH_LOGS.run(args, ctx).text


@pytest.mark.parametrize(
    "path", ["//etc/shadow", "/etc//shadow", "/etc/./shadow", "/proc/self/environ", "/proc/1/root/etc/passwd"]
)
def test_other_spellings_and_environ_are_refused_before_anything_runs(path: str) -> None:
    with pytest.raises(ValidationError, match="holds secrets"):
        READ_FILE.parse_args({"path": path})
    with pytest.raises(ValidationError, match="holds secrets"):
        SEARCH_LOGS.parse_args({"paths": [path], "pattern": "x"})


@pytest.mark.parametrize("target", ["/etc/shadow", "/etc/gshadow", "/proc/self/environ"])
def test_a_planted_link_to_a_secret_is_refused_where_it_resolves(
    tmp_path: Path, local_ctx: ToolContext, target: str
) -> None:
    link = tmp_path / "innocent.log"
    link.symlink_to(target)
    with pytest.raises(SecretFileError, match="resolves to"):
        _read(local_ctx, link)
    with pytest.raises(SecretFileError, match="resolves to"):
        _search(local_ctx, link)


def test_a_link_in_a_linked_directory_is_refused_too(tmp_path: Path, local_ctx: ToolContext) -> None:
    (tmp_path / "etc").symlink_to("/etc")
    with pytest.raises(SecretFileError, match="'/etc/shadow'"):
        _read(local_ctx, tmp_path / "etc" / "shadow")


def test_a_hard_link_to_a_secret_is_refused_by_its_inode(tmp_path: Path, local_ctx: ToolContext) -> None:
    link = tmp_path / "copy"
    try:
        os.link("/etc/gshadow", link)
    except OSError as exc:
        pytest.skip(f"cannot hard-link /etc/gshadow here ({exc})")
    with pytest.raises(SecretFileError, match="same file as /etc/gshadow"):
        _read(local_ctx, link)


@pytest.mark.parametrize(
    ("content", "kind"),
    [(KEY, "private key"), (SHADOW, "shadow"), ("db.example:5432:app:alice:hunter2pw\n", "pgpass")],
)
def test_secret_content_under_an_ordinary_name_is_refused_and_not_echoed(
    tmp_path: Path, local_ctx: ToolContext, content: str, kind: str
) -> None:
    backup = tmp_path / "backup.txt"
    backup.write_text("notes\n" + content)
    for attempt in (lambda: _read(local_ctx, backup), lambda: _read(local_ctx, backup, from_end=True)):
        with pytest.raises(SecretFileError, match=kind) as caught:
            attempt()
        assert "SECRET" not in str(caught.value) and "hunter2" not in str(caught.value)
    with pytest.raises(SecretFileError, match=kind):
        _search(local_ctx, backup, "SECRET|hunter2")


def test_a_searched_key_body_line_is_refused(tmp_path: Path, local_ctx: ToolContext) -> None:
    backup = tmp_path / "backup.txt"
    backup.write_text(KEY)
    with pytest.raises(SecretFileError, match="private key"):
        _search(local_ctx, backup, "^b3Bl")


def test_attacker_text_inside_log_lines_does_not_make_a_search_refuse(
    tmp_path: Path, local_ctx: ToolContext
) -> None:
    log = tmp_path / "auth.log"
    log.write_text(
        "Nov 26 03:14:07 h sshd[1]: Invalid user -----BEGIN RSA PRIVATE KEY----- from 203.0.113.9\n"
        "Nov 26 03:14:08 h sshd[1]: Invalid user root:$6$x$y:1:0:9:7::: from 203.0.113.9\n"
    )
    assert "Invalid user" in _search(local_ctx, log, "Invalid user")
    assert "Invalid user" in _read(local_ctx, log)


def test_an_ordinary_link_is_read_where_it_resolves_with_a_note(
    tmp_path: Path, local_ctx: ToolContext
) -> None:
    real = tmp_path / "real.log"
    real.write_text("one\ntwo\n")
    link = tmp_path / "link.log"
    link.symlink_to(real)
    result = READ_FILE.run(READ_FILE.parse_args({"path": str(link)}), local_ctx)
    assert [r["line"] for r in result.rows] == ["one", "two"]
    assert result.argv[-1] == str(real) and any("resolves to" in n for n in result.notes)


class SwappingTransport(LocalTransport):
    """A real local transport on a host where someone swaps a file just before (and back after) a read."""

    def __init__(self, victim: Path, secret: Path, *, program: str, restore: bool) -> None:
        super().__init__()
        self.victim, self.secret, self.program, self.restore = victim, secret, program, restore

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_bytes: int = DEFAULT_MAX_BYTES,
        ok_exit: frozenset[int] = frozenset({0}),
    ) -> CommandOutput:
        """Swap the victim for a link to the secret right before the read (and back after it)."""
        if argv[0] != self.program:
            return super().run(argv, timeout_s=timeout_s, max_bytes=max_bytes, ok_exit=ok_exit)
        saved = self.victim.read_bytes()
        self.victim.unlink()
        self.victim.symlink_to(self.secret)
        try:
            return super().run(argv, timeout_s=timeout_s, max_bytes=max_bytes, ok_exit=ok_exit)
        finally:
            if self.restore:
                self.victim.unlink()
                self.victim.write_bytes(saved)


@pytest.mark.parametrize("restore", [False, True])
@pytest.mark.parametrize(("tool", "program"), [("read_file", "head"), ("search_logs", "rg")])
def test_a_link_swapped_between_the_check_and_the_read_fails_closed(
    tmp_path: Path, tool: str, program: str, restore: bool
) -> None:
    victim = tmp_path / "app.log"
    victim.write_text("Nov 26 03:14:07 h app[1]: started\n")
    secret = tmp_path / "stash"
    secret.write_text(SHADOW)
    ctx = ToolContext(transport=SwappingTransport(victim, secret, program=program, restore=restore))
    if program == "rg" and not ctx.transport.which("rg"):
        pytest.skip("no rg here")
    with pytest.raises(SecretFileError) as caught:
        _read(ctx, victim) if tool == "read_file" else _search(ctx, victim)
    assert "TOPSECRET" not in str(caught.value)
