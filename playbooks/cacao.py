"""Export a playbook as an OASIS CACAO 2.0 JSON playbook, so teams can move it to other SOAR tools."""

from __future__ import annotations

import json
import shlex
import uuid
from datetime import UTC, datetime

from playbooks.conditions import AnyInCondition, CountCondition, ExistsCondition
from playbooks.model import Playbook, Step
from playbooks.refs import ArgValue, ConcatRef, FindingRef, InputRef, ItemRef

NAMESPACE = uuid.UUID("6f0c3d4e-2b1a-5c8d-9e7f-0a1b2c3d4e5f")  # fixed: ids are stable across exports
_VAR_TYPES = {"int": "integer", "ip": "string", "hash": "hash", "path": "string"}
JsonObj = dict[str, object]


def _var(name: str) -> str:
    return f"__{name}__"


def _arg_text(value: ArgValue | str) -> str:
    if isinstance(value, InputRef):
        return f"{_var(value.input)}:value"
    if isinstance(value, FindingRef):
        return f"{_var(value.finding)}:value"
    if isinstance(value, ItemRef):
        return f"{_var(value.item + '_item')}:value"
    if isinstance(value, ConcatRef):
        return "".join(_arg_text(p) for p in value.concat)
    if isinstance(value, list):
        return ",".join(_arg_text(v) for v in value)
    return json.dumps(value) if not isinstance(value, str) else value


def _command(step: Step) -> str:
    args = " ".join(shlex.quote(f"{name}={_arg_text(v)}") for name, v in step.args.items())
    return f"sleuth tool {step.tool} --target __target__:value {args}".strip()


def _condition(step: Step) -> str:
    cond = step.when
    if isinstance(cond, ExistsCondition):
        return f"{_var(cond.exists)}:value != ''"
    if isinstance(cond, CountCondition):
        return f"count({_var(cond.count)}:value) > {cond.over}"
    if isinstance(cond, AnyInCondition):
        return f"{_var(cond.any_in)}:value IN ({', '.join(json.dumps(v) for v in cond.values)})"
    return "true"


def export_cacao(playbook: Playbook, *, now: datetime | None = None) -> JsonObj:
    """The CACAO 2.0 playbook: a manual approval then an ssh action per step, conditions as if-conditions."""
    pid = uuid.uuid5(NAMESPACE, f"{playbook.id}@{playbook.version}")

    def sid(kind: str, key: str) -> str:
        return f"{kind}--{uuid.uuid5(pid, key)}"

    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    approver = sid("individual", "approver")
    target = sid("ssh", "target")
    start, end = sid("start", "start"), sid("end", "end")
    entries = [sid("if-condition" if s.when else "action", f"{s.id}:entry") for s in playbook.steps] + [end]
    workflow: dict[str, JsonObj] = {start: {"type": "start", "name": "Start", "on_completion": entries[0]}}
    for i, step in enumerate(playbook.steps):
        approve, run = sid("action", f"{step.id}:approve"), sid("action", f"{step.id}:run")
        if step.when:
            workflow[entries[i]] = {
                "type": "if-condition",
                "name": f"Condition of {step.id}",
                "condition": _condition(step),
                "on_true": approve,
                "on_false": entries[i + 1],
            }
        else:
            approve = entries[i]
        fan = (
            f" Run once per value of {_var(step.for_each)} (at most {step.max_items})."
            if step.for_each
            else ""
        )
        workflow[approve] = {
            "type": "action",
            "name": f"Approve: {step.title}",
            "description": "A responder approves this read-only step before it runs.",
            "commands": [{"type": "manual", "command": f"Review and approve: {step.title} ({step.tool})"}],
            "agent": approver,
            "on_completion": run,
        }
        workflow[run] = {
            "type": "action",
            "name": step.title,
            "description": ((step.guidance or step.title).strip() + fan).strip(),
            "commands": [{"type": "ssh", "command": _command(step)}],
            "agent": approver,
            "targets": [target],
            "on_completion": entries[i + 1],
            "out_args": [_var(name) for name in step.extract],
        }
    workflow[end] = {"type": "end", "name": "End"}
    variables: JsonObj = {_var("target"): {"type": "string", "description": "Target host", "external": True}}
    for name, spec in playbook.inputs.items():
        var: JsonObj = {
            "type": _VAR_TYPES.get(spec.type.value, "string"),
            "description": spec.description,
            "constant": False,
            "external": True,
        }
        if spec.default is not None:
            var["value"] = ",".join(spec.default) if isinstance(spec.default, list) else str(spec.default)
        variables[_var(name)] = var
    for step in playbook.steps:
        for name in step.extract:
            variables[_var(name)] = {
                "type": "string",
                "description": f"Finding of step {step.id} (list)",
                "constant": False,
                "external": False,
            }
    return {
        "type": "playbook",
        "spec_version": "cacao-2.0",
        "id": f"playbook--{pid}",
        "name": playbook.title,
        "description": playbook.description.strip(),
        "playbook_types": ["investigation"],
        "created_by": f"identity--{uuid.uuid5(NAMESPACE, 'sleuth')}",
        "created": stamp,
        "modified": stamp,
        "labels": [playbook.id, f"severity:{playbook.severity}"],
        "external_references": [
            {
                "name": f"MITRE ATT&CK {t}",
                "source": "mitre-attack",
                "external_id": t,
                "url": f"https://attack.mitre.org/techniques/{t.replace('.', '/')}/",
            }
            for t in playbook.attack
        ],
        "playbook_variables": variables,
        "workflow_start": start,
        "workflow": workflow,
        "agent_definitions": {approver: {"type": "individual", "name": "Sleuth approver"}},
        "target_definitions": {
            target: {
                "type": "ssh",
                "name": "Investigated host",
                "address": {"dname": [f"{_var('target')}:value"]},
            }
        },
    }
