"""Edge functions: where the graph goes after each node (`route_after_<node>`)."""

from __future__ import annotations

from typing import Literal

from agent.case.state import CaseState


def route_after_plan(state: CaseState, total_steps: int) -> Literal["propose", "report"]:
    """Past the last step (or aborted): report; else propose the step's call."""
    return "report" if state.step_index >= total_steps or state.status == "aborted" else "propose"


def route_after_propose(state: CaseState) -> Literal["approve", "advance"]:
    """A proposal waits for a human; no proposal means the step is done."""
    return "approve" if state.proposal is not None else "advance"


def route_after_approve(state: CaseState) -> Literal["execute", "propose", "advance"]:
    """Approved or edited: run it. Denied or skipped follow-up: the proposer goes on. Else close the step."""
    decision = state.decision
    if decision is not None and decision.verdict in ("approve", "edit"):
        return "execute"
    if (
        decision is not None
        and decision.verdict in ("deny", "skip")
        and state.proposal
        and state.proposal.followup
    ):
        return "propose"
    return "advance"


def route_after_execute(state: CaseState) -> Literal["analyse", "propose"]:
    """An expired approval goes back for a fresh proposal; otherwise analyse the output."""
    return "analyse" if state.proposal is not None else "propose"


def route_after_analyse(state: CaseState, followups: bool) -> Literal["propose", "advance"]:
    """A proposer of follow-ups (a model) is asked again after the step's own call; else move on."""
    return "propose" if followups else "advance"


def route_after_advance(state: CaseState) -> Literal["plan", "report"]:
    """An abort ends the case; otherwise plan the next step."""
    return "report" if state.status == "aborted" else "plan"
