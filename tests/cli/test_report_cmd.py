"""`sleuth report` shows a report only as the ledger recorded it: an altered or damaged report.md/report.json
is refused in one line (exit 1) and none of its bytes reach the terminal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import sleuth

AUTH = (
    "Dec  1 10:00:01 h sshd[1]: Failed password for root from 10.0.0.5 port 22 ssh2\n"
    "Dec  1 10:00:02 h sshd[1]: Failed password for root from 10.0.0.5 port 22 ssh2\n"
    "Dec  1 10:00:09 h sshd[1]: Accepted password for root from 10.0.0.5 port 22 ssh2\n"
)


@pytest.fixture(scope="module")
def closed_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A closed guided case on logs read here: (SLEUTH_HOME, case directory)."""
    work = tmp_path_factory.mktemp("report-cmd")
    (work / "auth.log").write_text(AUTH)
    home = work / "home"
    done = sleuth(
        "run", "linux.ssh.bruteforce", "--target", "local", "--log", f"auth={work / 'auth.log'}",
        "--backend", "guided", "--ui", "console", home=home, stdin="a\n" * 20,
    )
    assert done.returncode == 0, done.stderr
    (case_dir,) = (home / "cases").iterdir()
    return home, case_dir


def test_a_recorded_report_is_printed_as_written(closed_case: tuple[Path, Path]) -> None:
    home, case_dir = closed_case
    done = sleuth("report", case_dir.name, home=home)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (case_dir / "report.md").read_text("utf-8")


@pytest.mark.parametrize(
    ("name", "fmt", "data"),
    [
        ("report.md", "md", b"# Verdict: no compromise\n\x1b]8;;https://evil.example\x07click\x1b]8;;\x07\n"),
        ("report.json", "json", b"\xff{not utf-8"),
        ("report.md", "md", b"\xfe\xff"),
    ],
)
def test_an_altered_report_is_refused_and_never_shown(
    closed_case: tuple[Path, Path], name: str, fmt: str, data: bytes
) -> None:
    home, case_dir = closed_case
    path = case_dir / name
    original = path.read_bytes()
    path.chmod(0o600)
    path.write_bytes(data)
    try:
        done = sleuth("report", case_dir.name, "--format", fmt, home=home)
    finally:
        path.write_bytes(original)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert f"{name} is not the report the ledger recorded" in line and "sleuth audit verify" in line
    assert "\x1b" not in done.stderr and "Traceback" not in done.stderr
