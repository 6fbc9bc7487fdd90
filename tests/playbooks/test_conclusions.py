"""The case verdict: rules fired over findings, undecided rules on unexamined evidence, skips resolved."""

from __future__ import annotations

import itertools

import pytest

from playbooks.conclusions import (
    CaseConclusion,
    Citation,
    StepExamination,
    citation_text,
    conclude,
    deciding_steps,
    examinations,
    sentence,
)
from playbooks.loader import parse_playbook
from playbooks.model import Playbook

HEAD = 'id: t.case\ntitle: T\nversion: "1.0"\ndescription: d\nseverity: high\nattack: [T1110, T1078]\n'
STEPS = """\
steps:
  - id: failed_logins
    title: Failed
    tool: search_logs
    args: {log: auth, pattern: Failed}
    extract: {sources: {builtin: ipv4}, users: {builtin: user}}
  - id: accepted_logins
    title: Accepted
    tool: search_logs
    args: {log: auth, pattern: Accepted}
    extract: {accepted_sources: {builtin: ipv4}, accepted_users: {builtin: user}}
  - id: attacker_sessions
    title: Sessions of attackers
    tool: search_logs
    when: {overlap: accepted_sources, with: sources}
    for_each: accepted_sources
    args: {log: auth, pattern: session}
    extract: {sessions: {builtin: user}}
  - id: after_login
    title: After login
    tool: search_logs
    when: {exists: sessions}
    args: {log: auth, pattern: sudo}
    extract: {sudo_users: {builtin: user}}
"""
RULES = """\
conclusions:
  - id: bruteforce_succeeded
    status: compromised
    when: {overlap: accepted_sources, with: sources}
    decided_by: [failed_logins, accepted_logins]
    summary: An attacking source logged in
    cite: [accepted_users, accepted_sources]
    ruled_out: No attacking source logged in
    attack: [T1078]
  - id: root_targeted
    status: suspicious
    when: {any_in: users, values: [root]}
    summary: Root was targeted
  - id: lone_login
    status: review
    when: {outside: accepted_sources, of: sources}
    summary: A login from an address with no failures
  - id: bruteforce
    status: context
    when: {count: sources, over: 0}
    summary: Brute force
    attack: [T1110.001]
  - id: privilege_after_login
    status: suspicious
    when: {exists: sudo_users}
    summary: An attacker session used sudo
"""


def playbook(text: str) -> Playbook:
    pb, issues = parse_playbook(text.encode(), "t/case.yaml")
    assert pb is not None, [i.format() for i in issues]
    return pb


PB = playbook(HEAD + STEPS + RULES)
ALL_EXAMINED = {s.id: StepExamination(step_id=s.id, state="examined") for s in PB.steps}


def exam(step_id: str, state: str, *reasons: str) -> StepExamination:
    return StepExamination(step_id=step_id, state=state, reasons=reasons)  # type: ignore[arg-type]


def steps(**states: StepExamination) -> dict[str, StepExamination]:
    return {**ALL_EXAMINED, **states}


BRUTE = {
    "sources": {"192.0.2.77": 40, "198.51.100.9": 3},
    "users": {"admin": 20, "oracle": 23},
}


def test_compromised_cites_the_witnesses_and_ranks_by_count():
    findings = {
        **BRUTE,
        "accepted_sources": {"10.1.1.1": 1, "192.0.2.77": 2},
        "accepted_users": {"alice": 1, "deploy": 2},
    }
    result = conclude(PB, findings, ALL_EXAMINED)
    assert result.status == "compromised"
    assert [f.id for f in result.fired] == ["bruteforce_succeeded", "lone_login", "bruteforce"]
    first = result.fired[0]
    assert first.citations == (
        Citation(finding="accepted_users", values=(("deploy", 2), ("alice", 1))),
        Citation(finding="accepted_sources", values=(("192.0.2.77", 2),)),  # the overlap, not 10.1.1.1
    )
    assert (
        first.sentence
        == "An attacking source logged in: accepted_users deploy (2), alice; accepted_sources 192.0.2.77 (2)"
    )
    assert result.fired[1].sentence == "A login from an address with no failures: accepted_sources 10.1.1.1"
    assert result.summary == (
        "compromised: " + first.sentence + "; Brute force: sources 192.0.2.77 (40), 198.51.100.9 (3)"
    )
    assert result.attack == ("T1078", "T1110.001")
    assert result.ruled_out == ("not found: Root was targeted", "not found: An attacker session used sudo")
    assert result.undecided == ()


