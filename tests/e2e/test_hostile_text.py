"""Attacker-chosen text (a user name with terminal escapes and a bidi override, logged by sshd) reaches the
approver's terminal and the report as visible escapes, never as control characters."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from agent.approval.console import ConsoleApprover
from agent.approval.request import ApprovalRequest, printable
from agent.case.state import Finding, Proposal
from agent.report import Report, render_markdown

HOSTILE = "root\x1b[2J\x1b[1A\u202e\x9bdeny\x07"


def test_printable_escapes_control_format_and_c1_characters() -> None:
    shown = printable(HOSTILE)
    assert shown.isprintable()
    assert "\\x1b[2J" in shown and "\\u202e" in shown and "\\x9b" in shown and "\\x07" in shown


def test_console_shows_hostile_items_and_args_as_escapes() -> None:
    proposal = Proposal(
        id="s#1",
        step_id="s",
        tool="search_logs",
        args={"pattern": HOSTILE},
        rationale=HOSTILE,
        source="model",
        hosts=("web01",),
        items=(HOSTILE,),
        ledger_seq=2,
    )
    out = io.StringIO()
    console = ConsoleApprover(stdin=io.StringIO("a\n"), stdout=out)
    console.ask(ApprovalRequest(case_id="c", step_number=1, step_count=1, step_title="t", proposal=proposal))
    console.notify(f"search_logs on web01 failed (CommandFailedError): {HOSTILE}", error=True)
    text = out.getvalue()
    assert all(ch.isprintable() or ch == "\n" for ch in text)
    assert text.count("\\x1b[2J") == 3  # items, rationale, notice
    assert "\\u001b[2J" in text and "\\x9b" in text  # the args as JSON: its own escapes, then printable()


def test_report_markdown_has_no_control_characters() -> None:
    finding = Finding(
        name="users",
        kind="user",
        value=HOSTILE,
        step_id="s",
        host="web01",
        evidence_sha256="0" * 64,
        ledger_seq=3,
        first_seen="2026-11-26T03:14:07+00:00",
    )
    report = Report(
        case_id="c",
        playbook_id="p.q",
        playbook_title="t",
        playbook_version="1.0",
        hosts=["web01"],
        status="closed",
        generated_at=datetime.now(UTC).isoformat(),
        summary=f"users: {HOSTILE}",
        attack=[],
        findings=[finding],
        timeline=[],
        steps=[],
        outcomes=[],
    )
    md = render_markdown(report)
    assert all(ch.isprintable() or ch == "\n" for ch in md)
    assert "\\x1b[2J" in md
