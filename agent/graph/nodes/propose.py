"""propose: ask for one call inside the step's allowance; anything else is refused before a human sees it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from langgraph.runtime import Runtime
from pydantic import JsonValue

from agent.case.payloads import ProposalRecorded, RefusalRecorded
from agent.case.state import CaseState, Proposal, ProposalSource
from agent.graph.context import RunContext
from agent.graph.nodes.common import CaseUpdate, bound_inputs, current_step, findings_by_name, step_view
from agent.llm.budget import Deadline
from agent.proposers.base import Call, CallBudget, Done, ModelOutputError
from agent.proposers.guided import GuidedProposer
from playbooks import (
    CaseWindow,
    PlaybookError,
    ProposalRejectedError,
    Step,
    check_proposer_call,
    fanout_items,
    inherit,
    resolve_args,
)


def _validated(
    step: Step,
    tool: str,
    args: dict[str, Any],
    ctx: RunContext,
    window: CaseWindow | None,
    pinned: Mapping[str, object],
    *,
    followup: bool = False,
) -> dict[str, JsonValue]:
    """The args checked against the step's allowance, with the case window filled in where the tool takes
    `since`/`until` and the proposer left them unset (a model's follow-up inherits the window too).
    `pinned`: the playbook's resolved args for the step's own call (empty for a `followup`)."""
    pins = _pins(step, tool, ctx, window, pinned)
    if window is not None and tool in ctx.catalogue:
        args = inherit(args, window.tool_args(ctx.catalogue[tool].arg_names()))
    model = check_proposer_call(step, tool, args, ctx.catalogue, pinned=pins, followup=followup)
    return model.model_dump(mode="json", exclude_unset=True)


def _pins(
    step: Step, tool: str, ctx: RunContext, window: CaseWindow | None, pinned: Mapping[str, object]
) -> dict[str, object]:
    """What a proposer may not change: the playbook's args (the step's own tool only) and the window."""
    own = dict(pinned) if tool == step.tool else {}  # empty after the own call: default_args is {}
    if window is None or tool not in ctx.catalogue:
        return own
    return inherit(own, window.tool_args(ctx.catalogue[tool].arg_names()))


def _refusal_detail(
    raw: str,
    step: Step,
    ctx: RunContext,
    window: CaseWindow | None,
    pinned: Mapping[str, object],
    *,
    followup: bool,
) -> tuple[str | None, str | None]:
    """The tool a garbage answer named and why the allowance refuses it, when that can be told."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None, None
    if not isinstance(data, dict) or not isinstance(data.get("tool"), str):
        return None, None
    tool = data["tool"][:80]
    args = data.get("args")
    try:
        _validated(step, tool, args if isinstance(args, dict) else {}, ctx, window, pinned, followup=followup)
    except ProposalRejectedError as exc:
        return tool, str(exc)
    return tool, None


def _refused_reason(tries: int, feedback: str | None) -> str:
    """Why the model's answers led to the fallback, when no deadline stopped it."""
    last = f" (last: {feedback[:300]})" if feedback else ""
    return f"the model's answer was refused {tries} time{'s' if tries != 1 else ''}{last}"


def fallback_rationale(reason: str, playbook_rationale: str) -> str:
    """The rationale of a fallback proposal: why the model's proposal is missing, then the playbook's own."""
    return f"model unavailable: {reason}; proposing the playbook's own call ({playbook_rationale})"


