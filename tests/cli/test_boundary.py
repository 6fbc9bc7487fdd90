"""No traceback at the CLI boundary: each failure an operator meets is one line and its documented exit code.

Real CLI in subprocesses. Damaged cases (checkpoints, run.json), `--case-dir` naming a file, a full disk (a
real tiny tmpfs), an error nobody anticipated (a real input that exhausts the stack in a library: one line
naming a 0600 crash report that holds the traceback), Ctrl-C while a case waits at a prompt.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from agent.cli.main import EXIT_CHECK_FAILED, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_LOCAL_IO, EXIT_USAGE
from playbooks.discovery import find_playbook
from tests.support.cli import ROOT, SLEUTH, guided_run, sleuth

HOST = "sandbox-01"
FIXTURES = find_playbook("linux.ssh.bruteforce").with_suffix(".tests") / "sandbox" / "fixtures"
PAUSED = 5


def _one_line(proc: subprocess.CompletedProcess[str], code: int) -> str:
    """Assert exit `code`, no traceback, one line on stderr that is the error; return that line."""
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr and 'File "' not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("sleuth")]
    errors = [line for line in lines if "error" in line]
    assert len(errors) == 1, proc.stderr
    return errors[0]


def _inventory(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    inventory = home / "inventory.yaml"
    inventory.write_text(yaml.safe_dump({"hosts": {HOST: {"address": "127.0.0.1", "user": "replay"}}}))
    return inventory


def _paused_case(home: Path) -> Path:
    args = guided_run(HOST, _inventory(home), "--console", "--replay", str(FIXTURES))
    proc = sleuth(*args, home=home, stdin="")
    assert proc.returncode == PAUSED, proc.stderr
    match = re.search(r"sleuth resume (\S+)", proc.stderr)
    assert match, proc.stderr
    return home / "cases" / match.group(1)


def _damage_checkpoints(case_dir: Path) -> None:
    (case_dir / "checkpoints.sqlite").write_bytes(b"this is not a database" * 100)


def _remove_run_json(case_dir: Path) -> None:
    (case_dir / "run.json").unlink()


def _invalid_run_json(case_dir: Path) -> None:
    (case_dir / "run.json").write_text("{not json", encoding="utf-8")


@pytest.mark.parametrize("damage", [_damage_checkpoints, _remove_run_json, _invalid_run_json])
def test_a_damaged_case_is_one_line_naming_the_file(damage: object, tmp_path: Path) -> None:
    case_dir = _paused_case(tmp_path)
    damage(case_dir)  # type: ignore[operator]
    proc = sleuth("resume", case_dir.name, "--console", home=tmp_path, stdin="a\n" * 5)
    line = _one_line(proc, EXIT_CHECK_FAILED)
    assert case_dir.name in line and ("checkpoints.sqlite" in line or "run.json" in line), line


@pytest.mark.parametrize(
    "command",
    [
        ["cases"],
        ["report", "2026-01-01T000000-abcdef"],
        ["resume", "2026-01-01T000000-abcdef"],
        ["audit", "verify", "2026-01-01T000000-abcdef"],
        ["run", "linux.ssh.bruteforce", "--target", "local", "--backend", "guided", "--console"],
    ],
    ids=lambda c: c[0] if c[0] != "audit" else "audit-verify",
)
def test_case_dir_naming_a_file_is_bad_input(command: list[str], tmp_path: Path) -> None:
    afile = tmp_path / "not-a-dir"
    afile.write_text("x")
    line = _one_line(sleuth(*command, "--case-dir", str(afile), home=tmp_path, stdin=""), EXIT_USAGE)
    assert str(afile) in line and "not a directory" in line, line


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs: the case's first writes fill it."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill (needs root): {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_one_line_naming_where(tiny_disk: Path, tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text(
        "".join(
            f"Nov 26 03:14:{i % 60:02d} web01 sshd[{i}]: Failed password for root from 203.0.113.{i % 250} "
            "port 22 ssh2\n"
            for i in range(3000)
        )
    )
    args = ["run", "linux.ssh.bruteforce", "--target", "local", "--log", f"auth={log}", "--backend", "guided"]
    proc = sleuth(*args, "--console", "--case-dir", str(tiny_disk), home=tmp_path, stdin="a\n" * 10)
    line = _one_line(proc, EXIT_LOCAL_IO)
    assert line.startswith(f"sleuth: error: disk full while writing {tiny_disk}"), line


def test_an_unexpected_error_names_its_crash_report(tmp_path: Path) -> None:
    # A real input nobody anticipated: a MISP file nested deeper than the JSON decoder's stack.
    deep = tmp_path / "event.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    proc = sleuth("intel", "import", str(deep), "--source", "x", "--format", "misp", home=tmp_path)
    line = _one_line(proc, EXIT_INTERNAL)
    match = re.fullmatch(r"sleuth: internal error: RecursionError: .+; crash report written to (\S+)", line)
    assert match, line
    report = Path(match.group(1))
    assert report.parent == tmp_path / "crash"
    assert report.stat().st_mode & 0o777 == 0o600
    text = report.read_text()
    assert "Traceback (most recent call last)" in text and "RecursionError" in text
    assert str(tmp_path) not in text.split("Traceback", 1)[0]  # the header holds no paths, argv or env


def test_ctrl_c_at_a_prompt_pauses_the_case_in_one_line(tmp_path: Path) -> None:
    args = guided_run(HOST, _inventory(tmp_path), "--console", "--replay", str(FIXTURES))
    env = {**os.environ, "SLEUTH_HOME": str(tmp_path)}
    child = subprocess.Popen(
        [*SLEUTH, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        ledger = None
        while time.monotonic() < deadline:  # the first proposal is in the ledger: the prompt is up
            ledgers = list((tmp_path / "cases").glob("*/ledger.jsonl"))
            if ledgers and '"kind":"proposal"' in ledgers[0].read_text().replace(" ", ""):
                ledger = ledgers[0]
                break
            time.sleep(0.2)
        assert ledger is not None, "the case never reached its first prompt"
        time.sleep(1)
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    case_id = ledger.parent.name
    assert child.returncode == EXIT_INTERRUPTED, stderr
    assert "Traceback" not in stderr, stderr
    *before, last = stderr.rstrip("\n").split("\n")  # on a line of its own, not after the prompt
    said = f"sleuth: interrupted; case {case_id} paused; continue with: sleuth resume {case_id}"
    assert last == said and stderr.count("sleuth: ") == 1, stderr
    assert before[-1].endswith("a[b]ort ? ")  # the prompt it interrupted


LIBRARY_NOISE = """
import logging, sys, threading, warnings
from pathlib import Path
from agent.cli.boundary import configure_logging

