"""Default-deny allowance (issue 10, point 4): a proposer keeps the playbook's args and the tool's defaults
unless the step bounds the arg; a follow-up without bounds gets only the tool's defaults; a human's edit
is not bound by it; lint warns (PB026) where a model could set nothing useful or anything at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbooks.allowance import check_proposal, check_proposer_call
from playbooks.errors import ProposalRejectedError
from playbooks.lint import lint_file
from playbooks.runtime import load_playbook

PLAYBOOK = """id: t.deny
title: T
version: "1.0"
description: d
severity: low
steps:
  - id: search
    title: Search
    tool: search_logs
    args:
      log: auth
      pattern: 'Failed \\S+ for '
    bounds:
      max_matches: {max: 500}
    followups:
      - tool: list_users
      - tool: read_file
        args:
          path: {prefix: /var/log/}
          lines: {max: 500}
  - id: users
    title: Users
    tool: list_users
"""
PINNED = {"log": "auth", "pattern": "Failed \\S+ for "}


@pytest.fixture
def step(tmp_path: Path, catalogue):
    path = tmp_path / "deny.yaml"
    path.write_text(PLAYBOOK)
    return load_playbook(path, catalogue=catalogue).step("search")


def test_the_playbooks_own_call_passes(step, catalogue) -> None:
    model = check_proposer_call(step, "search_logs", PINNED, catalogue, pinned=PINNED)
    assert model.pattern == PINNED["pattern"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"pattern": "Accepted"}, "'pattern' = 'Accepted' refused at step 'search'"),
        ({"paths": ["/var/log/syslog"]}, "'paths' = \\['/var/log/syslog'\\] refused"),
        ({"log": "syslog"}, "'log' = 'syslog' refused"),
        ({"include_rotated": False}, "only the tool's default True"),
    ],
)
def test_a_proposer_may_not_change_a_pinned_or_unbounded_arg(step, catalogue, change, why) -> None:
    with pytest.raises(ProposalRejectedError, match=why):
        check_proposer_call(step, "search_logs", {**PINNED, **change}, catalogue, pinned=PINNED)


def test_a_bounded_arg_may_change_within_its_bound_only(step, catalogue) -> None:
    within = check_proposer_call(
        step, "search_logs", {**PINNED, "max_matches": 400}, catalogue, pinned=PINNED
    )
    assert within.max_matches == 400  # type: ignore[attr-defined]
    with pytest.raises(ProposalRejectedError, match="max_matches must be <= 500, got 600"):
        check_proposer_call(step, "search_logs", {**PINNED, "max_matches": 600}, catalogue, pinned=PINNED)


def test_a_human_edit_of_the_steps_own_call_stays_allowed(step, catalogue) -> None:
    edited = check_proposal(
        step, "search_logs", {**PINNED, "pattern": "Accepted", "max_matches": 600}, catalogue
    )
    assert edited.pattern == "Accepted"  # type: ignore[attr-defined]


def test_a_followup_without_bounds_gets_only_the_tools_defaults(step, catalogue) -> None:
    assert check_proposer_call(step, "list_users", {}, catalogue, pinned={}, followup=True)
    with pytest.raises(ProposalRejectedError, match=r"'only_flagged' = True refused.*follow-up args bound"):
        check_proposer_call(step, "list_users", {"only_flagged": True}, catalogue, pinned={}, followup=True)
    with pytest.raises(ProposalRejectedError, match="'max_rows' = 1 refused"):
        check_proposer_call(step, "list_users", {"max_rows": 1}, catalogue, pinned={}, followup=True)


def test_a_followup_sets_only_its_bounded_args(step, catalogue) -> None:
    ok = {"path": "/var/log/auth.log", "lines": 100}
    assert check_proposer_call(step, "read_file", ok, catalogue, pinned={}, followup=True)
    with pytest.raises(ProposalRejectedError, match="start with"):
        check_proposer_call(
            step, "read_file", {**ok, "path": "/etc/passwd"}, catalogue, pinned={}, followup=True
        )
    names = set(catalogue["read_file"].arg_names()) - {"path", "lines"}
    for name in names:  # every other arg the model sets beyond its default is refused
        field = catalogue["read_file"].args_model.model_fields[name]
        if field.annotation is bool:
            with pytest.raises(ProposalRejectedError, match=f"'{name}' = .* refused"):
                check_proposer_call(
                    step, "read_file", {**ok, name: not field.default}, catalogue, pinned={}, followup=True
                )


def test_a_followup_of_the_steps_own_tool_is_held_to_its_bounds(tmp_path: Path, catalogue) -> None:
    path = tmp_path / "own.yaml"
    path.write_text(
        PLAYBOOK.replace(
            "      - tool: list_users\n",
            "      - tool: search_logs\n        args: {log: {one_of: [auth]}, pattern: {max_length: 20}}\n",
        )
    )
    step = load_playbook(path, catalogue=catalogue).step("search")
    ok = {"log": "auth", "pattern": "Accepted"}
    assert check_proposer_call(step, "search_logs", ok, catalogue, pinned={}, followup=True)
    with pytest.raises(ProposalRejectedError, match="log must be one of"):
        check_proposer_call(step, "search_logs", {**ok, "log": "syslog"}, catalogue, pinned={}, followup=True)
    with pytest.raises(ProposalRejectedError, match=r"'paths' = .* refused"):
        check_proposer_call(
            step, "search_logs", {**ok, "paths": ["/var/log/x"]}, catalogue, pinned={}, followup=True
        )
    with pytest.raises(ProposalRejectedError, match="proposes only its own tool 'search_logs' now"):
        check_proposer_call(step, "read_file", {"path": "/var/log/auth.log"}, catalogue, pinned={})


def test_a_followup_keeps_the_case_window_it_inherits(step, catalogue) -> None:
    window = {"since": "2026-01-01T00:00:00+00:00"}
    args = {"path": "/var/log/auth.log", "lines": 100}
    # read_file takes no window; search_logs is the step's tool: its window is pinned like its args
    pinned = {**PINNED, **window}
    assert check_proposer_call(step, "search_logs", pinned, catalogue, pinned=pinned)
    with pytest.raises(ProposalRejectedError, match="'since' = '1h' refused"):
        check_proposer_call(step, "search_logs", {**pinned, "since": "1h"}, catalogue, pinned=pinned)
    assert check_proposer_call(step, "read_file", args, catalogue, pinned={}, followup=True)


def test_lint_warns_about_args_a_model_cannot_usefully_set(tmp_path: Path, catalogue) -> None:
    path = tmp_path / "deny.yaml"
    path.write_text(PLAYBOOK)
    warned = [i for i in lint_file(path, catalogue) if i.code == "PB026"]
    assert [i.severity.value for i in warned] == ["warning"]
    assert "list_users" in warned[0].message and "tool's defaults" in warned[0].message
    assert warned[0].line == PLAYBOOK.splitlines().index("      - tool: list_users") + 1


def test_lint_warns_about_a_followup_whose_required_arg_is_unbounded(tmp_path: Path, catalogue) -> None:
    path = tmp_path / "req.yaml"
    path.write_text(
        'id: t.req\ntitle: T\nversion: "1.0"\ndescription: d\nseverity: low\nsteps:\n'
        "  - id: a\n    title: A\n    tool: list_users\n    followups:\n"
        "      - tool: search_logs\n        args: {log: {one_of: [auth]}}\n"
        "      - tool: read_file\n        args: {path: {prefix: /var/log/}}\n"
    )
    warned = [i.message for i in lint_file(path, catalogue) if i.code == "PB026"]
    assert len(warned) == 1 and "search_logs never runs: it requires 'pattern'" in warned[0], warned
