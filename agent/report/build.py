"""Build the case report (report.json + report.md): every claim points at its ledger entry and evidence hash.

`check_claims` refuses a report naming an IOC that is not present in the evidence it cites.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from agent.case.entry import LedgerEntry
from agent.case.errors import CaseError
from agent.case.evidence import EVIDENCE_DIR, EvidenceStore, result_cells
from agent.case.ledger import iter_entries
from agent.case.payloads import (
    AnalysisRecorded,
    DecisionRecorded,
    HostKeyDecided,
    LedgerKind,
    ProposalRecorded,
)
from agent.case.state import CaseState
from agent.report.coverage import StepCoverage, StepDecision, step_coverage
from agent.report.jsonsafe import dumps_inert
from agent.report.markdown import render_markdown
from agent.report.model import CaseVerdict, HostKeyRecord, Report, StepRecord, TimelineEvent
from agent.report.verdict import case_verdict, found_attack, resolve_skips
from playbooks import Playbook


class ReportClaimError(CaseError):
    """A report names a value that is not in the evidence it cites (the case stays open, nothing is lost)."""


def _step_records(entries: Sequence[LedgerEntry], state: CaseState) -> list[StepRecord]:
    proposals: dict[int, tuple[ProposalRecorded, int]] = {}
    decisions: dict[int, tuple[DecisionRecorded, int]] = {}
    analyses: dict[str, str] = {}
    for entry in entries:
        if entry.kind == LedgerKind.ANALYSIS:
            a = entry.payload_as(AnalysisRecorded)
            analyses[a.proposal_id] = f"{a.verdict} ({a.confidence:.2f}): {a.summary} (ledger #{entry.seq})"
        if entry.kind == LedgerKind.PROPOSAL:
            proposals[entry.seq] = (entry.payload_as(ProposalRecorded), entry.seq)
        elif entry.kind == LedgerKind.DECISION:
            d = entry.payload_as(DecisionRecorded)
            decisions[d.proposal_seq] = (d, entry.seq)
    records = []
    for seq, (p, _) in sorted(proposals.items()):
        pid = p.proposal_id or str(seq)
        dec = decisions.get(seq)
        records.append(
            StepRecord(
                step_id=p.step_id or "",
                proposal_id=pid,
                proposal_seq=seq,
                tool=p.tool,
                args=dict(p.args),
                source=p.source,
                followup=p.followup,
                verdict=dec[0].verdict if dec else None,
                approver=dec[0].approver if dec else None,
                reason=(dec[0].reason or None) if dec else None,
                decision_seq=dec[1] if dec else None,
                runs=[e for e in state.executions if e.proposal_id == pid],
                analysis=analyses.get(pid),
                fallback_reason=p.rationale if p.source == "fallback" else None,
            )
        )
    return records


def _host_keys(entries: Sequence[LedgerEntry]) -> list[HostKeyRecord]:
    out = []
    for entry in entries:
        if entry.kind == LedgerKind.HOST_KEY:
            d = entry.payload_as(HostKeyDecided)
            out.append(
                HostKeyRecord(
                    host=d.host,
                    fingerprint=d.fingerprint,
                    key_type=d.key_type,
                    pinned=d.pinned,
                    by=d.by,
                    actor=entry.actor,
                    ledger_seq=entry.seq,
                )
            )
    return out


def _summary(playbook: Playbook, state: CaseState, verdict: CaseVerdict, coverage: list[StepCoverage]) -> str:
    ran = sum(1 for o in state.outcomes if o.status == "done")
    counts = {s: sum(1 for c in coverage if c.status == s) for s in ("examined", "partial", "not_examined")}
    return (
        f"{verdict.summary}\n{playbook.title} on {', '.join(state.hosts)}: "
        f"{ran}/{len(playbook.steps)} steps ran ({counts['examined']} examined, {counts['partial']} partial, "
        f"{counts['not_examined']} not examined), "
        f"{len(state.findings)} finding(s)."
    )


def _timeline(state: CaseState, coverage: list[StepCoverage]) -> list[TimelineEvent]:
    inferred = {c.step_id for c in coverage if c.year_inferred}
    return sorted(
        (
            TimelineEvent(
                ts=t,
                what=f"{f.name} {label}",
                finding=f.name,
                value=f.value,
                ledger_seq=f.ledger_seq,
                evidence_sha256=f.evidence_sha256,
                year_inferred=f.step_id in inferred,
            )
            for f in state.findings
            for t, label in ((f.first_seen, "first seen"), (f.last_seen, "last seen"))
            if t is not None and (label == "first seen" or f.last_seen != f.first_seen)
        ),
        key=lambda e: e.ts,
    )


def _coverage(
    playbook: Playbook, state: CaseState, steps: list[StepRecord], evidence: EvidenceStore
) -> list[StepCoverage]:
    decisions: dict[str, list[StepDecision]] = {}
    for s in steps:
        if not s.followup:
            decisions.setdefault(s.step_id, []).append(
                StepDecision(
                    proposal_id=s.proposal_id, verdict=s.verdict, approver=s.approver, reason=s.reason
                )
            )
    return step_coverage(playbook, state.outcomes, decisions, state.executions, evidence)


def build_report(case_dir: Path, playbook: Playbook, state: CaseState) -> Report:
    """Assemble the report from the final state, the ledger and the stored results (verdict, coverage)."""
    entries = list(
        iter_entries(case_dir / "ledger.jsonl")
    )  # read once: steps, analyses, host keys come from it
    steps = _step_records(entries, state)
    coverage = _coverage(playbook, state, steps, EvidenceStore(case_dir / EVIDENCE_DIR))
    verdict = case_verdict(playbook, state.findings, coverage, entries)
    coverage = resolve_skips(playbook, coverage)
    return Report(
        case_id=state.case_id,
        playbook_id=playbook.id,
        playbook_title=playbook.title,
        playbook_version=playbook.version,
        hosts=list(state.hosts),
        status="aborted" if state.status == "aborted" else "closed",
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        summary=_summary(playbook, state, verdict, coverage),
        attack=found_attack(verdict, state.findings),
        findings=list(state.findings),
        timeline=_timeline(state, coverage),
        steps=steps,
        outcomes=list(state.outcomes),
        host_keys=_host_keys(entries),
        verdict=verdict,
        coverage=coverage,
        attack_investigated=list(playbook.attack),
    )


def check_claims(report: Report, evidence: EvidenceStore) -> None:
    """Refuse the report if any finding's value is absent from the evidence it cites.

    A value the tool derived (a key fingerprint, an intel family) is not in the raw output but in the
    parsed rows stored beside it: those rows, content-addressed by the same run, count as its evidence.
    """
    parsed: dict[str, set[str]] = {}
    for step in report.steps:
        for run in step.runs:
            if run.evidence_sha256 and run.result_sha256:
                parsed.setdefault(run.evidence_sha256, set()).add(run.result_sha256)
    cache: dict[str, bytes] = {}
    for f in report.findings:
        if f.evidence_sha256 not in cache:
            cache[f.evidence_sha256] = evidence.get(f.evidence_sha256)
        blob = cache[f.evidence_sha256]
        if f.value.encode("utf-8") in blob or f.value.lower().encode("utf-8") in blob.lower():
            continue
        derived = (cell for sha in parsed.get(f.evidence_sha256, ()) for cell in result_cells(evidence, sha))
        if any(f.value in cell for cell in derived):
            continue
        raise ReportClaimError(
            f"finding {f.name}={f.value!r} is not present in its evidence {f.evidence_sha256[:16]}…"
        )


def read_verdict(case_dir: Path) -> CaseVerdict | None:
    """The verdict of a written report.json, None when there is none (or it holds no verdict)."""
    try:
        data = json.loads((case_dir / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    verdict = data.get("verdict") if isinstance(data, dict) else None
    return CaseVerdict.model_validate(verdict) if verdict is not None else None


def write_report(case_dir: Path, report: Report) -> tuple[Path, Path]:
    """Write report.json and report.md (read-only once written)."""
    json_path, md_path = case_dir / "report.json", case_dir / "report.md"
    for path, text in (
        (json_path, dumps_inert(report.model_dump(mode="json")) + "\n"),  # UTF-8, no raw controls
        (md_path, render_markdown(report)),
    ):
        if path.exists():
            path.chmod(0o644)
        path.write_text(text, encoding="utf-8")
        path.chmod(0o444)
    return json_path, md_path