def test_suspicious_when_only_a_suspicious_rule_fires():
    result = conclude(PB, {"sources": {"192.0.2.77": 5}, "users": {"root": 5}}, ALL_EXAMINED)
    assert result.status == "suspicious"
    assert result.summary.startswith("suspicious: Root was targeted: users root (5); Brute force")
    assert "No attacking source logged in" in result.ruled_out


def test_no_evidence_needs_every_deciding_rule_examined_and_false():
    result = conclude(PB, BRUTE, ALL_EXAMINED)
    assert result.status == "no_evidence"
    assert result.summary == (
        "no evidence: No attacking source logged in; not found: Root was targeted; "
        "not found: An attacker session used sudo; Brute force: sources 192.0.2.77 (40), 198.51.100.9 (3)"
    )
    assert result.attack == ("T1110.001",)  # the header's T1078 is never claimed without evidence


def test_fired_rule_counts_even_when_coverage_was_partial():
    partial = steps(failed_logins=exam("failed_logins", "partial", "output truncated at 5000 rows"))
    findings = {**BRUTE, "accepted_sources": {"192.0.2.77": 1}}
    assert conclude(PB, findings, partial).status == "compromised"


def test_missing_log_is_inconclusive_with_the_reason_never_clean():
    raw = steps(
        failed_logins=exam("failed_logins", "not_examined", "log missing: /var/log/auth.log"),
        attacker_sessions=exam("attacker_sessions", "condition_false", "condition not met"),
        after_login=exam("after_login", "condition_false", "condition not met"),
    )
    result = conclude(PB, {}, raw)
    assert result.status == "inconclusive"
    assert result.summary.startswith(
        "inconclusive: failed_logins not examined: log missing: /var/log/auth.log"
    )
    undecided = {u.id: u.reasons for u in result.undecided}
    assert set(undecided) == {"bruteforce_succeeded", "root_targeted", "privilege_after_login"}
    assert undecided["privilege_after_login"] == (
        "after_login not examined: skipped because attacker_sessions (which produces sessions) was not "
        "examined: skipped because failed_logins (which produces sources) was not examined: "
        "log missing: /var/log/auth.log",
    )
    assert result.ruled_out == ()


def test_partial_deciding_step_leaves_the_rule_undecided():
    raw = steps(accepted_logins=exam("accepted_logins", "partial", "window excluded 120 of 300 lines"))
    result = conclude(PB, BRUTE, raw)
    assert result.status == "inconclusive"
    assert [u.id for u in result.undecided] == ["bruteforce_succeeded"]
    assert result.undecided[0].reasons == (
        "accepted_logins partly examined: window excluded 120 of 300 lines",
    )
    assert "Brute force: sources" in result.summary  # context is stated for every verdict


def test_aborted_case_steps_not_reached():
    raw = {"failed_logins": ALL_EXAMINED["failed_logins"]}
    result = conclude(PB, BRUTE, raw)
    assert result.status == "inconclusive"
    assert "accepted_logins, after_login not examined: not reached" in result.summary


def test_skip_counts_as_examined_when_its_deciders_were():
    raw = steps(
        attacker_sessions=exam("attacker_sessions", "condition_false", "condition not met"),
        after_login=exam("after_login", "condition_false", "condition not met"),
    )
    resolved = examinations(PB, raw)
    assert resolved["after_login"].state == "examined"
    assert resolved["after_login"].reasons == ("condition not met",)
    assert conclude(PB, BRUTE, raw).status == "no_evidence"


def test_skip_after_a_partial_producer_is_partial():
    raw = steps(
        accepted_logins=exam("accepted_logins", "partial", "truncated"),
        attacker_sessions=exam("attacker_sessions", "condition_false"),
    )
    resolved = examinations(PB, raw)
    assert resolved["attacker_sessions"].state == "partial"
    assert resolved["attacker_sessions"].reasons == (
        "skipped because accepted_logins (which produces accepted_sources) was only partly examined: "
        "truncated",
    )
    assert examinations(PB, resolved) == resolved  # resolving twice changes nothing


