"""execute: run an approved proposal on every host (and item), store the output as evidence, record each run.

Binding: every run is checked, from the LEDGER, against the decision recorded for the proposal (an
approve or edit verdict) and the proposal entry (tool, hosts, items, args); the checkpoint state only says
what is about to run. A run that differs (a tampered checkpoint) is refused, noted, and nothing runs.

Crash safety: a run whose execution_finished (or observation) is in the ledger is never repeated;
a run whose execution_started is there without an end is re-run under the same recorded approval
and flagged `reexecution` in the ledger.

Fleet: the hosts run at once (agent/graph/nodes/fanout.py: at most the executor's `fanout_concurrency`), each
host's items one after another in its own worker, so a host's connection serves one thread at a time.
Results keep host order, then item order. A host that cannot be reached (or refuses our key or host key)
is tried once per step: its remaining items end with the same error, untried, instead of each waiting for
the connect timeout again. A run still in flight when the fan-out stops (Ctrl-C) records no end: resume
re-runs it, flagged, as after a crash.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime

from langgraph.runtime import Runtime
from pydantic import JsonValue

from agent.approval.record import args_diff_values
from agent.case.binding import binding_problem
from agent.case.entry import LedgerEntry
from agent.case.errors import ExecutionRefusedError
from agent.case.evidence import load_result
from agent.case.payloads import (
    DecisionRecorded,
    ExecutionFinished,
    ExecutionStarted,
    NoteRecorded,
    ObservationRecorded,
)
from agent.case.state import CaseState, Decision, Execution, Proposal
from agent.graph.context import RunContext
from agent.graph.executor import fanout_concurrency
from agent.graph.nodes.common import CaseUpdate
from agent.graph.nodes.fanout import FanOutStoppedError, fan_out
from tools.base import ToolResult
from tools.errors import (
    AuthFailedError,
    HostKeyMismatchError,
    HostKeyUnknownError,
    HostUnreachableError,
    ToolError,
)

HOST_LEVEL_ERRORS = (HostUnreachableError, AuthFailedError, HostKeyUnknownError, HostKeyMismatchError)
"""Errors that say the host itself cannot be used now (not this one command): not retried in the step."""


def _args_for(proposal: Proposal, decision: Decision, item: str | None) -> dict[str, JsonValue]:
    base = proposal.item_args[item] if item is not None and proposal.item_args else proposal.args
    if decision.verdict == "edit" and decision.args is not None:
        return (
            {**base, **args_diff_values(proposal.args, decision.args)}
            if item is not None
            else dict(decision.args)
        )
    return dict(base)


def _from_entries(ctx: RunContext, proposal: Proposal, start: LedgerEntry, end: LedgerEntry) -> Execution:
    rows = 0
    if end.kind == ExecutionFinished.kind:
        rows = _row_count(ctx, end.payload_as(ExecutionFinished).result_sha256)
    return Execution.from_entries(proposal.id, start, end, rows=rows)


def _row_count(ctx: RunContext, result_sha256: str | None) -> int:
    if result_sha256 is None:
        return 0
    return len(load_result(ctx.journal.case.evidence, result_sha256).rows)


def _expired(decision: Decision, ctx: RunContext) -> bool:
    ttl = ctx.settings.approval_ttl_s
    return ttl is not None and (datetime.now(UTC) - decision.decided_at).total_seconds() > ttl


def execute(state: CaseState, runtime: Runtime[RunContext]) -> CaseUpdate:
    """Run the approved call everywhere it was approved for; tool errors become observations."""
    ctx = runtime.context
    proposal, decision = state.proposal, state.decision
    if proposal is None or decision is None or decision.verdict not in ("approve", "edit"):
        raise RuntimeError("execute reached without an approved proposal")
    _check_binding(ctx, proposal, decision)  # the structural guarantee: no matching approval, no run
    # An expired approval is asked again, unless some of its runs already started (those finish under it).
    if _expired(decision, ctx) and not ctx.journal.started_by_decision.get(decision.ledger_seq):
        ctx.journal.record(
            NoteRecorded(text=f"approval of {proposal.id} expired before it ran; asking again"),
            actor="system",
        )
        return {"proposal": None, "decision": None, "own_call_done": proposal.followup, "step_status": None}
    runs = _run_everywhere(_Step(ctx, proposal, decision))
    update: CaseUpdate = {"executions": [*state.executions, *runs]}
    if not proposal.followup:
        update["step_status"] = "done" if any(r.error is None for r in runs) else "failed"
    return update


def _check_binding(ctx: RunContext, proposal: Proposal, decision: Decision) -> None:
    """Refuse (noted in the ledger, raised) unless the ledger approves every run the state is about to do."""
    problem = _binding_problem(ctx, proposal, decision)
    if problem is None:
        return
    message = f"execution of proposal {proposal.id} refused: {problem} (checkpoint and ledger disagree)"
    ctx.journal.record(NoteRecorded(text=message), actor="system")
    raise ExecutionRefusedError(message)


def _binding_problem(ctx: RunContext, proposal: Proposal, decision: Decision) -> str | None:
    entry = ctx.journal.decision(proposal.ledger_seq)
    recorded = ctx.journal.proposal_at(proposal.ledger_seq)
    if entry is None or recorded is None:
        return f"no recorded decision on proposal entry {proposal.ledger_seq}"
    if entry.seq != decision.ledger_seq or recorded.proposal_id != proposal.id:
        return "the decision or proposal the state names is not the one in the ledger"
    approval = entry.payload_as(DecisionRecorded)
    for host in proposal.hosts:
        for item in proposal.items or (None,):
            problem = binding_problem(
                recorded,
                approval,
                tool=proposal.tool,
                host=host,
                item=item,
                args=_args_for(proposal, decision, item),
            )
            if problem is not None:
                return f"on {host}{f' [{item}]' if item is not None else ''}: {problem}"
    return None


@dataclass
class _Step:
    """One approved proposal being run on its hosts, and what its workers share."""

    ctx: RunContext
    proposal: Proposal
    decision: Decision
    stop: threading.Event = field(default_factory=threading.Event)
    crash_lock: threading.Lock = field(default_factory=threading.Lock)
    hosts_done: int = 0

    def crash_point(self, point: str) -> None:
        """Pass a crash point (the plan counts passes, so workers pass one at a time)."""
        with self.crash_lock:
            self.ctx.crash.reached(point)

    def host_done(self, host: str, runs: list[Execution]) -> None:
        """Tell the human a host finished (the graph's thread, as each host's worker ends)."""
        self.hosts_done += 1
        failed = [r for r in runs if r.error is not None]
        rows = sum(r.rows for r in runs if r.error is None)
        where = f"({self.hosts_done}/{len(self.proposal.hosts)} hosts)"
        if not failed:
            self.ctx.events.notify(f"{host}: done {rows} rows {where}")
        elif len(failed) == len(runs):
            self.ctx.events.notify(f"{host}: failed ({failed[0].error_kind}) {where}", error=True)
        else:
            text = f"{host}: done {rows} rows, {len(failed)} of {len(runs)} runs failed {where}"
            self.ctx.events.notify(text, error=True)


def _run_everywhere(step: _Step) -> list[Execution]:
    """Every (host, item) run of the step, hosts at once, in host then item order."""
    credentials = step.ctx.credentials
    answering: AbstractContextManager[None] = credentials.answering() if credentials else nullcontext()
    with answering:
        per_host = fan_out(
            step.proposal.hosts,
            lambda host: _run_host(step, host),
            concurrency=fanout_concurrency(step.ctx.executor),
            stop=step.stop,
            serve=credentials.serve if credentials else None,
            on_done=step.host_done if len(step.proposal.hosts) > 1 else None,
        )
    return [run for runs in per_host for run in runs]


def _run_host(step: _Step, host: str) -> list[Execution]:
    """One host's runs, item after item; after a host-level error its other items are not tried."""
    runs: list[Execution] = []
    down: Execution | None = None
    for item in step.proposal.items or (None,):
        if step.stop.is_set():
            raise FanOutStoppedError(f"{host}: stopped before {item or step.proposal.tool}")
        run, host_error = _run_one(step, host, item, down)
        if down is None and host_error:
            down = run
        runs.append(run)
    return runs


