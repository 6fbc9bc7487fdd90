"""`sleuth run --since/--until`: one-line errors, no hidden default, durations resolved at opening, and the
same window after `sleuth resume` in a new process. Replayed from the library's recorded fixtures (a call
whose args carry the window misses its fixture and becomes an observation: the proposals are what count)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from agent.case.ledger import iter_entries
from agent.case.payloads import CaseOpened, LedgerKind
from playbooks.discovery import find_playbook
from playbooks.window import CaseWindow
from tests.support.cli import guided_run, sleuth

HOST = "sandbox-01"
FIXTURES = find_playbook("linux.ssh.bruteforce").with_suffix(".tests") / "sandbox" / "fixtures"


def _inventory(directory: Path) -> Path:
    path = directory / "inventory.yaml"
    path.write_text(yaml.safe_dump({"hosts": {HOST: {"address": "127.0.0.1", "user": "replay"}}}))
    return path


def _run(tmp_path: Path, *extra: str, answers: int = 0) -> tuple[int, str, str]:
    args = guided_run(HOST, _inventory(tmp_path), "--console", "--replay", str(FIXTURES), *extra)
    proc = sleuth(*args, home=tmp_path, stdin="a\n" * answers)
    return proc.returncode, proc.stdout, proc.stderr


def _opened(case_dir: Path) -> CaseOpened:
    first = next(iter_entries(case_dir / "ledger.jsonl"))
    assert first.kind is LedgerKind.CASE_OPENED
    return CaseOpened.model_validate(first.data)


def _proposal_args(case_dir: Path) -> list[tuple[str, dict[str, object]]]:
    entries = iter_entries(case_dir / "ledger.jsonl")
    return [(str(e.data["tool"]), dict(e.data["args"])) for e in entries if e.kind is LedgerKind.PROPOSAL]


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (("--since", "yesterday"), "--since yesterday: expected an ISO 8601 date or datetime"),
        (("--since", "2d", "--until", "3d"), "is after --until 3d"),
        (("--since", "2099-01-01"), "--since 2099-01-01 (2099-01-01T00:00:00+00:00) is in the future"),
        (("--until", "12x"), "--until 12x: expected"),
    ],
)
def test_a_bad_window_is_one_line_exit_2_and_opens_no_case(tmp_path: Path, extra, fragment) -> None:
    code, _, err = _run(tmp_path, *extra)
    assert code == 2, err
    assert err.startswith("sleuth: error:") and fragment in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "cases").exists() or not list((tmp_path / "cases").iterdir())


def test_no_flag_is_the_whole_log_and_says_so(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, answers=5)
    assert code == 0, err
    assert "window: whole log (no --since/--until)" in err
    case_id = re.search(r"case (\S+): closed", out).group(1)
    case_dir = tmp_path / "cases" / case_id
    assert _opened(case_dir).window is None
    assert all("since" not in args and "until" not in args for _, args in _proposal_args(case_dir))


def test_durations_resolve_at_opening_into_the_ledger_and_the_proposal(tmp_path: Path) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    code, _, err = _run(tmp_path, "--since", "3d", "--until", "1h")
    after = datetime.now(UTC)
    assert code == 5, err  # no answer on stdin: the case pauses at its first proposal
    case_id = re.search(r"sleuth resume (\S+)", err).group(1)
    case_dir = tmp_path / "cases" / case_id
    window = _opened(case_dir).window
    assert isinstance(window, CaseWindow) and window.since_given == "3d" and window.until_given == "1h"
    assert window.since is not None and window.until is not None
    assert before - timedelta(days=3) <= window.since <= after - timedelta(days=3)
    assert window.until - window.since == timedelta(days=3) - timedelta(hours=1)
    assert f"window: {window.describe()}" in err
    assert json.loads((case_dir / "run.json").read_text())["since"] == "3d"  # as typed, for the record
    ((tool, args),) = _proposal_args(case_dir)
    assert tool == "search_logs"
    assert (args["since"], args["until"]) == (window.since.isoformat(), window.until.isoformat())