configure_logging(Path(sys.argv[1]))
try:
    raise EOFError("Error reading SSH protocol banner")
except EOFError:
    logging.getLogger("paramiko.transport").error("Exception (client): error reading banner", exc_info=True)
warnings.warn("a library's deprecation", DeprecationWarning, stacklevel=1)
worker = threading.Thread(target=lambda: 1 / 0, name="transport-thread")
worker.start()
worker.join()
print("done")
"""


def test_library_logs_warnings_and_thread_errors_go_to_the_log_file(tmp_path: Path) -> None:
    # What paramiko's transport thread, a library's warning and a dying worker thread do: all in the log.
    proc = subprocess.run(
        [SLEUTH[0], "-W", "always", "-c", LIBRARY_NOISE, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout == "done\n", proc.stderr
    assert proc.stderr == ""
    log = (tmp_path / "logs" / "sleuth.log").read_text()
    assert "paramiko.transport: Exception (client): error reading banner" in log
    assert "EOFError: Error reading SSH protocol banner" in log
    assert "a library's deprecation" in log
    assert "uncaught exception in thread transport-thread" in log and "ZeroDivisionError" in log


def test_a_data_dir_that_cannot_be_made_drops_the_records_silently(tmp_path: Path) -> None:
    afile = tmp_path / "a-file"
    afile.write_text("x")
    proc = subprocess.run(
        [SLEUTH[0], "-c", LIBRARY_NOISE, str(afile / "home")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "done\n", "")


def test_nothing_is_written_to_the_data_dir_when_nothing_is_logged(tmp_path: Path) -> None:
    assert sleuth("tools", home=tmp_path).returncode == 0
    assert not (tmp_path / "logs").exists()
