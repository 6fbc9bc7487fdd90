"""One process drives a case at a time: two real `sleuth` processes on one case, the second refused.

Real CLI in subprocesses, replayed from the library's recorded fixtures. The first process waits at its
approval prompt on a stdin the test keeps open; the second (`sleuth resume`) must be refused in one line
naming the first, exit 2, appending nothing. A holder that died (SIGKILL) leaves a lease that is free.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from agent.case.lease import LEASE_FILE, read_holder
from agent.cli.main import EXIT_USAGE
from agent.graph.faults import ENV_VAR
from playbooks.discovery import find_playbook
from tests.support.cli import ROOT, SLEUTH, guided_run, sleuth

HOST = "sandbox-01"
FIXTURES = find_playbook("linux.ssh.bruteforce").with_suffix(".tests") / "sandbox" / "fixtures"
PAUSED = 5
WAIT_S = 90.0  # generous: the child imports the graph stack on a busy 2-core box


def _inventory(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    inventory = home / "inventory.yaml"
    inventory.write_text(yaml.safe_dump({"hosts": {HOST: {"address": "127.0.0.1", "user": "replay"}}}))
    return inventory


def _run_args(home: Path) -> list[str]:
    return guided_run(HOST, _inventory(home), "--console", "--replay", str(FIXTURES))


def _wait_for(what: str, check: Callable[[], bool], proc: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if check():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the driver ended (rc {proc.returncode}) before {what}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


PROMPT = "[a]pprove [e]dit [d]eny [s]kip a[b]ort ? "


@dataclass
class Driver:
    """A `sleuth` process driving a case, its stderr in a file."""

    proc: subprocess.Popen[str]
    err: Path

    @property
    def pid(self) -> int:
        """Its process id."""
        return self.proc.pid

    def answer(self, line: str) -> None:
        """Type one answer."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def at_prompt(self, n: int = 1) -> None:
        """Wait until it waits at its n-th prompt (its stderr ends there, waiting for an answer)."""

        def ready() -> bool:
            text = self.err.read_text(errors="replace")
            return text.count(PROMPT) >= n and text.endswith(PROMPT)

        _wait_for(f"prompt {n}", ready, self.proc)


@contextmanager
def _driver(home: Path, *args: str) -> Iterator[Driver]:
    """`sleuth ARGS` with a stdin we hold open (it waits at its prompt); EOF on exit lets it pause."""
    env = {**os.environ, "SLEUTH_HOME": str(home)}
    err = home / f"driver-{time.monotonic_ns()}.err"
    with err.open("w") as fh:
        proc = subprocess.Popen([*SLEUTH, *args], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=fh,
                                cwd=ROOT, env=env, text=True)
    try:
        yield Driver(proc, err)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=WAIT_S)
        finally:
            if proc.poll() is None:
                proc.kill()


def _case_of(home: Path) -> Path:
    """The only case under `home` (waits for the run to open it)."""
    root = home / "cases"
    _wait_for("the case to open",
              lambda: root.is_dir() and any((p / "ledger.jsonl").is_file() for p in root.iterdir()))
    (case_dir,) = [p for p in root.iterdir() if p.is_dir()]
    return case_dir


def _refused(case_dir: Path, holder_pid: int, command: str) -> None:
    """A second `sleuth resume` is refused in one line naming the holder, exit 2, the ledger untouched."""
    before = (case_dir / "ledger.jsonl").read_bytes()
    proc = sleuth("resume", case_dir.name, "--console", home=case_dir.parent.parent, stdin="a\n" * 5)
    assert proc.returncode == EXIT_USAGE, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert re.fullmatch(
        rf"sleuth: error: case {re.escape(case_dir.name)} is being driven by pid {holder_pid} on host \S+ "
        rf"\(user \S+, `{command}`, since \S+Z\); wait for it or stop it",
        lines[0],
    ), lines[0]
    assert (case_dir / "ledger.jsonl").read_bytes() == before, "the refused resume wrote to the ledger"


def test_a_resume_while_the_run_waits_at_its_prompt_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with _driver(home, *_run_args(home)) as run:
        case_dir = _case_of(home)
        run.at_prompt()
        _refused(case_dir, run.pid, "sleuth run")
        # Readers are not drivers: they keep working while the case is leased.
        assert sleuth("audit", "verify", case_dir.name, home=home).returncode == 0
        listed = sleuth("cases", home=home)
        assert listed.returncode == 0 and case_dir.name in listed.stdout
    assert run.proc.returncode == PAUSED
    assert (case_dir / LEASE_FILE).read_bytes() == b"", "the lease was not given back"
    # Given back: the next driver takes it.
    assert sleuth("resume", case_dir.name, "--console", home=home, stdin="").returncode == PAUSED


def _kinds(case_dir: Path) -> list[str]:
    return [json.loads(line)["kind"] for line in (case_dir / "ledger.jsonl").read_bytes().splitlines()]


def test_a_second_resume_is_refused_while_one_drives_the_case(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert sleuth(*_run_args(home), home=home, stdin="").returncode == PAUSED
    case_dir = _case_of(home)
    with _driver(home, "resume", case_dir.name, "--console") as first:
        first.at_prompt()
        _refused(case_dir, first.pid, "sleuth resume")
        first.answer("a")  # the holder goes on deciding: only it writes
        first.at_prompt(2)
        _refused(case_dir, first.pid, "sleuth resume")
    assert first.proc.returncode == PAUSED
    kinds = _kinds(case_dir)
    assert kinds.count("decision") == 1 and kinds.count("resumed") == 1, kinds
    report = sleuth("audit", "verify", case_dir.name, home=home)
    assert report.returncode == 0, report.stdout + report.stderr


def test_a_lease_whose_holder_died_is_taken_over(tmp_path: Path) -> None:
    home = tmp_path / "home"
    # The run dies (SIGKILL) right after its first execution_started, holding the lease.
    died = sleuth(*_run_args(home), home=home, stdin="a\n", env={**os.environ, ENV_VAR: "execute:started"})
    assert died.returncode == -9, died.stderr
    case_dir = _case_of(home)
    stale = read_holder(case_dir)
    assert stale is not None and stale.command == "sleuth run", "the dead run's lease file names it"
    with _driver(home, "resume", case_dir.name, "--console") as resumed:
        resumed.at_prompt()
        holder = read_holder(case_dir)
        assert holder is not None and (holder.pid, holder.command) == (resumed.pid, "sleuth resume")
    assert resumed.proc.returncode == PAUSED
    kinds = _kinds(case_dir)
    assert kinds.count("resumed") == 1 and kinds.count("execution_finished") == 1, kinds
    assert sleuth("audit", "verify", case_dir.name, home=home).returncode == 0
