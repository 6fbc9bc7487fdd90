"""Lint of conclusions and of the new step conditions: located issues, each with its severity."""

from __future__ import annotations

from pathlib import Path

from playbooks.issues import Issue
from playbooks.jsonschema import playbook_schema
from playbooks.lint import lint_file

HEAD = 'id: t.case\ntitle: T\nversion: "1.0"\ndescription: d\nseverity: low\n'
STEPS = """\
steps:
  - id: failed
    title: Failed
    tool: search_logs
    args: {log: auth, pattern: Failed}
    extract:
      sources: {builtin: ipv4}
    guidance: g
  - id: accepted
    title: Accepted
    tool: search_logs
    args: {log: auth, pattern: Accepted}
    extract:
      accepted_sources: {builtin: ipv4, attack: [T1078]}
    guidance: g
"""
GOOD = """\
conclusions:
  - id: attacker_logged_in
    status: compromised
    when: {overlap: accepted_sources, with: sources}
    summary: An attacking source logged in
    attack: [T1110.001]
"""


def lint(tmp_path: Path, text: str, catalogue) -> list[Issue]:
    path = tmp_path / "t" / "case.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return lint_file(path, catalogue)


def brief(issues: list[Issue]) -> list[tuple[int, int, str, str]]:
    return [(i.line, i.col, i.severity.value, i.code) for i in issues]


def test_a_playbook_with_supported_claims_lints_clean(tmp_path, catalogue):
    assert lint(tmp_path, HEAD + "attack: [T1110.001, T1078]\n" + STEPS + GOOD, catalogue) == []


def test_header_attack_no_conclusion_or_extractor_supports_is_a_warning(tmp_path, catalogue):
    issues = lint(tmp_path, HEAD + "attack: [T1078, T1059]\n" + STEPS + GOOD, catalogue)
    assert brief(issues) == [(6, 17, "warning", "PB034")]
    assert issues[0].message.startswith("T1059 is claimed by the playbook but no conclusion or extractor")


def test_no_verdict_rule_is_a_warning(tmp_path, catalogue):
    issues = lint(tmp_path, HEAD + "attack: [T1078]\n" + STEPS, catalogue)
    assert brief(issues) == [(1, 5, "warning", "PB033")]
    only_review = GOOD.replace("status: compromised", "status: review")
    issues = lint(tmp_path, HEAD + STEPS + only_review, catalogue)
    assert brief(issues) == [(21, 1, "warning", "PB033")]  # at the `conclusions` key


def test_decided_by_on_review_or_context_is_a_warning(tmp_path, catalogue):
    extra = (
        "  - id: fact\n    status: context\n    when: {count: sources, over: 2}\n"
        "    decided_by: [failed]\n    summary: Many sources\n"
    )
    issues = lint(tmp_path, HEAD + STEPS + GOOD + extra, catalogue)
    assert brief(issues) == [(30, 5, "warning", "PB032")]
    assert "a context conclusion never decides the verdict" in issues[0].message


def test_without_any_attack_mapping_pb021_warns_but_a_conclusion_mapping_is_enough(tmp_path, catalogue):
    plain = STEPS.replace(", attack: [T1078]", "")
    issues = lint(tmp_path, HEAD + plain + GOOD.replace("    attack: [T1110.001]\n", ""), catalogue)
    assert [i.code for i in issues] == ["PB021"]
    assert lint(tmp_path, HEAD + plain + GOOD, catalogue) == []


def test_step_conditions_of_every_kind_are_checked_for_unknown_and_later_findings(tmp_path, catalogue):
    step = (
        "  - id: third\n    title: Third\n    tool: list_users\n    guidance: g\n"
        "    when: {all: [{outside: accepted_sources, of: srcs}, {not: {rows: later, over: 3}}]}\n"
        "  - id: fourth\n    title: Fourth\n    tool: list_users\n    guidance: g\n"
        "    extract: {later: {column: user}}\n"
    )
    issues = lint(tmp_path, HEAD + "attack: [T1078]\n" + STEPS + step + GOOD, catalogue)
    got = [(i.line, i.col, i.code) for i in issues]
    assert got == [(26, 50, "PB014"), (26, 70, "PB015")]
    assert "unknown finding 'srcs'" in issues[0].message


def test_reachability_follows_all_any_and_not(tmp_path, catalogue):
    steps = (
        "  - id: never\n    title: Never\n    tool: list_users\n    guidance: g\n"
        "    when: {exists: ghost}\n    extract: {xs: {column: user}}\n"
        "  - id: needs_xs\n    title: N\n    tool: list_users\n    guidance: g\n"
        "    when: {all: [{exists: sources}, {exists: xs}]}\n"
        "  - id: either\n    title: E\n    tool: list_users\n    guidance: g\n"
        "    when: {any: [{exists: xs}, {not: {exists: xs}}]}\n"
    )
    issues = lint(tmp_path, HEAD + "attack: [T1078]\n" + STEPS + steps + GOOD, catalogue)
    assert [(i.line, i.code) for i in issues] == [(26, "PB014"), (28, "PB016")]
    assert "step 'needs_xs' can never run: it waits on xs" in issues[1].message


def test_json_schema_describes_conclusions_and_the_new_conditions():
    schema = playbook_schema()
    defs = schema["$defs"]
    assert isinstance(defs, dict)
    assert {"Conclusion", "RowsCondition", "OverlapCondition", "OutsideCondition", "NotCondition"} <= set(
        defs
    )
    assert "with" in defs["OverlapCondition"]["properties"] and "not" in defs["NotCondition"]["properties"]
    assert defs["Conclusion"]["properties"]["status"]["enum"] == [
        "compromised",
        "suspicious",
        "review",
        "context",
    ]
