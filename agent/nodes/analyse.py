"""analyse: turn the proposal's evidence into typed findings with the step's deterministic extractors."""

from __future__ import annotations

import json
from dataclasses import dataclass

from langgraph.runtime import Runtime

from agent.context import RunContext
from agent.journal import FindingRecorded
from agent.nodes.common import Update, current_step
from agent.state import CaseState, Execution, Finding
from playbooks.extract import extract_findings
from tools.base import Row


@dataclass
class _Acc:
    kind: str
    rows: int
    first: str | None
    last: str | None


def _rows_of(ctx: RunContext, ex: Execution) -> list[Row]:
    if ex.result_sha256 is None:
        return []
    rows = json.loads(ctx.journal.case.evidence.get(ex.result_sha256)).get("rows", [])
    return rows if isinstance(rows, list) else []


def analyse(state: CaseState, runtime: Runtime[RunContext]) -> Update:
    """Extract, deduplicate by (name, value, host), record new findings; the evidence of each is cited."""
    ctx = runtime.context
    proposal = state.proposal
    if proposal is None:
        return {}
    step = current_step(state, ctx)
    findings = list(state.findings)
    known = {(f.name, f.value, f.host): i for i, f in enumerate(findings)}
    for ex in state.executions:
        # The playbook's extractors describe the step's own call; follow-up rows are evidence, not findings.
        if ex.proposal_id != proposal.id or ex.error is not None or proposal.followup:
            continue
        rows = _rows_of(ctx, ex)
        acc: dict[tuple[str, str], _Acc] = {}
        for hit in extract_findings(step, rows, every_row=True):
            stamp = rows[hit.row].get("timestamp")
            ts = stamp if isinstance(stamp, str) else None
            a = acc.setdefault((hit.finding, hit.value), _Acc(hit.kind, 0, ts, ts))
            a.rows += 1
            if ts is not None:
                a.first = min(a.first or ts, ts)
                a.last = max(a.last or ts, ts)
        for (name, value), a in acc.items():
            finding = Finding(
                name=name,
                kind=a.kind,
                value=value,
                step_id=step.id,
                host=ex.host,
                evidence_sha256=ex.evidence_sha256 or "",
                ledger_seq=ex.ledger_seq,
                attack=tuple(ctx.playbook.attack),
                first_seen=a.first,
                last_seen=a.last,
                count=a.rows,
            )
            entry = ctx.journal.record(
                FindingRecorded(
                    name=name,
                    value=value,
                    evidence=(finding.evidence_sha256,),
                    source_seq=ex.ledger_seq,
                    summary=f"{name} = {value} ({a.rows} row(s) from {ex.tool} on {ex.host})"[:500],
                    host=ex.host,
                    finding_kind=a.kind,
                    count=a.rows,
                    first_seen=a.first,
                    last_seen=a.last,
                ),
                actor="extractor",
            )
            finding = finding.model_copy(update={"ledger_seq": entry.seq})
            key = (name, value, ex.host)
            if key in known:
                old = findings[known[key]]
                findings[known[key]] = old.model_copy(update={"count": old.count + a.rows})
            else:
                known[key] = len(findings)
                findings.append(finding)
    return {"findings": findings}
