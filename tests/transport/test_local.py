"""The local transport runs real processes: no shell, bounded output, timeouts that kill the group."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.transport.sshd_helpers import processes_mentioning
from tools.errors import CommandFailedError, CommandRefusedError, CommandTimeoutError
from tools.transport.local import LocalTransport
from tools.transport.outcome import STDERR_CAP


def test_runs_a_command_and_records_it() -> None:
    out = LocalTransport().run(["id", "-u"])
    assert out.stdout == f"{os.geteuid()}\n".encode()
    assert (out.host, out.argv, out.exit_status, out.truncated) == ("local", ("id", "-u"), 0, False)
    assert out.host_key_fingerprint is None
    assert out.duration_s > 0


def test_refused_argv_never_runs(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    with pytest.raises(CommandRefusedError, match="deletes files"):
        LocalTransport().run(["find", str(tmp_path), "-name", "victim", "-delete"])
    assert victim.read_text() == "keep me"


def test_timeout_kills_the_command(tmp_path: Path) -> None:
    # tail -c of /dev/zero never ends; a second (marker) operand lets us find the process.
    marker = tmp_path / "marker-for-timeout"
    marker.write_text("")
    started = time.monotonic()
    with pytest.raises(CommandTimeoutError, match="did not finish within 1s"):
        LocalTransport().run(["tail", "-c", "1", "/dev/zero", str(marker)], timeout_s=1)
    assert time.monotonic() - started < 3
    assert processes_mentioning(str(marker)) == []


def test_output_is_capped_and_flagged() -> None:
    started = time.monotonic()
    out = LocalTransport().run(["head", "-c", "50000000", "/dev/zero"], max_bytes=100_000)
    assert out.truncated
    assert out.stdout == b"\x00" * 100_000
    assert time.monotonic() - started < 5


def test_exit_status_outside_ok_exit_raises_with_stderr(tmp_path: Path) -> None:
    log = tmp_path / "log"
    log.write_text("nothing here\n")
    transport = LocalTransport()
    with pytest.raises(CommandFailedError) as caught:
        transport.run(["grep", "-e", "absent", str(log)])
    assert caught.value.exit_status == 1
    out = transport.run(["grep", "-e", "absent", str(log)], ok_exit=frozenset({0, 1}))
    assert (out.exit_status, out.stdout) == (1, b"")
    with pytest.raises(CommandFailedError, match="No such file or directory") as missing:
        transport.run(["grep", "-e", "x", str(tmp_path / "missing")])
    assert missing.value.exit_status == 2


def test_stderr_is_bounded() -> None:
    # ~77 bytes of "No such file" per operand, 1300 operands: ~100 KB of stderr from a 58 KB argv.
    missing = [f"/nonexistent-sleuth/{i:04d}-{'m' * 20}" for i in range(1300)]
    out = LocalTransport().run(["wc", "-l", *missing], ok_exit=frozenset({1}))
    assert len(out.stderr) == STDERR_CAP


def test_stdin_is_empty_so_reading_it_ends_at_once() -> None:
    out = LocalTransport().run(["wc", "-c", "-"], timeout_s=5)
    assert out.stdout.split()[0] == b"0"


def test_the_environment_is_minimal_and_in_the_c_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    # grep reads its own environment: variables such as RIPGREP_CONFIG_PATH must not leak through.
    monkeypatch.setenv("RIPGREP_CONFIG_PATH", "/tmp/evil-rg-config")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    out = LocalTransport().run(["grep", "-a", "-z", "-e", "=", "/proc/self/environ"])
    names = {entry.split(b"=", 1)[0] for entry in out.stdout.split(b"\0") if entry}
    assert b"LC_ALL=C" in out.stdout.split(b"\0")
    assert names <= {b"PATH", b"LC_ALL", b"TZ"}


def test_which_prefers_the_bundled_ripgrep() -> None:
    transport = LocalTransport()
    assert transport.which("rg")
    assert transport.which("grep")
    with pytest.raises(CommandRefusedError, match="allowlist"):
        transport.which("bash")
