"""End to end on the sandbox: `sleuth run linux.ssh.bruteforce` finds exactly the scenario's ground truth.

Guided mode through the real CLI with approvals on stdin; then the same case driven by a scripted model
that proposes its own calls, a refused off-playbook tool, garbage, and a follow-up the approver edits.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agent.approval.request import Answer
from agent.case.ledger import iter_entries
from agent.case.store import CaseStore
from agent.run.runner import RunOutcome, drive
from agent.run.session import RunSpec, Session, open_case, session_scope
from playbooks.discovery import find_playbook
from sandbox.findings import ExpectedFindings
from tests.conftest import SandboxHandle
from tests.support.approvers import ScriptedApprover
from tests.support.cli import guided_run, sleuth
from tests.support.scripted_model import DONE, ScriptedChatModel, analysis, call, echo_default_call


def expected_findings(expected: ExpectedFindings) -> dict[str, set[str]]:
    """What linux.ssh.bruteforce must report for the ssh-bruteforce-miner scenario, by finding name."""
    urls = {m.group(0) for c in expected.sudo_commands for m in re.finditer(r"https?://\S+", c.command)}
    logins = (expected.successful_login, *expected.legitimate_logins)
    return {
        "sources": set(expected.attacker_ips),
        "pam_sources": set(expected.attacker_ips),  # sshd and pam_unix both log the scenario's failures
        "invalid_users": set(expected.failed_logins.invalid_users),
        "accepted_sources": {login.ip for login in logins},
        "accepted_users": {login.user for login in logins},
        "targeted_users": set(expected.failed_logins.by_user),
        "invalid_sources": set(expected.attacker_ips),
        "compromised_users": {expected.successful_login.user},
        "intrusion_sources": {expected.successful_login.ip},
        "sudo_commands": {c.command for c in expected.sudo_commands},
        "download_urls": urls,
        "wtmp_sources": {r.host for r in expected.wtmp if r.type == "USER_PROCESS"},
    }


def reported(case_dir: Path) -> dict[str, set[str]]:
    report = json.loads((case_dir / "report.json").read_text())
    out: dict[str, set[str]] = {}
    for f in report["findings"]:
        out.setdefault(f["name"], set()).add(f["value"])
    return out


def test_guided_run_from_the_cli_finds_exactly_the_scenario(sandbox, tmp_path: Path) -> None:
    proc = sleuth(
        *guided_run(sandbox.host_name, sandbox.inventory, "--console", "--approver", "alice"),
        home=tmp_path,
        stdin="a\n" * 5,
    )
    assert proc.returncode == 0, proc.stderr
    case_id = re.search(r"case (\S+): closed", proc.stdout).group(1)
    case_dir = tmp_path / "cases" / case_id
    assert reported(case_dir) == expected_findings(sandbox.expected)

    report = json.loads((case_dir / "report.json").read_text())
    by_ip = {f["value"]: f["count"] for f in report["findings"] if f["name"] == "sources"}
    assert by_ip == sandbox.expected.failed_logins.by_ip  # one row per failed attempt, per source
    assert all(s["verdict"] == "approve" and s["approver"] == "alice" for s in report["steps"])
    verdict = report["verdict"]
    assert verdict["status"] == sandbox.expected.verdict == "compromised"
    fired = {f["id"]: f for f in verdict["fired"]}
    assert {"bruteforce_succeeded", "commands_after_intrusion", "bruteforce"} <= set(fired)
    intrusion = {(b["finding"], b["value"]) for b in fired["bruteforce_succeeded"]["basis"]}
    assert ("intrusion_sources", sandbox.expected.successful_login.ip) in intrusion
    # The admin's own logins come from an address that never failed: a fact for a human, not a verdict.
    review = {b["value"] for b in fired["login_without_failures"]["basis"]}
    assert review == {login.ip for login in sandbox.expected.legitimate_logins}
    assert all(c["status"] in ("examined", "condition_false") for c in report["coverage"])
    md = (case_dir / "report.md").read_text()
    assert sandbox.expected.successful_login.ip in md and "ledger #" in md

    verify = sleuth("audit", "verify", case_id, home=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    kinds = [e.kind.value for e in iter_entries(case_dir / "ledger.jsonl")]
    assert kinds[0] == "case_opened" and kinds[-2:] == ["report", "case_closed"]
    assert kinds.count("proposal") == kinds.count("decision") == 5


def _drive_model(
    sandbox: SandboxHandle, tmp_path: Path, model: ScriptedChatModel, approver: ScriptedApprover
) -> tuple[Session, RunOutcome]:
    """Open a case of linux.ssh.bruteforce on the sandbox host driven by `model` as bob; run it to its end."""
    spec = RunSpec(
        playbook_path=str(find_playbook("linux.ssh.bruteforce")),
        target=sandbox.host_name,
        inventory=str(sandbox.inventory),
        backend="local",
    )
    session = open_case(spec, store=CaseStore(tmp_path / "cases"), approver="bob", chat_model=model)
    with session_scope(session):
        return session, drive(session.ctx, approver, session.initial)


def test_scripted_model_proposes_followups_refusals_are_recorded_and_edits_apply(
    sandbox, tmp_path: Path
) -> None:
    # The follow-up's bounds pin format to auth (a model's unset format would be the tool's `auto`: refused).
    followup = {"log": "auth", "format": "auth", "pattern": "Accepted \\S+ for \\S+ from", "max_matches": 500}
    intruder = sandbox.expected.successful_login.ip
    model = ScriptedChatModel(
        turns=[
            echo_default_call(),  # step 1: its own call
            analysis(
                "malicious",
                [("brute_source", "ipv4", sandbox.expected.attacker_ips[0]), ("c2", "ipv4", "10.66.66.66")],
                attack=["T1110.001"],
            ),  # one made up
            call("read_file", {"path": "/etc/shadow"}),  # off-playbook follow-up: refused
            "sure! here is my answer: {not json",  # garbage: refused
            call("search_logs", followup, "who got in at all?"),  # an allowed follow-up
            analysis("malicious", [("intruder", "ipv4", intruder)]),  # on the follow-up's evidence
            DONE,  # step 1 done
            echo_default_call(),  # step 2
            analysis(),
            echo_default_call(),  # step 3
            analysis(),
            echo_default_call(),  # step 4 (fan-out over compromised users)
            "{}",  # an analysis that does not fit its schema: refused, the extractors' findings stand
            DONE,  # step 4: no follow-up
            echo_default_call(),  # step 5
            analysis("benign"),
        ]
    )
    approver = ScriptedApprover(
        [
            Answer(verdict="approve"),
            Answer(verdict="edit", args={**followup, "max_matches": 20}),
        ]
    )
    session, outcome = _drive_model(sandbox, tmp_path, model, approver)
    assert outcome.state is not None and outcome.state.status == "closed"
    assert len(model.calls) == 16
    schema = model.calls[0]["response_format"]["json_schema"]["schema"]
    assert "read_file" not in json.dumps(schema)  # the grammar the model sees allows only the step's tool

    case_dir = session.case.dir
    found = reported(case_dir)
    model_found = {name: values for name, values in found.items() if name.startswith("model.")}
    assert {k: v for k, v in found.items() if k not in model_found} == expected_findings(sandbox.expected)
    # The model's findings are kept only where the evidence shows them; the invented one is refused.
    assert model_found == {
        "model.brute_source": {sandbox.expected.attacker_ips[0]},
        "model.intruder": {intruder},
    }
    entries = list(iter_entries(case_dir / "ledger.jsonl"))
    refusals = [e.data for e in entries if e.kind == "refusal"]
    assert [r["tool"] for r in refusals] == [None, "read_file", None, None]
    assert "'10.66.66.66' is not in evidence" in refusals[0]["reason"]
    assert "does not allow tool 'read_file'" in refusals[1]["reason"]
    assert refusals[3]["attempt_id"].endswith("/analysis")
    assert sum(1 for e in entries if e.kind == "analysis") == 5
    assert "model analysis: malicious (0.80): scripted analysis" in (case_dir / "report.md").read_text()
    edit = next(e.data for e in entries if e.kind == "decision" and e.data["verdict"] == "edit")
    assert edit["diff"] == {"max_matches": {"before": 500, "after": 20}}
    runs = [e.data for e in entries if e.kind == "execution_started"]
    assert any(
        r["args"].get("max_matches") == 20 and r["args"]["pattern"] == followup["pattern"] for r in runs
    )
    followups = [e.data for e in entries if e.kind == "proposal" and e.data["followup"]]
    assert len(followups) == 1 and followups[0]["source"] == "model"
    assert len(approver.asked) == sum(1 for e in entries if e.kind == "proposal") == 6


def test_model_that_only_talks_garbage_falls_back_to_the_playbook(sandbox, tmp_path: Path) -> None:
    model = ScriptedChatModel(
        turns=["no"] * 3  # step 1: three garbage answers, then the playbook's own call is used
        + [analysis(), DONE]
        + [echo_default_call(), analysis()] * 3  # steps 2-4
        + [DONE, echo_default_call(), analysis()]  # step 4 has no follow-up; step 5
    )
    session, outcome = _drive_model(sandbox, tmp_path, model, ScriptedApprover([]))
    assert outcome.state is not None and outcome.state.status == "closed"
    entries = list(iter_entries(session.case.dir / "ledger.jsonl"))
    first = next(e.data for e in entries if e.kind == "proposal")
    assert first["source"] == "fallback" and first["tool"] == "search_logs"
    assert sum(1 for e in entries if e.kind == "refusal") == 3
    assert reported(session.case.dir) == expected_findings(sandbox.expected)


@pytest.mark.parametrize(
    ("answers", "status"), [("b stop here\n", "aborted"), ("d not on prod\n" + "a\n" * 4, "closed")]
)
def test_abort_and_deny_are_recorded_with_their_reason(
    sandbox, tmp_path: Path, answers: str, status: str
) -> None:
    proc = sleuth(*guided_run(sandbox.host_name, sandbox.inventory), home=tmp_path, stdin=answers)
    assert proc.returncode == 0, proc.stderr
    case_id = re.search(r"case (\S+): (\w+)", proc.stdout).group(1)
    case_dir = tmp_path / "cases" / case_id
    decisions = [e.data for e in iter_entries(case_dir / "ledger.jsonl") if e.kind == "decision"]
    assert decisions[0]["reason"] in ("stop here", "not on prod")
    assert json.loads((case_dir / "case.json").read_text())["status"] == status
    assert not any(
        e.kind == "execution_started" and e.data["proposal_seq"] == decisions[0]["proposal_seq"]
        for e in iter_entries(case_dir / "ledger.jsonl")
    )
    assert sleuth("audit", "verify", case_id, home=tmp_path).returncode == 0


def test_end_of_stdin_pauses_the_case_and_resume_finishes_it(sandbox, tmp_path: Path) -> None:
    first = sleuth(*guided_run(sandbox.host_name, sandbox.inventory), home=tmp_path, stdin="a\na\n")
    assert first.returncode == 5, first.stderr
    case_id = re.search(r"sleuth resume (\S+)", first.stderr).group(1)
    second = sleuth("resume", case_id, home=tmp_path, stdin="a\n" * 3)
    assert second.returncode == 0, second.stderr
    assert second.stderr.count("── step") == 3  # the two recorded decisions are not asked again
    assert sleuth("audit", "verify", case_id, home=tmp_path).returncode == 0
    assert sleuth("resume", case_id, home=tmp_path).returncode == 2  # closed: nothing to resume