def _run_one(step: _Step, host: str, item: str | None, down: Execution | None) -> tuple[Execution, bool]:
    """One run and whether it failed for its host (unreachable, refused); `down`: do not try, say why."""
    ctx, proposal, decision = step.ctx, step.proposal, step.decision
    journal = ctx.journal
    start, end = journal.runs(decision.ledger_seq, host, item)
    if start is not None and end is not None:
        return _from_entries(ctx, proposal, start, end), False  # finished before a crash: not repeated
    args = _args_for(proposal, decision, item)
    start = journal.record(
        ExecutionStarted(
            decision_seq=decision.ledger_seq,
            proposal_seq=proposal.ledger_seq,
            tool=proposal.tool,
            host=host,
            args=args,
            item=item,
            reexecution=start is not None,
        ),
        actor="system",
    )
    reexecution = start.payload_as(ExecutionStarted).reexecution
    step.crash_point("execute:started")
    if down is not None:
        message = f"{down.error} (not tried again on {host} in this step)"
        kind = down.error_kind or "HostUnreachableError"
        return _observe(ctx, proposal, start, kind, message), True
    try:
        result = ctx.executor.run(proposal.tool, args, host)
    except ToolError as exc:
        if step.stop.is_set():
            raise FanOutStoppedError(f"{host}: stopped while {proposal.tool} ran") from exc
        run = _observe(ctx, proposal, start, type(exc).__name__, str(exc))
        return run, isinstance(exc, HOST_LEVEL_ERRORS)
    if step.stop.is_set():  # no end recorded: resume re-runs it, flagged
        raise FanOutStoppedError(f"{host}: stopped while {proposal.tool} ran")
    step.crash_point("execute:ran")
    end = _record_result(ctx, start, result, host=host, item=item, reexecution=reexecution)
    return _from_entries(ctx, proposal, start, end), False


def _observe(ctx: RunContext, proposal: Proposal, start: LedgerEntry, kind: str, message: str) -> Execution:
    end = ctx.journal.record(
        ObservationRecorded(tool=proposal.tool, error=kind, message=message, started_seq=start.seq),
        actor="system",
    )
    return _from_entries(ctx, proposal, start, end)


def _record_result(
    ctx: RunContext, start: LedgerEntry, result: ToolResult, *, host: str, item: str | None, reexecution: bool
) -> LedgerEntry:
    evidence = ctx.journal.case.evidence
    raw = evidence.put(result.raw)
    parsed = evidence.put(result.model_dump_json().encode("utf-8"))
    return ctx.journal.record(
        ExecutionFinished(
            started_seq=start.seq,
            tool=result.tool,
            host=host,
            host_key_fingerprint=result.host_key_fingerprint,
            argv=result.argv,
            commands=result.commands,
            exit_status=result.commands[0].exit_status if result.commands else 0,
            output_sha256=raw.sha256,
            bytes=len(result.raw),
            truncated=result.truncated,
            evidence=raw.relpath,
            duration_s=result.duration_s,
            reexecution=reexecution,
            item=item,
            result_sha256=parsed.sha256,
        ),
        actor="system",
    )
