"""Guided mode: no model; each step proposes exactly its own call, with the playbook's args."""

from __future__ import annotations

from agent.proposers.base import Call, CallBudget, Done, ProposerSource, StepView


class GuidedProposer:
    """The playbook drives: one call per step, no follow-ups."""

    name = "guided"
    source: ProposerSource = "playbook"
    proposes_followups = False
    fallible = False
    deadline_s: float | None = None

    def propose(self, view: StepView, budget: CallBudget | None = None) -> Call | Done:
        """The step's own call the first time, then Done."""
        if view.own_call_done:
            return Done(rationale="guided mode runs no follow-ups")
        return Call(
            tool=view.step.tool, args=view.default_args, rationale=f"playbook step: {view.step.title}"
        )
