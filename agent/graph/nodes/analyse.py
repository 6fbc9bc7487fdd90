"""analyse: turn the proposal's evidence into typed findings with the step's deterministic extractors.

A finding carries the ATT&CK techniques its extractor declares, never the playbook header's list: a
technique is claimed only where a value supports it.
"""

from __future__ import annotations

from dataclasses import dataclass

from langgraph.runtime import Runtime

from agent.case.evidence import load_result
from agent.case.payloads import AnalysisRecorded, FindingRecorded, RefusalRecorded
from agent.case.state import CaseState, Execution, Finding, Proposal
from agent.graph.context import RunContext
from agent.graph.nodes.common import CaseUpdate, current_step, step_view
from agent.llm.budget import Deadline
from agent.proposers.analysis import parse_analysis, value_in_evidence
from agent.proposers.base import CallBudget, ModelOutputError
from playbooks import extract_findings
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
    return load_result(ctx.journal.case.evidence, ex.result_sha256).rows


def _events(row: Row) -> int:
    """Events a row stands for: a folded `message repeated N times` line is N attempts, not one."""
    repeat = row.get("repeat")
    return repeat if isinstance(repeat, int) and not isinstance(repeat, bool) and repeat > 1 else 1


def analyse(state: CaseState, runtime: Runtime[RunContext]) -> CaseUpdate:
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
            a.rows += _events(rows[hit.row])
            if ts is not None:
                a.first = min(a.first or ts, ts)
                a.last = max(a.last or ts, ts)
        for (name, value), a in acc.items():
            entry = ctx.journal.record(
                FindingRecorded(
                    name=name,
                    value=value,
                    evidence=(ex.evidence_sha256 or "",),
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
            attack = tuple(step.extract[name].attack) if name in step.extract else ()
            finding = Finding.from_entry(entry, step_id=step.id, attack=attack)
            key = (name, value, ex.host)
            if key in known:
                old = findings[known[key]]
                findings[known[key]] = old.model_copy(update={"count": old.count + a.rows})
            else:
                known[key] = len(findings)
                findings.append(finding)
    if ctx.analyst is not None:
        _model_analysis(state, ctx, proposal, findings, known)
    return {"findings": findings}


def _model_analysis(
    state: CaseState,
    ctx: RunContext,
    proposal: Proposal,
    findings: list[Finding],
    known: dict[tuple[str, str, str], int],
) -> None:
    """Ask the model once per proposal (a recorded analysis is reused after a crash); keep only the findings
    whose value is in the evidence they cite; refuse and record the others."""
    runs = {
        ex.evidence_sha256: ex
        for ex in state.executions
        if ex.proposal_id == proposal.id and ex.error is None and ex.evidence_sha256
    }
    if not runs or ctx.analyst is None:
        return
    store = ctx.journal.case.evidence
    recorded = ctx.journal.find(f"analysis:{proposal.id}")
    if recorded is not None:
        answer = parse_analysis(recorded.payload_as(AnalysisRecorded).raw, list(runs))
    else:
        view = step_view(state, ctx, {}, feedback=None)
        view = view.model_copy(update={"evidence": tuple(e for e in view.evidence if e.sha256 in runs)})
        try:
            seconds = ctx.analyst.deadline_s
            deadline = Deadline(seconds) if seconds is not None else None
            budget = CallBudget(deadline=deadline, on_progress=ctx.events.model_progress)
            answer, raw = ctx.analyst.analyse(view, budget)
        except ModelOutputError as exc:
            ctx.events.progress(None)
            ctx.journal.record(
                RefusalRecorded(
                    reason=f"analysis refused: {exc}", raw=exc.raw, attempt_id=f"{proposal.id}/analysis"
                ),
                actor="model",
            )
            ctx.events.notify(f"model analysis unavailable: {exc}", error=True)
            return
        ctx.events.progress(None)
        ctx.journal.record(
            AnalysisRecorded(
                proposal_id=proposal.id,
                verdict=answer.verdict,
                confidence=answer.confidence,
                summary=answer.summary,
                attack=tuple(answer.attack),
                raw=raw[:20000],
            ),
            actor="model",
        )
    for i, mf in enumerate(answer.findings):
        ex = runs[mf.evidence]
        if not value_in_evidence(mf.value, ex, store):
            ctx.journal.record(
                RefusalRecorded(
                    reason=f"model finding {mf.name}={mf.value!r} is not in evidence {mf.evidence[:16]}",
                    attempt_id=f"{proposal.id}/finding/{i}",
                ),
                actor="model",
            )
            continue
        name = f"model.{mf.name}"
        entry = ctx.journal.record(
            FindingRecorded(
                name=name,
                value=mf.value,
                evidence=(mf.evidence,),
                source_seq=ex.ledger_seq,
                summary=f"model ({answer.verdict}, {answer.confidence:.2f}): {mf.kind} {mf.value}"[:500],
                host=ex.host,
                finding_kind=mf.kind,
            ),
            actor="model",
        )
        if (name, mf.value, ex.host) in known:
            continue
        known[(name, mf.value, ex.host)] = len(findings)
        findings.append(
            Finding.from_entry(
                entry,
                step_id=proposal.step_id,
                attack=tuple(answer.attack),
                confidence=answer.confidence,
                source="model",
            )
        )
