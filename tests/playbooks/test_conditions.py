"""Conditions over counted findings: each kind, the witnesses it returns, nesting, and a step's `when`."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from playbooks.conditions import Condition, condition_findings, condition_refs, required_findings
from playbooks.model import Step
from playbooks.routing import condition_holds, counted, evaluate

COND: TypeAdapter[Condition] = TypeAdapter(Condition)

FINDINGS = {
    "sources": {"192.0.2.77": 40, "198.51.100.9": 3, "203.0.113.5": 1},
    "accepted_sources": {"192.0.2.77": 1, "10.0.0.8": 2},
    "users": {"root": 30, "deploy": 14},
    "empty": {},
}


def ev(raw: object):
    return evaluate(COND.validate_python(raw), FINDINGS)


@pytest.mark.parametrize(
    ("raw", "holds", "witnesses"),
    [
        ({"exists": "sources"}, True, {"sources": FINDINGS["sources"]}),
        ({"exists": "empty"}, False, {}),
        ({"exists": "absent"}, False, {}),
        ({"count": "sources", "over": 2}, True, {"sources": FINDINGS["sources"]}),
        ({"count": "sources", "over": 3}, False, {}),
        ({"any_in": "users", "values": ["root", "admin"]}, True, {"users": {"root": 30}}),
        ({"any_in": "users", "values": ["admin"]}, False, {}),
        ({"rows": "sources", "over": 43}, True, {"sources": FINDINGS["sources"]}),
        ({"rows": "sources", "over": 44}, False, {}),
        (
            {"overlap": "accepted_sources", "with": "sources"},
            True,
            {"accepted_sources": {"192.0.2.77": 1}, "sources": {"192.0.2.77": 40}},
        ),
        ({"overlap": "accepted_sources", "with": "users"}, False, {}),
        ({"outside": "accepted_sources", "of": "sources"}, True, {"accepted_sources": {"10.0.0.8": 2}}),
        ({"outside": "users", "of": "users"}, False, {}),
        ({"outside": "empty", "of": "sources"}, False, {}),
        ({"outside": "users", "of": "absent"}, True, {"users": FINDINGS["users"]}),
    ],
)
def test_each_condition_and_its_witnesses(raw, holds, witnesses):
    result = ev(raw)
    assert result.holds is holds
    assert result.witnesses == witnesses


def test_all_merges_witnesses_and_needs_every_part():
    both = ev(
        {"all": [{"any_in": "users", "values": ["deploy"]}, {"outside": "accepted_sources", "of": "sources"}]}
    )
    assert both.holds and both.witnesses == {"users": {"deploy": 14}, "accepted_sources": {"10.0.0.8": 2}}
    assert not ev({"all": [{"exists": "users"}, {"exists": "empty"}]}).holds


def test_any_cites_only_the_parts_that_held():
    result = ev({"any": [{"exists": "empty"}, {"any_in": "users", "values": ["root"]}, {"exists": "absent"}]})
    assert result.holds and result.witnesses == {"users": {"root": 30}}
    assert not ev({"any": [{"exists": "empty"}, {"exists": "absent"}]}).holds


def test_not_holds_for_want_of_values_and_cites_nothing():
    assert ev({"not": {"exists": "empty"}}).model_dump() == {"holds": True, "witnesses": {}}
    assert not ev({"not": {"exists": "sources"}}).holds
    nested = ev(
        {"all": [{"exists": "users"}, {"not": {"any": [{"exists": "empty"}, {"count": "users", "over": 5}]}}]}
    )
    assert nested.holds and nested.witnesses == {"users": FINDINGS["users"]}
    assert not ev({"not": {"not": {"exists": "empty"}}}).holds


def test_witness_values_keep_first_seen_order():
    result = evaluate(COND.validate_python({"exists": "f"}), {"f": {"b": 1, "a": 9, "c": 1}})
    assert list(result.witnesses["f"]) == ["b", "a", "c"]


def test_refs_are_located_and_required_findings_follow_the_logic():
    cond = COND.validate_python(
        {
            "all": [
                {"overlap": "a", "with": "b"},
                {"not": {"exists": "c"}},
                {"any": [{"exists": "d"}, {"rows": "d", "over": 1}]},
            ]
        }
    )
    assert list(condition_refs(cond, ("when",))) == [
        (("when", "all", 0, "overlap"), "a"),
        (("when", "all", 0, "with"), "b"),
        (("when", "all", 1, "not", "exists"), "c"),
        (("when", "all", 2, "any", 0, "exists"), "d"),
        (("when", "all", 2, "any", 1, "rows"), "d"),
    ]
    assert condition_findings(cond) == ["a", "b", "c", "d"]
    assert required_findings(cond) == {"a", "b", "d"}
    assert required_findings(COND.validate_python({"outside": "a", "of": "b"})) == {"a"}
    assert required_findings(COND.validate_python({"any": [{"exists": "a"}, {"exists": "b"}]})) == set()


@pytest.mark.parametrize(
    "raw",
    [
        {"exists": "a", "count": "b", "over": 1},  # two kinds at once
        {"overlap": "a"},  # `with` missing
        {"all": []},
        {"not": {"bogus": "a"}},
        {"rows": "a", "over": -1},
        {"outside": "a", "of": "b", "extra": 1},
    ],
)
def test_malformed_conditions_are_refused(raw):
    with pytest.raises(ValidationError):
        COND.validate_python(raw)


def _step(when: object) -> Step:
    return Step.model_validate({"id": "s", "title": "S", "tool": "list_users", "when": when})


def test_step_when_takes_value_lists_or_counts():
    assert counted({"a": ["x", "x", "y"]}) == {"a": {"x": 2, "y": 1}}
    rows = _step({"rows": "a", "over": 2})
    assert condition_holds(rows, {"a": ["x", "x", "y"]})
    assert not condition_holds(rows, {"a": ["x", "y"]})
    assert condition_holds(rows, {"a": {"x": 3}})
    outside = _step({"outside": "ok", "of": "bad"})
    assert condition_holds(outside, {"ok": ["1.1.1.1"], "bad": ["2.2.2.2"]})
    assert not condition_holds(outside, {"ok": ["2.2.2.2"], "bad": ["2.2.2.2"]})
    assert condition_holds(_step({"not": {"exists": "a"}}), {})
    assert condition_holds(_step(None), {})


def test_top_holds_for_a_single_value_over_the_threshold() -> None:
    """{top: F, over: N}: one value seen more than N times (a scanner's 404s), whatever the others."""
    from playbooks.model import Step
    from playbooks.routing import evaluate

    cond = Step.model_validate(
        {"id": "s", "title": "t", "tool": "search_logs", "when": {"top": "clients", "over": 50}}
    ).when
    assert cond is not None
    spread = {"clients": {f"198.51.100.{i}": 10 for i in range(20)}}  # 200 rows, none over 50
    assert not evaluate(cond, spread).holds
    one = {"clients": {"203.0.113.9": 51, "198.51.100.1": 3}}
    got = evaluate(cond, one)
    assert got.holds and got.witnesses == {"clients": {"203.0.113.9": 51}}


def test_outside_of_several_findings() -> None:
    """{outside: F, of: [G, H]}: values of F in neither G nor H (a login from a never-failing address)."""
    from playbooks.model import Step
    from playbooks.routing import evaluate

    cond = Step.model_validate(
        {
            "id": "s",
            "title": "t",
            "tool": "search_logs",
            "when": {"outside": "accepted", "of": ["sources", "pam_sources"]},
        }
    ).when
    assert cond is not None
    findings = {
        "accepted": {"192.0.2.1": 1, "192.0.2.2": 1, "198.51.100.7": 2},
        "sources": {"192.0.2.1": 9},
        "pam_sources": {"192.0.2.2": 4},
    }
    got = evaluate(cond, findings)
    assert got.holds and got.witnesses == {"accepted": {"198.51.100.7": 2}}
    findings["pam_sources"]["198.51.100.7"] = 1
    assert not evaluate(cond, findings).holds


def test_condition_text_reads_as_words() -> None:
    """A skipped step's note says its condition in words, with `with`/`not` spelled as written."""
    from playbooks.conditions import condition_text
    from playbooks.model import Step

    when = Step.model_validate(
        {
            "id": "s",
            "title": "t",
            "tool": "search_logs",
            "when": {
                "any": [
                    {"overlap": "accepted", "with": "sources"},
                    {"not": {"outside": "accepted", "of": ["sources", "pam"]}},
                ]
            },
        }
    ).when
    assert when is not None
    assert condition_text(when) == (
        "(a value of accepted is also in sources) or "
        "(not (a value of accepted is in none of sources, pam))"
    )
