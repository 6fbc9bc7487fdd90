"""A model server that never answers: each proposal waits its one deadline (no retry after it), falls back
to the playbook's own call, and says why on the console, in the ledger and in report.md."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from agent.case.ledger import iter_entries
from agent.case.payloads import ProposalRecorded, RefusalRecorded
from agent.case.verify import verify
from agent.llm.openai_compat import OpenAICompatChatModel
from tests.e2e.test_verdict import run_case
from tests.e2e.verdict_playbook import AUTH, write_playbook
from tests.llm.stall_server import Mode, stall_server
from tests.support.cli import sleuth
from tests.support.scripted_model import ScriptedChatModel, analysis, echo_default_call

DEADLINE_S = 1.5


@pytest.mark.timeout(120)
@pytest.mark.parametrize("mode", ["silent", "trickle"])
def test_a_model_server_that_never_answers_costs_each_proposal_one_deadline_and_the_fallback_says_why(
    tmp_path: Path, mode: Mode
) -> None:
    log = tmp_path / "auth.log"
    log.write_text(AUTH)
    out = io.StringIO()
    with stall_server(mode) as server:
        model = OpenAICompatChatModel(base_url=server.base_url, model_name="t", timeout_s=DEADLINE_S)
        started = time.monotonic()
        case_dir = run_case(tmp_path, write_playbook(tmp_path, log), out, chat_model=model)
        took = time.monotonic() - started
        asked = len(server.requests)
    # Two steps: each proposal and each analysis asked the server once (no retry after the deadline).
    assert asked == 4, f"the server was asked {asked} times"
    assert took < asked * DEADLINE_S + 15, f"the case took {took:.1f} s"
    url = f"{server.base_url}/chat/completions"
    late = "did not answer"  # the trickle's status line never completes: no answer came, only bytes
    reason = f"the model server at {url} {late} within {DEADLINE_S:g} s"

    console = out.getvalue()
    line = f"   ! model unavailable: {reason}; proposing the playbook's own call\n"
    assert console.count(line) == 2, console
    assert console.index(line) < console.index("[a]pprove")  # before the first approval prompt

    entries = list(iter_entries(case_dir / "ledger.jsonl"))
    refusals = [RefusalRecorded.model_validate(e.data) for e in entries if e.kind == "refusal"]
    assert [r.attempt_id for r in refusals if not (r.attempt_id or "").endswith("/analysis")] == [
        "failed_logins#1/1",
        "accepted#1/1",
    ]
    assert all(f"{url} {late} within 1.5 s" in r.reason for r in refusals)
    proposals = [ProposalRecorded.model_validate(e.data) for e in entries if e.kind == "proposal"]
    assert [p.source for p in proposals] == ["fallback", "fallback"]
    assert proposals[0].rationale.startswith(f"model unavailable: {reason}; proposing")
    assert all(f"{late} within 1.5 s" in p.rationale for p in proposals)

    report = (case_dir / "report.md").read_text(encoding="utf-8")
    section = report.split("## Proposals the model did not make\n", 1)[1].split("\n## ", 1)[0]
    assert section.count("model unavailable") == 2
    assert "**failed_logins** `failed_logins#1`" in section and f"{late} within 1.5 s" in section
    assert verify(case_dir).ok


def test_answers_refused_every_try_fall_back_with_the_count_and_the_last_reason(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text(AUTH)
    out = io.StringIO()
    model = ScriptedChatModel(turns=["not json"] * 3 + [analysis()] + [echo_default_call()] + [analysis()])
    case_dir = run_case(tmp_path, write_playbook(tmp_path, log), out, chat_model=model)
    console = out.getvalue()
    assert console.count("   ! model unavailable: the model's answer was refused 3 times (last: ") == 1
    assert "; proposing the playbook's own call\n" in console
    report = (case_dir / "report.md").read_text(encoding="utf-8")
    assert "## Proposals the model did not make" in report and "refused 3 times" in report


@pytest.mark.timeout(120)
def test_the_model_deadline_is_a_cli_option(tmp_path: Path) -> None:
    """`--model-deadline` reaches the proposer: a silent server costs each proposal that long, not 120 s."""
    log = tmp_path / "auth.log"
    log.write_text(AUTH)
    book = write_playbook(tmp_path, log)
    with stall_server("silent") as server:
        started = time.monotonic()
        done = sleuth(
            "run", str(book), "--target", "local", "--backend", "openai", "--base-url", server.base_url,
            "--model", "t", "--model-deadline", str(DEADLINE_S), "--console",
            "--intel-db", str(tmp_path / "intel.sqlite"), "--case-dir", str(tmp_path / "cases"),
            home=tmp_path / "home", stdin="a\n" * 10, timeout=110,
        )
        took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert "model unavailable" in done.stdout + done.stderr
    assert took < 60, f"the case took {took:.1f} s"