def test_default_decided_by_is_the_producers_of_the_condition_findings():
    rule = {r.id: r for r in PB.conclusions}
    assert deciding_steps(PB, rule["privilege_after_login"]) == ["after_login"]
    assert deciding_steps(PB, rule["bruteforce_succeeded"]) == ["failed_logins", "accepted_logins"]


def test_review_and_context_never_change_the_verdict():
    findings = {"accepted_sources": {"10.1.1.1": 1}, "sources": {"192.0.2.1": 1}}
    result = conclude(PB, findings, ALL_EXAMINED)
    assert result.status == "no_evidence"
    assert {f.status for f in result.fired} == {"review", "context"}


NO_RULES = playbook(HEAD + STEPS)


def test_without_verdict_rules_the_case_is_never_no_evidence():
    assert NO_RULES.conclusions == []
    clean = conclude(NO_RULES, {}, ALL_EXAMINED)
    assert clean.status == "inconclusive" and "declares no verdict rules" in clean.summary
    gap = conclude(NO_RULES, {}, steps(after_login=exam("after_login", "not_examined", "host unreachable")))
    assert gap.status == "inconclusive"
    assert gap.summary.endswith("after_login not examined: host unreachable")


def test_citation_text_shows_five_values_then_the_rest_counted():
    cite = Citation(finding="sources", values=tuple((f"10.0.0.{i}", 10 - i) for i in range(8)))
    assert (
        citation_text(cite)
        == "sources 10.0.0.0 (10), 10.0.0.1 (9), 10.0.0.2 (8), 10.0.0.3 (7), 10.0.0.4 (6) (+3 more)"
    )
    assert sentence("Nothing", []) == "Nothing"


def test_values_are_one_line_of_plain_text():
    cite = Citation(finding="users", values=(("evil\nname\x1b[31m", 1), ("x" * 500, 2)))
    text = citation_text(cite)
    assert "\n" not in text and "\x1b" not in text and "evil\\x0aname\\x1b[31m" in text
    assert len(text) < 300 and "... (2)" in text


def test_ties_keep_first_seen_order():
    findings = {**BRUTE, "users": {"zed": 2, "amy": 2, "root": 1}}
    result = conclude(PB, findings, ALL_EXAMINED)
    root = next(f for f in result.fired if f.id == "root_targeted")
    assert root.citations == (Citation(finding="users", values=(("root", 1),)),)
    rank = conclude(
        playbook(HEAD + STEPS + RULES.replace("values: [root]", "values: [root, zed, amy]")),
        findings,
        ALL_EXAMINED,
    )
    root = next(f for f in rank.fired if f.id == "root_targeted")
    assert root.citations[0].values == (("zed", 2), ("amy", 2), ("root", 1))


def test_case_conclusion_is_a_frozen_record_that_round_trips():
    result = conclude(PB, BRUTE, ALL_EXAMINED)
    assert CaseConclusion.model_validate_json(result.model_dump_json()) == result
    with pytest.raises(ValueError):
        result.status = "compromised"  # type: ignore[misc]


def test_never_no_evidence_while_a_deciding_step_was_not_fully_examined():
    deciders = {"failed_logins", "accepted_logins", "after_login"}
    for states in itertools.product(("examined", "partial", "not_examined"), repeat=len(PB.steps)):
        raw = {s.id: exam(s.id, state, "why") for s, state in zip(PB.steps, states, strict=True)}
        status = conclude(PB, BRUTE, raw).status
        gap = any(raw[s].state != "examined" for s in deciders)
        assert status == ("inconclusive" if gap else "no_evidence"), raw


def test_inconclusive_names_the_root_gap_once():
    """A skip resting on an unexamined step repeats its reason: the summary names the root gap once."""
    gone = "log missing: /var/log/auth.log"
    raw = {
        **ALL_EXAMINED,
        "failed_logins": exam("failed_logins", "not_examined", gone),
        "accepted_logins": exam("accepted_logins", "not_examined", gone),
        "attacker_sessions": exam("attacker_sessions", "condition_false", "its condition does not hold"),
        "after_login": exam("after_login", "condition_false", "its condition does not hold"),
    }
    result = conclude(PB, {}, raw)
    assert result.status == "inconclusive"
    assert result.summary.count(gone) == 1
    assert "failed_logins, accepted_logins not examined: log missing" in result.summary
