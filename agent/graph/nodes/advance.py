"""advance: close the current step with its outcome and move the cursor to the next one."""

from __future__ import annotations

from langgraph.runtime import Runtime

from agent.case.state import CaseState, StepOutcome
from agent.graph.context import RunContext
from agent.graph.nodes.common import CaseUpdate, current_step


def advance(state: CaseState, runtime: Runtime[RunContext]) -> CaseUpdate:
    """Record how the step ended (done, denied, skipped, failed, aborted) and step forward."""
    step = current_step(state, runtime.context)
    status = state.step_status or "skipped"
    note = (
        state.decision.reason
        if state.decision and state.decision.verdict in ("deny", "skip", "abort")
        else None
    )
    outcome = StepOutcome(step_id=step.id, status=status, proposals=tuple(state.step_proposal_ids), note=note)
    update: CaseUpdate = {
        "outcomes": [*state.outcomes, outcome],
        "step_index": state.step_index + 1,
        "proposal": None,
        "decision": None,
    }
    if status == "aborted":
        update["status"] = "aborted"
    return update
