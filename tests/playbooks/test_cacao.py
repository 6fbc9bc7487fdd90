"""CACAO 2.0 export: required properties, known step and command types, and every step link resolves."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from playbooks.cacao import export_cacao
from playbooks.discovery import list_playbooks
from playbooks.loader import load_playbook_file

# From the CACAO 2.0 specification (OASIS CS01): required properties and vocabularies.
PLAYBOOK_REQUIRED = {
    "type",
    "spec_version",
    "id",
    "name",
    "created_by",
    "created",
    "modified",
    "workflow_start",
    "workflow",
}
STEP_TYPES = {
    "start",
    "end",
    "action",
    "playbook-action",
    "parallel",
    "if-condition",
    "while-condition",
    "switch-condition",
}
STEP_REQUIRED = {
    "action": {"commands"},
    "if-condition": {"condition", "on_true"},
    "while-condition": {"condition", "on_true"},
    "parallel": {"next_steps"},
    "playbook-action": {"playbook_id"},
    "switch-condition": {"switch", "cases"},
}
COMMAND_TYPES = {
    "manual",
    "bash",
    "caldera-cmd",
    "elastic",
    "http-api",
    "jupyter",
    "kestrel",
    "openc2-http",
    "powershell",
    "sigma",
    "ssh",
    "yara",
}
VARIABLE_TYPES = {
    "bool",
    "dictionary",
    "float",
    "hexstring",
    "integer",
    "ipv4-addr",
    "ipv6-addr",
    "long",
    "mac-addr",
    "hash",
    "md5-hash",
    "sha256-hash",
    "string",
    "uri",
    "uuid",
}
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"


def validate_cacao(doc: dict[str, Any]) -> None:
    """Check a document against the CACAO 2.0 rules this exporter must meet."""
    assert doc.keys() >= PLAYBOOK_REQUIRED, PLAYBOOK_REQUIRED - doc.keys()
    assert doc["type"] == "playbook" and doc["spec_version"] == "cacao-2.0"
    assert re.fullmatch(f"playbook--{UUID}", doc["id"])
    assert re.fullmatch(f"identity--{UUID}", doc["created_by"])
    assert re.fullmatch(TIMESTAMP, doc["created"]) and re.fullmatch(TIMESTAMP, doc["modified"])
    workflow = doc["workflow"]
    assert doc["workflow_start"] in workflow
    assert workflow[doc["workflow_start"]]["type"] == "start"
    for step_id, step in workflow.items():
        kind = step["type"]
        assert kind in STEP_TYPES
        assert re.fullmatch(f"{kind}--{UUID}", step_id), step_id
        assert STEP_REQUIRED.get(kind, set()) <= step.keys(), (step_id, kind)
        for key in ("on_completion", "on_success", "on_failure", "on_true", "on_false"):
            if key in step:
                assert step[key] in workflow, f"{step_id}.{key} -> {step[key]} does not exist"
        for ref in step.get("next_steps", []):
            assert ref in workflow
        for command in step.get("commands", []):
            assert command["type"] in COMMAND_TYPES and command["command"]
        if "agent" in step:
            assert step["agent"] in doc.get("agent_definitions", {})
        for target in step.get("targets", []):
            assert target in doc.get("target_definitions", {})
    for name, var in doc.get("playbook_variables", {}).items():
        assert re.fullmatch(r"__[a-z0-9_]+__", name) and var["type"] in VARIABLE_TYPES
    assert any(s["type"] == "end" for s in workflow.values())


@pytest.mark.parametrize("entry", list_playbooks(), ids=lambda e: e.id)
def test_export_validates(entry):
    playbook = load_playbook_file(entry.path)
    doc = json.loads(json.dumps(export_cacao(playbook)))
    validate_cacao(doc)
    actions = [s for s in doc["workflow"].values() if s["type"] == "action"]
    assert len(actions) == 2 * len(playbook.steps)  # a manual approval, then the ssh action
    assert {c["type"] for s in actions for c in s["commands"]} == {"manual", "ssh"}
    assert sum(1 for s in doc["workflow"].values() if s["type"] == "if-condition") == sum(
        1 for s in playbook.steps if s.when
    )
    for name in playbook.inputs:
        assert doc["playbook_variables"][f"__{name}__"]["external"] is True


def test_export_is_deterministic_and_walks_every_step():
    entry = next(e for e in list_playbooks() if e.id == "linux.ssh.bruteforce")
    playbook = load_playbook_file(entry.path)
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    first: Any = export_cacao(playbook, now=when)
    second = export_cacao(playbook, now=when)
    assert first == second and first["created"] == "2026-01-02T03:04:05.000Z"
    seen, todo = [], [first["workflow_start"]]
    workflow = first["workflow"]
    while todo:  # follow on_completion / on_true / on_false from the start: every step is reachable
        step_id = todo.pop()
        if step_id in seen:
            continue
        seen.append(step_id)
        todo += [
            workflow[step_id][k] for k in ("on_completion", "on_true", "on_false") if k in workflow[step_id]
        ]
    assert set(seen) == set(workflow)
    ssh = [c["command"] for s in workflow.values() for c in s.get("commands", []) if c["type"] == "ssh"]
    assert ssh[0].startswith("sleuth tool search_logs --target __target__:value ")
    assert "since=" not in ssh[0]  # the window is the case's (`sleuth run --since`), not a playbook input
    web = load_playbook_file(next(e for e in list_playbooks() if e.id == "web.webshell").path)
    web_ssh = [c["command"] for s in export_cacao(web)["workflow"].values() for c in s.get("commands", [])]
    assert any("__web_root__:value" in command for command in web_ssh)  # an input becomes a variable


def test_broken_export_is_caught_by_the_validator():
    entry = next(e for e in list_playbooks() if e.id == "web.webshell")
    doc: Any = export_cacao(load_playbook_file(entry.path))
    start = doc["workflow"][doc["workflow_start"]]
    start["on_completion"] = "action--00000000-0000-0000-0000-000000000000"
    with pytest.raises(AssertionError, match="does not exist"):
        validate_cacao(doc)
