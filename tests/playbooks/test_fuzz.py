"""Fuzz the loader: whatever the bytes, it returns a playbook or located issues, never another exception."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playbooks.loader import parse_playbook

_KEYS = st.sampled_from(
    [
        "id",
        "title",
        "version",
        "description",
        "severity",
        "attack",
        "inputs",
        "steps",
        "tool",
        "args",
        "when",
        "for_each",
        "extract",
        "followups",
        "guidance",
        "x",
        "<<",
    ]
)
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20))
_DOCS = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.one_of(_KEYS, st.text(max_size=8)), inner, max_size=5)
    ),
    max_leaves=30,
)


def _check(data: bytes) -> None:
    playbook, issues = parse_playbook(data, "fuzz.yaml")
    assert (playbook is None) == bool(issues)
    for issue in issues:
        assert issue.line >= 1 and issue.col >= 1 and issue.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes(data):
    _check(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DOCS)
def test_random_yaml_documents(doc):
    _check(yaml.safe_dump(doc, allow_unicode=True).encode())


_TOKENS = st.sampled_from(
    [
        "id: a.b\n",
        "steps:\n",
        "  - ",
        "id: x\n",
        "{",
        "}",
        "[",
        "]",
        "&a ",
        "*a ",
        "!!python/object ",
        "\t",
        ": ",
        "- ",
        "'",
        '"',
        "\n",
        "    ",
        "tool: list_users\n",
        "%YAML 1.1\n",
        "---\n",
        "? ",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TOKENS, max_size=40))
def test_yaml_token_soup(tokens):
    _check("".join(tokens).encode())
