"""Drive a case: open or resume it, run the graph, answer each approval interrupt, until it ends or pauses.

A decision is written to the ledger the moment the human gives it, before the graph resumes; after a
crash, a pending approval whose decision is already in the ledger is resumed with it, never re-asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, TypeVar

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command
from pydantic import BaseModel

from agent.approval.record import AnswerRejectedError, record_decision, recorded_decision, validate_answer
from agent.approval.request import (
    Answer,
    ApprovalRequest,
    ApprovalUnavailableError,
    Approver,
    ApproverCapabilities,
    Progress,
    capabilities_of,
)
from agent.case.checkpoints import case_checkpointer
from agent.case.state import CaseState, Execution, Finding, StepOutcome
from agent.graph.build import build_graph, compile_graph
from agent.graph.context import RunContext
from agent.report import read_verdict
from agent.report.coverage import coverage_line, coverage_warning, run_coverage

R = TypeVar("R", bound=BaseModel)
RunKey = tuple[str, str, str | None]
"""One run: (proposal id, host, item)."""


@dataclass(frozen=True)
class RunOutcome:
    """How a drive ended: the final state, or paused waiting for a human."""

    state: CaseState | None
    """Final state when the graph reached its end."""
    paused: bool
    """True when no answer could be had (the case stays open and resumable)."""


def _ask(approver: Approver, request: ApprovalRequest, ctx: RunContext) -> Answer:
    while True:
        answer = approver.ask(request)
        try:
            return validate_answer(answer, request.proposal, ctx.playbook, ctx.catalogue)
        except AnswerRejectedError as exc:
            request = request.model_copy(update={"validation_note": f"answer refused: {exc}"})


def _records(values: Mapping[str, object], key: str, record: type[R]) -> tuple[R, ...] | None:
    """The node update's list under `key` as records (None: the node left it alone)."""
    if key not in values:
        return None
    listed = values[key]
    if not isinstance(listed, list | tuple):
        raise TypeError(f"a node's update holds {type(listed).__name__} under {key!r}, not a list")
    return tuple(record.model_validate(v) for v in listed)


def _progress(values: Mapping[str, object]) -> Progress | None:
    """What a node's update changed of the steps, findings and runs (None: none of them)."""
    outcomes = _records(values, "outcomes", StepOutcome)
    findings = _records(values, "findings", Finding)
    executions = _records(values, "executions", Execution)
    if outcomes is None and findings is None and executions is None:
        return None
    return Progress(outcomes=outcomes, findings=findings, executions=executions)


def _report_runs(
    approver: Approver, executions: tuple[Execution, ...], shown: set[RunKey], ctx: RunContext
) -> None:
    """Tell the human how each new run ended (rows, or the error that became an observation) and what it
    examined; a run that examined less than asked for is a warning, shown before the next question."""
    for ex in executions:
        key = (ex.proposal_id, ex.host, ex.item)
        if key in shown:
            continue
        shown.add(key)
        where = ex.host + (f" [{ex.item}]" if ex.item else "")
        if ex.error is not None:
            approver.notify(f"{ex.tool} on {where} failed ({ex.error_kind}): {ex.error}", error=True)
        else:
            cut = ", truncated" if ex.truncated else ""
            approver.notify(
                f"{ex.tool} on {where}: {ex.rows} rows{cut}, evidence {(ex.evidence_sha256 or '')[:12]}"
            )
        cov = run_coverage(ex, ctx.journal.case.evidence)
        if cov.status == "examined":
            approver.notify(coverage_line(cov))
        else:
            approver.notify(f"warning: {where} {coverage_warning(cov)}", error=True)


def _report_verdict(approver: Approver, ctx: RunContext) -> None:
    """Tell the human the case's verdict once the report is written."""
    verdict = read_verdict(ctx.journal.case.dir)
    if verdict is not None:
        label = verdict.status.replace("_", " ")
        said = verdict.summary if verdict.summary.startswith(label) else f"{label}: {verdict.summary}"
        approver.notify(f"verdict: {said}", error=verdict.status != "no_evidence")


def _report_update(
    approver: Approver,
    can: ApproverCapabilities,
    node: str,
    values: object,
    shown: set[RunKey],
    ctx: RunContext,
) -> None:
    """Show the approver what a node's update changed, as far as it shows anything."""
    if not isinstance(values, Mapping) or not (can.notifies or can.shows_progress):
        return
    progress = _progress(values)
    if progress is None:
        return
    if node == "execute" and can.notifies and progress.executions is not None:
        _report_runs(approver, progress.executions, shown, ctx)
    if can.shows_progress:
        approver.progressed(progress)


def drive(
    ctx: RunContext,
    approver: Approver,
    initial: CaseState | None,
    *,
    checkpointer: BaseCheckpointSaver[Any] | None = None,
) -> RunOutcome:
    """Run (or continue) the case's graph; `initial` None continues from the last checkpoint.

    `checkpointer`: where the graph's checkpoints go (a Postgres saver for teams, the benchmark's variants);
    None: the case's own SQLite file, opened for this drive and closed after it.
    """
    can = capabilities_of(approver)
    if ctx.credentials is not None:  # host keys and passphrases the tools need are asked of this approver
        ctx.credentials.approver = approver
    ctx.events.bind(approver)
    graph = build_graph(total_steps=len(ctx.playbook.steps), followups=ctx.proposer.proposes_followups)
    config: RunnableConfig = {"configurable": {"thread_id": ctx.journal.case.id}}
    saving = nullcontext(checkpointer) if checkpointer is not None else case_checkpointer(ctx.journal.case)
    with saving as saver:
        app = compile_graph(graph, saver)
        snapshot = app.get_state(config)
        payload: CaseState | Command[Any] | None = initial if not snapshot.values else None
        if payload is None and not snapshot.values:
            raise RuntimeError("nothing to resume: the case has no checkpoint and no initial state")
        before = CaseState.model_validate(snapshot.values) if snapshot.values else None
        shown: set[RunKey] = {(e.proposal_id, e.host, e.item) for e in before.executions} if before else set()
        if before is not None and can.shows_progress:
            approver.progressed(
                Progress(
                    outcomes=tuple(before.outcomes),
                    findings=tuple(before.findings),
                    executions=tuple(before.executions),
                )
            )
        while True:
            for update in app.stream(payload, config, context=ctx, durability="sync", stream_mode="updates"):
                for node, values in update.items():
                    _report_update(approver, can, node, values, shown, ctx)
                    if not node.startswith("__"):
                        ctx.crash.reached(f"after:{node}")
            snapshot = app.get_state(config)
            if not snapshot.interrupts:
                if can.notifies:
                    _report_verdict(approver, ctx)
                return RunOutcome(state=CaseState.model_validate(snapshot.values), paused=False)
            request = ApprovalRequest.model_validate(snapshot.interrupts[0].value)
            decision = recorded_decision(ctx.journal, request.proposal)
            if decision is None:
                try:
                    answer = _ask(approver, request, ctx)
                except ApprovalUnavailableError:
                    return RunOutcome(state=None, paused=True)
                decision = record_decision(ctx.journal, request.proposal, answer, approver=ctx.approver)
            payload = Command(resume=decision.ledger_seq)  # approve reads the decision at this seq
