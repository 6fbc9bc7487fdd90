"""plan: find the next step to run, recording the steps whose condition does not hold."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.case.payloads import NoteRecorded
from agent.case.state import CaseState, StepOutcome
from agent.graph.context import RunContext
from agent.graph.nodes.common import CaseUpdate, findings_by_name
from playbooks import condition_holds, condition_text, fanout_items


def plan(state: CaseState, runtime: Runtime[RunContext]) -> CaseUpdate:
    """Move to the next runnable step (or past the last one), resetting the per-step counters."""
    ctx = runtime.context
    steps = ctx.playbook.steps
    findings = findings_by_name(state.findings)
    outcomes = list(state.outcomes)
    index = state.step_index
    while index < len(steps):
        step = steps[index]
        reason = None
        if not condition_holds(step, findings):
            reason = f"its condition does not hold: {condition_text(step.when) if step.when else ''}"
        elif fanout_items(step, findings) == []:
            reason = f"nothing to fan out over: finding {step.for_each!r} is empty"
        if reason is None:
            break
        ctx.journal.record(NoteRecorded(text=f"step {step.id} skipped, {reason}"), actor="playbook")
        outcomes.append(StepOutcome(step_id=step.id, status="condition_false", note=reason))
        index += 1
    return {
        "step_index": index,
        "step_proposals": 0,
        "own_call_done": False,
        "followups_used": {},
        "step_status": None,
        "step_proposal_ids": [],
        "proposal": None,
        "decision": None,
        "outcomes": outcomes,
    }
