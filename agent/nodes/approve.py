"""approve: stop for a human decision (LangGraph interrupt). Nothing before interrupt() has side effects."""

from __future__ import annotations

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agent.approval import Answer, ApprovalRequest
from agent.context import RunContext
from agent.decisions import record_decision, recorded_decision
from agent.nodes.common import CaseUpdate, current_step
from agent.state import CaseState, StepStatus


def approve(state: CaseState, runtime: Runtime[RunContext]) -> CaseUpdate:
    """Interrupt with the proposal; on resume, the decision recorded in the ledger is the one that counts."""
    ctx = runtime.context
    proposal = state.proposal
    if proposal is None:
        raise RuntimeError("approve reached without a proposal")
    request = ApprovalRequest(
        case_id=state.case_id,
        step_number=state.step_index + 1,
        step_count=len(ctx.playbook.steps),
        step_title=current_step(state, ctx).title,
        proposal=proposal,
    )
    resumed = interrupt(request.model_dump(mode="json"))
    # The runner records the decision before resuming: the ledger entry, not the resume value, counts.
    decision = recorded_decision(ctx.journal, proposal)
    if decision is None:
        decision = record_decision(
            ctx.journal, proposal, Answer.model_validate(resumed), approver=ctx.approver
        )
    update: CaseUpdate = {"decision": decision}
    if not proposal.followup:
        status: dict[str, StepStatus] = {"deny": "denied", "skip": "skipped", "abort": "aborted"}
        update["own_call_done"] = True
        update["step_status"] = status.get(decision.verdict)
    return update
