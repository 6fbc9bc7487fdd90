"""A finding reference may add the values of more findings (`also`), each value once, in order."""

from __future__ import annotations

import re

from playbooks.binding import bind_inputs, resolve_args
from playbooks.model import Playbook

PLAYBOOK = {
    "id": "t.also",
    "title": "t",
    "version": "1.0",
    "description": "d",
    "severity": "low",
    "steps": [
        {"id": "a", "title": "a", "tool": "search_logs", "args": {"log": "auth", "pattern": "x"}},
        {
            "id": "b",
            "title": "b",
            "tool": "search_logs",
            "args": {
                "log": "auth",
                "pattern": {
                    "concat": ["from ", {"finding": "sources", "also": ["pam_sources"], "as": "regex_any"}]
                },
            },
        },
    ],
}


def test_also_unions_the_findings_once_each() -> None:
    pb = Playbook.model_validate(PLAYBOOK)
    findings = {"sources": ["192.0.2.1", "192.0.2.2"], "pam_sources": ["192.0.2.2", "host.example"]}
    args = resolve_args(pb.steps[1], bind_inputs(pb, {}), findings)
    pattern = str(args["pattern"])
    assert pattern == r"from (?:192\.0\.2\.1|192\.0\.2\.2|host\.example)"
    assert re.search(pattern, "from host.example port 22")
    only_pam = resolve_args(pb.steps[1], bind_inputs(pb, {}), {"pam_sources": ["198.51.100.9"]})
    assert only_pam["pattern"] == r"from (?:198\.51\.100\.9)"
