"""What an approval allows to run: the tool and args a decision binds, per host and fan-out item.

The one definition shared by `execute` (which refuses a run that differs) and `audit verify` (which flags
a recorded execution that differs): approve runs the proposal entry's args (an item's own args in a
fan-out); edit runs the decision's args, and in a fan-out the keys the edit changed apply to every item.
"""

from __future__ import annotations

from pydantic import JsonValue

from agent.case.canonical import canonical_json
from agent.case.payloads import DecisionRecorded, ProposalRecorded


def approved_args(
    proposal: ProposalRecorded, decision: DecisionRecorded, item: str | None
) -> dict[str, JsonValue]:
    """The args the decision allows for one run (item None: the proposal's own call)."""
    base = proposal.item_args[item] if item is not None and proposal.item_args else proposal.args
    if decision.verdict == "edit" and decision.args is not None:
        if item is None:
            return dict(decision.args)
        before, after = proposal.args, decision.args
        changed = {k: after.get(k) for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}
        return {**base, **changed}
    return dict(base)


def same_json(a: JsonValue, b: JsonValue) -> bool:
    """True when two JSON values have the same canonical form (tuples and lists alike)."""
    return canonical_json(a) == canonical_json(b)


def binding_problem(
    proposal: ProposalRecorded,
    decision: DecisionRecorded,
    *,
    tool: str,
    host: str,
    item: str | None,
    args: dict[str, JsonValue],
) -> str | None:
    """Why running `tool(args)` on `host` (for `item`) is not what the decision approved; None when it is."""
    if not decision.approved:
        return f"the recorded decision is '{decision.verdict}', not an approval"
    if tool != proposal.tool:
        return f"tool {tool} is not the approved {proposal.tool}"
    if host not in (proposal.hosts or (proposal.host,)):
        return f"host {host} is not one the proposal named"
    if proposal.items is not None and item not in proposal.items:
        return f"item {item!r} is not one the proposal listed"
    if proposal.items is None and item is not None:
        return f"item {item!r} given for a proposal with no fan-out"
    if not same_json(args, approved_args(proposal, decision, item)):
        return "args differ from the approved ones"
    return None
