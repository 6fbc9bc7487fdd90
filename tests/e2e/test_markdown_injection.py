"""report.md renders attacker text inert: parsed by a real CommonMark/GFM renderer (markdown-it, with
linkify and tables), no image, link, autolink, HTML, heading or emphasis comes from a value a log carried."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from agent.approval.request import printable
from agent.case.state import Execution, Finding, StepOutcome
from agent.report import CaseVerdict, FiredConclusion, ModelVerdict, Report, StepRecord, TimelineEvent
from agent.report.mdsafe import code, text

BEACON = "attacker.example"
# What sshd logs for a chosen user name, a web server for a chosen path: every construct that could go live.
HOSTILE = [
    f"![x](http://{BEACON}/b.png)",
    f"a`b ![y](http://{BEACON}/c.png) `",
    f"``![z](https://{BEACON}/d.png)``",
    f"<img src=http://{BEACON}/e.png>",
    f"<http://{BEACON}/f>",
    f"[click](http://{BEACON}/g)",
    f"http://{BEACON}/h",
    f"www.{BEACON}",
    f"mail@{BEACON}",
    "# HEADING-PWNED",
    "**PWNED-STRONG** _PWNED-EM_ ~~PWNED-DEL~~",
    "a | b | c",
    "&#x202e;&lt;img&gt;",
    "line1\n# HEADING-PWNED-2\n- list\n\n<img src=x>",
    "\\",
]


def _hostile_report() -> Report:
    sha = "ab" * 32
    findings = [
        Finding(
            name="users",
            kind="user",
            value=v,
            step_id="s",
            host="web01",
            evidence_sha256=sha,
            ledger_seq=5 + i,
            first_seen="2026-11-26T03:14:07+00:00",
            last_seen=v,  # a time field a hostile format may fill
        )
        for i, v in enumerate(HOSTILE)
    ]
    joined = " ".join(HOSTILE)
    run = Execution(
        proposal_id="s#1",
        host="web01",
        item=HOSTILE[0],
        tool="search_logs",
        args={},
        error=joined,
        error_kind="CommandFailedError",
        ledger_seq=4,
    )
    step = StepRecord(
        step_id="s",
        proposal_id="s#1",
        proposal_seq=2,
        tool="search_logs",
        args={},
        source="model",
        followup=False,
        verdict="deny",
        approver="alice",
        reason=joined,
        decision_seq=3,
        runs=[run],
        analysis=joined,
    )
    verdict = CaseVerdict(
        status="compromised",
        summary=f"compromised: {joined}",
        fired=[FiredConclusion(id="intrusion", status="compromised", sentence=f"login as {joined}")],
        ruled_out=[joined],
        model=[
            ModelVerdict(proposal_id="s#1", verdict="malicious", confidence=0.8, summary=joined, ledger_seq=9)
        ],
    )
    return Report(
        case_id="c1",
        playbook_id="p.q",
        playbook_title="t",
        playbook_version="1.0",
        hosts=["web01"],
        status="closed",
        generated_at=datetime.now(UTC).isoformat(),
        summary="\n".join([f"compromised: {joined}", *HOSTILE]),
        attack=[],
        findings=findings,
        timeline=[
            TimelineEvent(
                ts="2026-11-26T03:14:07+00:00",
                what="users first seen",
                finding="users",
                value=v,
                ledger_seq=5,
                evidence_sha256=sha,
            )
            for v in HOSTILE
        ],
        steps=[step],
        outcomes=[StepOutcome(step_id="s2", status="condition_false", note=joined)],
        verdict=verdict,
    )


def _walk(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    for t in tokens:
        out.append(t)
        out += _walk(t.children or [])
    return out


@pytest.fixture(scope="module")
def tokens() -> list[Token]:
    from agent.report import render_markdown

    md = MarkdownIt("gfm-like", {"linkify": True, "html": True})
    return _walk(md.parse(render_markdown(_hostile_report())))


def test_no_image_link_autolink_or_html_comes_from_attacker_text(tokens: list[Token]) -> None:
    live = [t for t in tokens if t.type in ("image", "link_open", "html_inline", "html_block")]
    assert live == [], [(t.type, t.attrs, t.content) for t in live]


def test_no_heading_list_or_emphasis_comes_from_attacker_text(tokens: list[Token]) -> None:
    headings = [t for t in tokens if t.type == "heading_open"]
    # The template's own headings only: title, Verdict, Key facts, Needs review, Coverage, Timeline,
    # Findings and IOCs, ATT&CK techniques, Steps.
    assert len(headings) == 9
    assert not [t for t in tokens if t.type in ("em_open", "s_open")]
    inside_strong, depth = [], 0
    for t in tokens:
        depth += {"strong_open": 1, "strong_close": -1}.get(t.type, 0)
        if depth and t.type == "text":
            inside_strong.append(t.content)
    assert not [s for s in inside_strong if "PWNED" in s]


def test_the_findings_table_keeps_one_cell_per_column(tokens: list[Token]) -> None:
    rows: list[int] = []
    for t in tokens:
        if t.type == "tr_open":
            rows.append(0)
        elif t.type in ("td_open", "th_open"):
            rows[-1] += 1
    assert rows and set(rows) == {7}
    assert len(rows) == 1 + len(HOSTILE)


def test_values_stay_readable_as_literal_code(tokens: list[Token]) -> None:
    spans = {t.content for t in tokens if t.type == "code_inline"}
    for value in HOSTILE:
        assert printable(value) in spans, value


@pytest.mark.parametrize("value", HOSTILE)
def test_a_sentence_keeps_no_construct_live(value: str) -> None:
    md = MarkdownIt("gfm-like", {"linkify": True, "html": True})
    found = _walk(md.parse(text(f"why: {value} end", line_start=True)))
    assert [t.type for t in found if t.type.endswith("_open")] == ["paragraph_open"]
    assert not [t for t in found if t.type in ("image", "html_inline", "html_block")]
    rendered = "".join(t.content for t in found if t.type in ("text", "code_inline"))
    assert "".join(printable(value).split()) in "".join(rendered.split())  # readable, every character


def test_a_code_span_fence_outlasts_every_backtick_run() -> None:
    md = MarkdownIt("commonmark")
    for value in ("`", "``a```b", " `x` ", "a|b"):
        found = _walk(md.parse(code(value)))
        assert [t.content for t in found if t.type == "code_inline"] == [value]
