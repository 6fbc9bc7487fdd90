"""report: write report.md/json, record their hashes, close the case."""

from __future__ import annotations

import hashlib

from langgraph.runtime import Runtime

from agent.case.payloads import CaseClosed, NoteRecorded, ReportWritten
from agent.case.state import CaseState
from agent.graph.context import RunContext
from agent.graph.nodes.common import CaseUpdate
from agent.report import ReportClaimError, build_report, check_claims, write_report


def report(state: CaseState, runtime: Runtime[RunContext]) -> CaseUpdate:
    """Build and check the report, write it, and close the case in the ledger and case.json."""
    ctx = runtime.context
    case = ctx.journal.case
    final = state.model_copy(update={"status": "aborted" if state.status == "aborted" else "closed"})
    # Re-run after a crash with the report already recorded: the files on disk are the ones whose hashes
    # the ledger holds; rewriting them (a new generated_at) would break that link.
    if ctx.journal.find("report") is None:
        _write_and_record(ctx, final)
    ctx.crash.reached("report:recorded")
    aborted = final.status == "aborted"
    closed = ctx.journal.record(  # after a crash: the case_closed already recorded, not a second one
        CaseClosed(
            status="aborted" if aborted else "closed",
            reason="aborted by the approver" if aborted else "playbook completed",
        ),
        actor=ctx.approver,
    )
    if case.meta.head_seq is None:  # not yet in case.json (a crash may have come between the two)
        case.mark_closed(closed)
    return {"status": final.status}


def _write_and_record(ctx: RunContext, final: CaseState) -> None:
    """Build and check the report, write report.md/json, and record their hashes."""
    case = ctx.journal.case
    built = build_report(case.dir, ctx.playbook, final)
    try:
        check_claims(built, case.evidence)
    except ReportClaimError as exc:
        ctx.journal.record(NoteRecorded(text=f"report refused: {exc}"), actor="system")
        raise
    json_path, md_path = write_report(case.dir, built)
    ctx.journal.record(
        ReportWritten(
            markdown_sha256=hashlib.sha256(md_path.read_bytes()).hexdigest(),
            json_sha256=hashlib.sha256(json_path.read_bytes()).hexdigest(),
            claims=len(built.findings),
        ),
        actor="system",
    )
