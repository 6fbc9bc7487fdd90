"""approve: stop for a human decision (LangGraph interrupt). Nothing before interrupt() has side effects."""

from __future__ import annotations

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agent.approval.request import ApprovalRequest
from agent.case.entry import LedgerEntry
from agent.case.journal import Journal
from agent.case.payloads import DecisionRecorded
from agent.case.state import CaseState, Decision, Proposal, StepStatus
from agent.graph.context import RunContext
from agent.graph.nodes.common import CaseUpdate, current_step


def approve(state: CaseState, runtime: Runtime[RunContext]) -> CaseUpdate:
    """Interrupt with the proposal; the runner records the decision, then resumes with its ledger seq."""
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
    decision = _resumed_decision(ctx.journal, proposal, resumed)
    update: CaseUpdate = {"decision": decision}
    if not proposal.followup:
        status: dict[str, StepStatus] = {"deny": "denied", "skip": "skipped", "abort": "aborted"}
        update["own_call_done"] = True
        update["step_status"] = status.get(decision.verdict)
    return update


def _resumed_decision(journal: Journal, proposal: Proposal, resumed: object) -> Decision:
    """The recorded decision the graph was resumed with: the seq of its ledger entry. A resume value that is
    no seq (the answer itself, as runners before the seq sent it, kept in an older checkpoint) stands for the
    decision recorded on the proposal, which those runners also wrote before resuming."""
    entry: LedgerEntry | None
    if isinstance(resumed, int) and not isinstance(resumed, bool):
        entry = journal.decision_at(resumed)
    else:
        entry = journal.decision(proposal.ledger_seq)
    if entry is None or entry.payload_as(DecisionRecorded).proposal_seq != proposal.ledger_seq:
        raise RuntimeError(f"resumed without a recorded decision on proposal {proposal.id} ({resumed!r})")
    return Decision.from_entry(entry, proposal.id)