def propose(state: CaseState, runtime: Runtime[RunContext]) -> CaseUpdate:
    """Record one proposal (reusing a recorded one after a crash), or note the step is done."""
    ctx = runtime.context
    step = current_step(state, ctx)
    proposal_id = f"{step.id}#{state.step_proposals + 1}"
    findings = findings_by_name(state.findings)
    inputs = bound_inputs(state)
    items = fanout_items(step, findings) if not state.own_call_done else None
    window = state.window
    accepted = ctx.catalogue[step.tool].arg_names() if step.tool in ctx.catalogue else ()
    try:
        # Follow-ups take the model's args; only the step's own call is resolved from the playbook.
        item_args = (
            {i: resolve_args(step, inputs, findings, i, window=window, tool_args=accepted) for i in items}
            if items
            else None
        )
        if state.own_call_done:
            default_args: Mapping[str, object] = {}
        else:
            first = next(iter(item_args.values())) if item_args else None
            default_args = (
                first
                if first is not None
                else resolve_args(step, inputs, findings, window=window, tool_args=accepted)
            )
    except PlaybookError as exc:
        ctx.journal.record(
            RefusalRecorded(
                reason=f"step {step.id}: {exc}", tool=step.tool, attempt_id=f"{proposal_id}/args"
            ),
            actor="playbook",
        )
        return {"proposal": None, "own_call_done": True, "step_status": "failed"}

    if state.own_call_done and (
        not step.followups or sum(state.followups_used.values()) >= ctx.settings.max_followups
    ):
        return {"proposal": None}
    recorded = ctx.journal.proposal(proposal_id)
    if recorded is not None:  # re-run after a crash: the proposal stands, the model is not asked again
        return _update(state, Proposal.from_entry(recorded))

    checked_items: dict[str, dict[str, JsonValue]] | None = None
    if item_args:  # every item's args must fit the tool; an item that does not is refused, the rest run
        checked_items = {}
        for item, args in item_args.items():
            try:
                checked_items[item] = _validated(step, step.tool, dict(args), ctx, window, args)
            except ProposalRejectedError as exc:
                ctx.journal.record(
                    RefusalRecorded(
                        reason=f"item {item!r}: {exc}",
                        tool=step.tool,
                        attempt_id=f"{proposal_id}/item/{item}",
                    ),
                    actor="playbook",
                )
        if not checked_items:
            return {"proposal": None, "own_call_done": True, "step_status": "failed"}
        items = list(checked_items)
        default_args = next(iter(checked_items.values()))

    answer: Call | Done | None = None
    source: ProposalSource = ctx.proposer.source
    feedback: str | None = None
    stopped: str | None = None  # why the model was not asked again (its deadline passed)
    # The playbook's own proposal is deterministic: one try; a model gets a bounded number of retries, all
    # within one deadline: a server that never answers costs the proposal its deadline once, not per try.
    attempts = ctx.settings.max_refusals if ctx.proposer.fallible else 1
    deadline = Deadline(ctx.proposer.deadline_s) if ctx.proposer.deadline_s is not None else None
    budget = CallBudget(deadline=deadline, on_progress=ctx.events.model_progress)
    tries = 0
    for attempt in range(1, attempts + 1):
        view = step_view(state, ctx, dict(default_args), feedback=feedback)
        tries = attempt
        try:
            answer = ctx.proposer.propose(view, budget)
            if isinstance(answer, Call):
                if checked_items is not None:  # a fan-out's args come from the playbook, per item
                    answer = answer.model_copy(update={"tool": step.tool, "args": dict(default_args)})
                answer = answer.model_copy(
                    update={
                        "args": _validated(
                            step,
                            answer.tool,
                            dict(answer.args),
                            ctx,
                            window,
                            default_args,
                            followup=state.own_call_done,
                        )
                    }
                )
            break
        except (ModelOutputError, ProposalRejectedError) as exc:
            raw = exc.raw if isinstance(exc, ModelOutputError) else ""
            tool, precise = _refusal_detail(
                raw, step, ctx, window, default_args, followup=state.own_call_done
            )
            feedback = precise or str(exc)
            ctx.journal.record(
                RefusalRecorded(reason=feedback, tool=tool, raw=raw, attempt_id=f"{proposal_id}/{attempt}"),
                actor=ctx.proposer.source,
            )
            answer = None
            if isinstance(exc, ModelOutputError) and exc.final:
                stopped = str(exc)
                break
            if deadline is not None and deadline.expired:
                stopped = f"no acceptable answer within the {deadline.seconds:g} s deadline ({attempt} tries)"
                break
    ctx.events.progress(None)
    if answer is None and ctx.proposer.fallible:
        reason = stopped or _refused_reason(tries, feedback)
        answer = GuidedProposer().propose(step_view(state, ctx, dict(default_args), feedback=None))
        source = "fallback"
        if isinstance(answer, Call):
            try:
                answer = answer.model_copy(
                    update={
                        "rationale": fallback_rationale(reason, answer.rationale),
                        "args": _validated(
                            step,
                            step.tool,
                            dict(answer.args),
                            ctx,
                            window,
                            default_args,
                            followup=state.own_call_done,
                        ),
                    }
                )
                ctx.events.notify(
                    f"model unavailable: {reason}; proposing the playbook's own call", error=True
                )
            except ProposalRejectedError as exc:
                ctx.journal.record(
                    RefusalRecorded(reason=str(exc), tool=step.tool, attempt_id=f"{proposal_id}/fallback"),
                    actor="playbook",
                )
                ctx.events.notify(
                    f"model unavailable: {reason}; the playbook's own call is refused: {exc}", error=True
                )
                answer = None
        else:
            ctx.events.notify(f"model unavailable: {reason}; no follow-up proposed", error=True)
    if answer is None:  # nothing valid to propose: the step fails, recorded; the case goes on
        return {"proposal": None, "own_call_done": True, "step_status": "failed"}
    if isinstance(answer, Done):
        return {"proposal": None, "own_call_done": True}

    followup = state.own_call_done
    payload = ProposalRecorded(
        tool=answer.tool,
        args=dict(answer.args),
        host=state.hosts[0],
        step_id=step.id,
        source=source,
        rationale=answer.rationale[:2000],
        proposal_id=proposal_id,
        hosts=state.hosts,
        items=tuple(items) if items and not followup else None,
        item_args=checked_items if checked_items and not followup else None,
        cites=answer.cites,
        followup=followup,
    )
    entry = ctx.journal.record(payload, actor=source)
    return _update(state, Proposal.from_entry(entry))


def _update(state: CaseState, proposal: Proposal) -> CaseUpdate:
    used = dict(state.followups_used)
    if proposal.followup:
        used[proposal.tool] = used.get(proposal.tool, 0) + 1
    return {
        "proposal": proposal,
        "decision": None,
        "step_proposals": state.step_proposals + 1,
        "step_proposal_ids": [*state.step_proposal_ids, proposal.id],
        "followups_used": used,
    }
