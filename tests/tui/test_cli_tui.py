"""`sleuth run` on a terminal opens the TUI by itself (a real pseudo-terminal, keys typed as a person would);
on a pipe it stays the line console."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import time
from pathlib import Path

from agent.case.ledger import iter_entries
from tests.support.cli import ROOT, SLEUTH, sleuth
from tests.tui.conftest import FIXTURES, HOST, replay_inventory


def _replay_args(tmp_path: Path) -> list[str]:
    inventory = replay_inventory(tmp_path)
    return [
        "run",
        "linux.ssh.bruteforce",
        "--target",
        HOST,
        "--inventory",
        str(inventory),
        "--replay",
        str(FIXTURES),
        "--backend",
        "guided",
        "--approver",
        "carol",
    ]


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "SLEUTH_HOME": str(home), "TERM": "xterm-256color", "COLUMNS": "140", "LINES": "45"}


class Terminal:
    """A child process on a pseudo-terminal: read what it draws, type keys."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the program
            os.chdir(ROOT)
            os.execvpe(argv[0], argv, env)
        self.screen = b""
        self.status: int | None = None

    def read_until(self, pattern: bytes, timeout: float = 30.0) -> None:
        """Read output until `pattern` appears (or fail)."""
        deadline = time.monotonic() + timeout
        while pattern not in self.screen:
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} never appeared; last output: {self.screen[-500:]!r}")
            if not self._read(0.1):
                break
        assert pattern in self.screen, f"{pattern!r} not in the output"

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], wait)
        if ready:
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:  # the child closed the terminal
                return False
            if not chunk:
                return False
            self.screen += chunk
        return True

    def type(self, keys: str) -> None:
        """Type keys."""
        os.write(self.fd, keys.encode())

    def wait(self, timeout: float = 30.0) -> int:
        """Drain output until the child exits; its exit code."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self._read(0.1)
                return os.waitstatus_to_exitcode(status)
            self._read(0.1)
        os.kill(self.pid, signal.SIGKILL)
        raise AssertionError(f"still running after {timeout} s; last output: {self.screen[-500:]!r}")


def test_run_on_a_terminal_opens_the_tui_and_every_key_is_a_decision(tmp_path: Path) -> None:
    term = Terminal([*SLEUTH, *_replay_args(tmp_path)], _env(tmp_path))
    for number in range(1, 6):
        term.read_until(f"step {number}/5".encode())
        term.type("a")
    term.read_until(b"report (q to leave)")
    term.type("q")
    assert term.wait() == 0
    text = re.sub(rb"\x1b\[[0-9;?<>]*[a-zA-Z~]", b"", term.screen).decode("utf-8", "replace")
    case_id = re.search(r"case (\S+): closed", text)
    assert case_id, text[-500:]
    ledger = tmp_path / "cases" / case_id.group(1) / "ledger.jsonl"
    decisions = [e.data for e in iter_entries(ledger) if e.kind.value == "decision"]
    assert [(d["verdict"], d["approver"]) for d in decisions] == [("approve", "carol")] * 5


def test_run_on_a_pipe_asks_on_the_console(tmp_path: Path) -> None:
    proc = sleuth(*_replay_args(tmp_path), home=tmp_path, stdin="a\n" * 5)
    assert proc.returncode == 0, proc.stderr
    assert "[a]pprove [e]dit [d]eny [s]kip a[b]ort" in proc.stderr
    assert re.search(r"case \S+: closed", proc.stdout)


def test_sleuth_tui_opens_the_home_screen_and_q_quits(tmp_path: Path) -> None:
    term = Terminal([*SLEUTH, "tui", "--approver", "erin"], _env(tmp_path))
    term.read_until(b"approver erin")
    term.read_until(b"New case")
    term.type("q")
    assert term.wait() == 0
