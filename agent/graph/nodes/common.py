"""Small helpers the nodes share: findings by name, the current step, a view for proposers."""

from __future__ import annotations

from typing import Any, TypedDict

from pydantic import JsonValue

from agent.case.evidence import load_result
from agent.case.state import (
    CaseRunStatus,
    CaseState,
    Decision,
    Execution,
    Finding,
    Proposal,
    StepOutcome,
    StepStatus,
)
from agent.graph.context import RunContext
from agent.proposers.base import EvidenceExcerpt, StepView
from playbooks import BoundInputs, BoundValue, CaseWindow, Step


class CaseUpdate(TypedDict, total=False):
    """What a node returns: the CaseState fields it changes, each with the state's own type."""

    case_id: str
    playbook_path: str
    hosts: tuple[str, ...]
    inputs: dict[str, JsonValue]
    window: CaseWindow | None
    step_index: int
    step_proposals: int
    own_call_done: bool
    followups_used: dict[str, int]
    step_status: StepStatus | None
    step_proposal_ids: list[str]
    proposal: Proposal | None
    decision: Decision | None
    executions: list[Execution]
    findings: list[Finding]
    outcomes: list[StepOutcome]
    status: CaseRunStatus


def findings_by_name(findings: list[Finding]) -> dict[str, list[str]]:
    """Finding values grouped by name, first-seen order, distinct; only deterministic findings steer the
    playbook (conditions, fan-outs, references): a model's finding informs the human, never the route."""
    grouped: dict[str, list[str]] = {}
    for f in findings:
        if f.source == "model":
            continue
        values = grouped.setdefault(f.name, [])
        if f.value not in values:
            values.append(f.value)
    return grouped


def bound_inputs(state: CaseState) -> BoundInputs:
    """The case's inputs as the playbook runtime wants them."""
    values: dict[str, BoundValue] = {}
    for name, value in state.inputs.items():
        if isinstance(value, str | int) and not isinstance(value, bool):
            values[name] = value
        elif isinstance(value, list):
            values[name] = [str(v) for v in value]
    return BoundInputs(values=values)


def current_step(state: CaseState, ctx: RunContext) -> Step:
    """The step the case is at."""
    return ctx.playbook.steps[state.step_index]


def step_view(
    state: CaseState, ctx: RunContext, default_args: dict[str, Any], *, feedback: str | None
) -> StepView:
    """What a proposer sees now: the step, its allowance, findings and this step's evidence."""
    step = current_step(state, ctx)
    left = {f.tool: f.max_calls - state.followups_used.get(f.tool, 0) for f in step.followups}
    excerpts = []
    for ex in state.executions:
        if ex.proposal_id.split("#")[0] != step.id or ex.result_sha256 is None:
            continue
        text = load_result(ctx.journal.case.evidence, ex.result_sha256).text
        excerpts.append(
            EvidenceExcerpt(sha256=ex.evidence_sha256 or "", tool=ex.tool, host=ex.host, text=text)
        )
    return StepView(
        step=step,
        step_number=state.step_index + 1,
        step_count=len(ctx.playbook.steps),
        default_args=default_args,
        own_call_done=state.own_call_done,
        followups_left=left,
        findings=findings_by_name(state.findings),
        evidence=tuple(excerpts),
        feedback=feedback,
    )
