"""Recording a human's answer: validated (an edit must fit the step), durable, and idempotent."""

from __future__ import annotations

from pydantic import JsonValue

from agent.approval.request import Answer, args_diff
from agent.case.journal import Journal
from agent.case.payloads import DecisionRecorded
from agent.case.state import Decision, Proposal
from playbooks import Catalogue, Playbook, ProposalRejectedError, check_proposal


class AnswerRejectedError(ValueError):
    """The answer cannot be accepted as given (an edit outside the allowance, a deny without reason)."""


def validate_answer(answer: Answer, proposal: Proposal, playbook: Playbook, catalogue: Catalogue) -> Answer:
    """Check an answer before it is recorded; an edit's args must pass the same allowance as a proposal."""
    if answer.verdict == "deny" and not (answer.reason or "").strip():
        raise AnswerRejectedError("a denial needs a reason")
    if answer.verdict != "edit":
        return answer
    if answer.args is None:
        raise AnswerRejectedError("an edit needs the new args")
    step = playbook.step(proposal.step_id)
    try:
        model = check_proposal(step, proposal.tool, answer.args, catalogue)
    except ProposalRejectedError as exc:
        raise AnswerRejectedError(str(exc)) from exc
    if proposal.items:
        # Fan-out: the edit's changed keys apply to every item; validate each item's result.
        for args in (proposal.item_args or {}).values():
            merged = {**args, **args_diff_values(proposal.args, answer.args)}
            try:
                check_proposal(step, proposal.tool, merged, catalogue)
            except ProposalRejectedError as exc:
                raise AnswerRejectedError(str(exc)) from exc
    return answer.model_copy(update={"args": model.model_dump(mode="json", exclude_unset=True)})


def args_diff_values(before: dict[str, JsonValue], after: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """The keys an edit changed, with their new values."""
    return {k: v["after"] for k, v in args_diff(before, after).items()}


def record_decision(journal: Journal, proposal: Proposal, answer: Answer, *, approver: str) -> Decision:
    """Write the decision to the ledger (once: a decision already recorded for the proposal wins)."""
    diff = (
        args_diff(proposal.args, answer.args)
        if answer.verdict == "edit" and answer.args is not None
        else None
    )
    entry = journal.record(
        DecisionRecorded(
            proposal_seq=proposal.ledger_seq,
            verdict=answer.verdict,
            approver=approver,
            reason=answer.reason or "",
            args=answer.args if answer.verdict == "edit" else None,
            diff=diff,
        ),
        actor=approver,
    )
    return Decision.from_entry(entry, proposal.id)


def recorded_decision(journal: Journal, proposal: Proposal) -> Decision | None:
    """The decision already in the ledger for this proposal (after a crash), if any."""
    entry = journal.decision(proposal.ledger_seq)
    if entry is None:
        return None
    return Decision.from_entry(entry, proposal.id)
