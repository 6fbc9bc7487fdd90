"""The case window on the sandbox: `--since` older than the incident finds it, a window before it finds
nothing, a resume in a new process searches the same span, and a model's follow-up inherits it too."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agent.approval.request import Answer
from agent.case.ledger import iter_entries
from agent.case.payloads import CaseOpened, LedgerKind
from agent.case.store import CaseStore
from agent.run.runner import drive
from agent.run.session import RunSpec, open_case, session_scope
from playbooks.discovery import find_playbook
from playbooks.window import CaseWindow
from tests.e2e.test_end_to_end import expected_findings, reported
from tests.support.approvers import ScriptedApprover
from tests.support.cli import guided_run, sleuth
from tests.support.scripted_model import DONE, ScriptedChatModel, analysis, call, echo_default_call


def _window(case_dir: Path) -> CaseWindow | None:
    first = next(iter_entries(case_dir / "ledger.jsonl"))
    return CaseOpened.model_validate(first.data).window


def _proposals(case_dir: Path) -> list[dict[str, object]]:
    return [e.data for e in iter_entries(case_dir / "ledger.jsonl") if e.kind is LedgerKind.PROPOSAL]


def _window_args(window: CaseWindow) -> dict[str, str]:
    return window.tool_args(("since", "until"))


def test_since_older_than_the_incident_finds_it(sandbox, tmp_path: Path) -> None:
    run = guided_run(sandbox.host_name, sandbox.inventory, "--console", "--since", "3d")
    proc = sleuth(*run, home=tmp_path, stdin="a\n" * 5)
    assert proc.returncode == 0, proc.stderr
    case_dir = tmp_path / "cases" / re.search(r"case (\S+): closed", proc.stdout).group(1)
    assert reported(case_dir) == expected_findings(sandbox.expected)
    window = _window(case_dir)
    assert window is not None and window.since is not None and window.until is None
    for p in _proposals(case_dir):
        args = p["args"]
        assert isinstance(args, dict)
        if p["tool"] == "search_logs":
            assert args["since"] == window.since.isoformat() and "until" not in args
        else:
            assert "since" not in args  # list_logins takes no window


def test_a_window_before_the_incident_finds_none_of_it(sandbox, tmp_path: Path) -> None:
    run = guided_run(sandbox.host_name, sandbox.inventory, "--console", "--since", "30d", "--until", "10d")
    proc = sleuth(*run, home=tmp_path, stdin="a\n" * 5)
    assert proc.returncode == 0, proc.stderr
    case_dir = tmp_path / "cases" / re.search(r"case (\S+): closed", proc.stdout).group(1)
    found = reported(case_dir)
    assert not found.get("sources") and not found.get("compromised_users")
    searched = [p["args"] for p in _proposals(case_dir) if p["tool"] == "search_logs"]
    window = _window(case_dir)
    assert window is not None and searched
    assert all({k: a.get(k) for k in ("since", "until")} == _window_args(window) for a in searched)


def test_a_resume_in_a_new_process_searches_the_same_window(sandbox, tmp_path: Path) -> None:
    run = guided_run(sandbox.host_name, sandbox.inventory, "--console", "--since", "2d", "--until", "1m")
    first = sleuth(*run, home=tmp_path, stdin="a\n" * 2)
    assert first.returncode == 5, first.stderr  # two answers, then end of input: paused at step 3
    case_id = re.search(r"sleuth resume (\S+)", first.stderr).group(1)
    case_dir = tmp_path / "cases" / case_id
    window = _window(case_dir)
    assert window is not None and window.since is not None
    before = len(_proposals(case_dir))
    time.sleep(1.1)  # durations resolved again now would differ by at least a second
    assert datetime.now(UTC) - timedelta(days=2) > window.since + timedelta(seconds=1)
    resumed = sleuth("resume", case_id, "--console", home=tmp_path, stdin="a\n" * 5)
    assert resumed.returncode == 0, resumed.stderr
    proposals = _proposals(case_dir)
    new = [p["args"] for p in proposals[before:] if p["tool"] == "search_logs"]
    assert new  # after_login's fan-out was proposed by the resumed process
    assert all({k: a.get(k) for k in ("since", "until")} == _window_args(window) for a in new)
    assert reported(case_dir) == expected_findings(sandbox.expected)


def test_a_model_followup_inherits_the_window_unless_it_sets_its_own(sandbox, tmp_path: Path) -> None:
    unset = {"log": "auth", "format": "auth", "pattern": "Accepted \\S+ for \\S+ from"}
    pinned = {**unset, "since": "1h"}  # the follow-up's bounds let a model set its own since
    model = ScriptedChatModel(
        turns=[
            echo_default_call(),
            analysis(),
            call("search_logs", unset, "who got in at all?"),
            analysis(),
            call("search_logs", pinned, "only the last hour"),
            analysis(),
            DONE,
            echo_default_call(),  # step 2: aborted by the approver
        ]
    )
    spec = RunSpec(
        playbook_path=str(find_playbook("linux.ssh.bruteforce")),
        target=sandbox.host_name,
        inventory=str(sandbox.inventory),
        backend="local",
        since="3d",
    )
    approver = ScriptedApprover([Answer(verdict="approve")] * 3 + [Answer(verdict="abort", reason="enough")])
    session = open_case(spec, store=CaseStore(tmp_path / "cases"), approver="bob", chat_model=model)
    with session_scope(session):
        outcome = drive(session.ctx, approver, session.initial)
    assert outcome.state is not None and outcome.state.window == _window(session.case.dir)
    window = outcome.state.window
    assert window is not None and window.since is not None
    own, followup, own_bound = (p["args"] for p in _proposals(session.case.dir)[:3])
    assert isinstance(own, dict) and isinstance(followup, dict) and isinstance(own_bound, dict)
    assert own["since"] == followup["since"] == window.since.isoformat()
    assert own_bound["since"] == "1h"  # the proposer's own bound stands, shown as such to the approver
    shown = [r.proposal.args.get("since") for r in approver.asked[:3]]
    assert shown == [window.since.isoformat(), window.since.isoformat(), "1h"]
