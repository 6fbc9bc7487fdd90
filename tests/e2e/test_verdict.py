"""The verdict and coverage end to end: the real graph and the real search_logs on this machine's own files.

A playbook written here searches a log written here (target `local`); what the case concludes is decided
by the playbook's conclusions over what the tool really read: a missing log, or a window that excludes
every line, is `inconclusive` and never reads as clean.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from agent.approval.console import ConsoleApprover
from agent.case.ledger import iter_entries
from agent.case.store import CaseStore
from agent.run.runner import drive
from agent.run.session import RunSpec, open_case, session_scope
from tests.e2e.verdict_playbook import AUTH, write_playbook
from tests.support.scripted_model import ScriptedChatModel, analysis, echo_default_call


def run_case(
    directory: Path, playbook: Path, out: io.StringIO, *, chat_model: BaseChatModel | None = None
) -> Path:
    """Run the playbook on `local`, approving everything on a console that writes to `out`; the case dir."""
    spec = RunSpec(
        playbook_path=str(playbook),
        target="local",
        backend="local" if chat_model is not None else "guided",
    )
    session = open_case(spec, store=CaseStore(directory / "cases"), approver="alice", chat_model=chat_model)
    console = ConsoleApprover(stdin=io.StringIO("a\n" * 10), stdout=out)
    with session_scope(session):
        outcome = drive(session.ctx, console, session.initial)
    assert outcome.state is not None and outcome.state.status == "closed"
    return session.case.dir


def report_of(case_dir: Path) -> dict[str, Any]:
    """report.json as data."""
    data: dict[str, Any] = json.loads((case_dir / "report.json").read_text(encoding="utf-8"))
    return data


def test_a_compromise_is_cited_with_its_ledger_entries_and_the_report_opens_with_it(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text(AUTH)
    case_dir = run_case(tmp_path, write_playbook(tmp_path, log), io.StringIO())
    report = report_of(case_dir)
    verdict = report["verdict"]
    assert verdict["status"] == "compromised"
    assert [f["id"] for f in verdict["fired"]] == ["intrusion", "brute_force"]
    # Every cited value points at the finding's own ledger entry and evidence.
    findings = {(f["name"], f["value"]): f for f in report["findings"]}
    assert {(b["finding"], b["value"]) for b in verdict["basis"]} == {
        ("login_sources", "203.0.113.9"),
        ("sources", "203.0.113.9"),
        ("sources", "198.51.100.7"),
    }
    kinds = {e.seq: e.kind for e in iter_entries(case_dir / "ledger.jsonl")}
    for b in verdict["basis"]:
        held = findings[(b["finding"], b["value"])]
        assert (b["ledger_seq"], b["evidence_sha256"]) == (held["ledger_seq"], held["evidence_sha256"])
        assert kinds[b["ledger_seq"]] == "finding"
    assert (
        next(b for b in verdict["basis"] if b["value"] == "203.0.113.9" and b["finding"] == "sources")[
            "count"
        ]
        == 3
    )
    # ATT&CK: what the fired conclusion and the extractor support; the header is kept apart.
    assert report["attack"] == ["T1078", "T1110.001"]
    assert report["attack_investigated"] == ["T1110.001", "T1078"]
    coverage = {c["step_id"]: c for c in report["coverage"]}
    assert coverage["failed_logins"]["status"] == "examined"
    assert (
        coverage["failed_logins"]["examined"]["lines_read"] == 5
        and coverage["failed_logins"]["examined"]["matched"] == 4
    )
    assert coverage["failed_logins"]["examined"]["year_inferred"] is True

    md = (case_dir / "report.md").read_text(encoding="utf-8")
    heads = [line for line in md.splitlines() if line.startswith("## ")]
    assert heads[:4] == ["## Verdict", "## Key facts", "## Needs review", "## Coverage"]
    verdict_block = md.split("## Verdict", 1)[1].split("## Key facts", 1)[0]
    assert "**COMPROMISED**: A source that failed logins also logged in" in verdict_block
    facts = md.split("## Key facts", 1)[1].split("## Needs review", 1)[0]
    # Ranked by rows: the source with three failures comes first, with its count and times.
    assert re.search(
        r"\*\*sources\*\* \(2 value\(s\), 4 row\(s\)\): `203\.0\.113\.9` ×3 \(`?2026-12-01T10:00:01", facts
    )
    assert facts.index("203.0.113.9") < facts.index("198.51.100.7")
    names = re.findall(r"^- \*\*(\w+)\*\*", facts, re.MULTILINE)
    assert names == ["login_sources", "sources", "login_users"]  # cited by weight first, then by rows
    cov = md.split("## Coverage", 1)[1].split("## Timeline", 1)[0]
    assert f"- **failed_logins** examined (`search_logs`, 1 run(s)): read `{log}`; 5 lines; span " in cov
    assert "(year inferred)" in cov and "4 matched, 4 kept" in cov
    assert "(year inferred) — sources first seen" in md  # the timeline marks guessed years


def test_a_missing_log_is_inconclusive_never_clean(tmp_path: Path) -> None:
    out = io.StringIO()
    case_dir = run_case(tmp_path, write_playbook(tmp_path, tmp_path / "absent.log"), out)
    report = report_of(case_dir)
    assert report["verdict"]["status"] == "inconclusive"
    assert "log missing" in report["verdict"]["summary"]
    assert {u["id"] for u in report["verdict"]["undecided"]} == {"intrusion", "brute_force"}
    assert report["verdict"]["ruled_out"] == [] and report["attack"] == []
    coverage = {c["step_id"]: c for c in report["coverage"]}
    assert coverage["failed_logins"]["status"] == "not_examined"
    assert [src["path"] for src in coverage["failed_logins"]["examined"]["sources"] if not src["found"]] == [
        str(tmp_path / "absent.log")
    ]
    assert coverage["accepted"]["status"] == "condition_false"
    md = (case_dir / "report.md").read_text(encoding="utf-8")
    assert "**INCONCLUSIVE**" in md and "no evidence" not in md.lower().split("## timeline")[0]
    review = md.split("## Needs review", 1)[1].split("## Coverage", 1)[0]
    assert "step failed_logins not examined: log missing" in review
    assert "! warning: local not examined: log missing" in out.getvalue()
    assert "verdict: inconclusive" in out.getvalue()


def test_a_window_that_excludes_every_line_is_inconclusive_and_warned_before_the_next_question(
    tmp_path: Path,
) -> None:
    log = tmp_path / "auth.log"
    log.write_text(AUTH)
    out = io.StringIO()
    case_dir = run_case(tmp_path, write_playbook(tmp_path, log, since="2030-01-01", gated=False), out)
    report = report_of(case_dir)
    # The accepted login (outside the pinned window of step 1 only) still fires: positive evidence counts.
    assert report["verdict"]["status"] == "compromised"
    failed = next(c for c in report["coverage"] if c["step_id"] == "failed_logins")
    assert failed["status"] == "not_examined" and failed["examined"]["outside_window"] == 4
    assert failed["examined"]["window_since"].startswith("2030-01-01")
    text = out.getvalue()
    warning = text.index("! warning: local not examined: the window 2030-01-01")
    assert "excludes all 5 lines, which span 2026-12-01T10:00:01" in text[warning:].splitlines()[0]
    second_question = [m.start() for m in re.finditer(r"\[a\]pprove", text)][1]
    assert warning < second_question  # seen before approving the next step
    assert "✓ examined: 1 file, 5 lines" in text[second_question:]  # the second step's own line


def test_a_window_on_the_only_deciding_step_leaves_the_case_inconclusive(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text(AUTH)
    case_dir = run_case(tmp_path, write_playbook(tmp_path, log, since="2030-01-01"), io.StringIO())
    verdict = report_of(case_dir)["verdict"]
    assert verdict["status"] == "inconclusive" and "excludes all 5 lines" in verdict["summary"]


def test_a_model_verdict_is_shown_beside_and_never_lowers_the_status(tmp_path: Path) -> None:
    model = ScriptedChatModel(
        turns=[echo_default_call(), analysis("benign"), echo_default_call(), analysis("benign")]
    )
    playbook = write_playbook(tmp_path, tmp_path / "absent.log", gated=False)
    case_dir = run_case(tmp_path, playbook, io.StringIO(), chat_model=model)
    verdict = report_of(case_dir)["verdict"]
    assert verdict["status"] == "inconclusive"  # the model's "benign" does not make it clean
    assert [m["verdict"] for m in verdict["model"]] == ["benign", "benign"]
    assert not any(m["more_severe"] for m in verdict["model"])


def test_a_model_verdict_more_severe_than_the_status_needs_review(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text("Dec  1 10:00:00 web01 CRON[7]: pam_unix(cron:session): session opened for user root\n")
    model = ScriptedChatModel(
        turns=[echo_default_call(), analysis("malicious"), echo_default_call(), analysis("benign")]
    )
    case_dir = run_case(tmp_path, write_playbook(tmp_path, log, gated=False), io.StringIO(), chat_model=model)
    verdict = report_of(case_dir)["verdict"]
    assert verdict["status"] == "no_evidence"  # examined, nothing matched: the model cannot raise it either
    assert [m["more_severe"] for m in verdict["model"]] == [True, False]
    md = (case_dir / "report.md").read_text(encoding="utf-8")
    review = md.split("## Needs review", 1)[1].split("## Coverage", 1)[0]
    assert "the model judged failed_logins#1 malicious (0.80): scripted analysis" in review
    assert "model, beside the verdict (not deciding it): malicious (0.80)" in md


def test_attacker_text_in_cited_values_stays_inert_in_the_verdict(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    hostile = "Dec  1 10:05:00 h sshd[9]: Accepted password for r\x1b[2J\u202eoot from 203.0.113.9 port 1\n"
    log.write_text(AUTH + hostile, encoding="utf-8")
    out = io.StringIO()
    case_dir = run_case(tmp_path, write_playbook(tmp_path, log), out)
    md = (case_dir / "report.md").read_text(encoding="utf-8")
    assert all(ch.isprintable() or ch == "\n" for ch in md)
    assert all(ch.isprintable() or ch == "\n" for ch in out.getvalue())
    assert "\\x1b[2J" in md.split("## Key facts", 1)[1].split("## Needs review", 1)[0]
