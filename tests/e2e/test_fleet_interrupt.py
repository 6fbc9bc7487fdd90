"""Ctrl-C during a group step whose dead host hangs in its connect: `sleuth run` stops at once (exit 130, one
line), without waiting for the hung worker, and the hung run is left started-not-finished for resume."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import yaml

from agent.case.errors import LedgerCorruptError
from agent.case.ledger import iter_entries
from tests.conftest import SandboxHandle
from tests.e2e.test_fleet import Blackhole
from tests.support import cli

HUNG_CONNECT_S = 60.0


def _inventory(sandbox: SandboxHandle, directory: Path, dead_port: int) -> Path:
    doc = yaml.safe_load(sandbox.inventory.read_text())
    live = {**doc["hosts"][sandbox.host_name], "groups": ["fleet"]}
    dead = {**live, "port": dead_port, "connect_timeout_s": HUNG_CONNECT_S}
    path = directory / "inventory.yaml"
    path.write_text(yaml.safe_dump({"hosts": {sandbox.host_name: live, "dead-01": dead}}, sort_keys=False))
    return path


def _dead_run_started(cases: Path) -> bool:
    for ledger in cases.glob("*/ledger.jsonl"):
        try:
            entries = list(iter_entries(ledger))
        except LedgerCorruptError:  # a line being written
            continue
        if any(e.kind == "execution_started" and e.data["host"] == "dead-01" for e in entries):
            return True
    return False


def test_ctrl_c_stops_a_step_whose_dead_host_hangs(sandbox: SandboxHandle, tmp_path: Path) -> None:
    hole = Blackhole()
    cases = tmp_path / "cases"
    argv = cli.guided_run("fleet", _inventory(sandbox, tmp_path, hole.port), "--case-dir", str(cases))
    env = {**os.environ, "SLEUTH_HOME": str(tmp_path / "home")}
    answers = tmp_path / "answers.txt"
    answers.write_text("a\n" * 10)
    proc = subprocess.Popen(
        [*cli.SLEUTH, *argv],
        stdin=answers.open("rb"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cli.ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not _dead_run_started(cases):
            assert proc.poll() is None and time.monotonic() < deadline, "the run never reached the dead host"
            time.sleep(0.05)
        time.sleep(0.5)  # the worker is now waiting for the blackhole's banner
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        _, stderr = proc.communicate(timeout=HUNG_CONNECT_S)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        hole.close()
    assert proc.returncode == 130, stderr
    assert took < 10, f"exit took {took:.1f}s after Ctrl-C (the hung connect allows {HUNG_CONNECT_S:g}s)"
    assert "Traceback" not in stderr
    last = stderr.splitlines()[-1]
    assert last.startswith("sleuth: interrupted") and "sleuth resume" in last, last
    ledger = next(cases.glob("*/ledger.jsonl"))
    entries = list(iter_entries(ledger))
    dead_starts = [e for e in entries if e.kind == "execution_started" and e.data["host"] == "dead-01"]
    ended = {e.data["started_seq"] for e in entries if e.kind in ("execution_finished", "observation")}
    assert dead_starts and dead_starts[-1].seq not in ended  # resume re-runs it, flagged
