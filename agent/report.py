"""The case report (report.json + report.md): every claim points at its ledger entry and evidence hash.

`check_claims` refuses a report naming an IOC that is not present in the evidence it cites.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from agent.approval import printable
from agent.case.entry import LedgerEntry
from agent.case.errors import CaseError
from agent.case.evidence import EvidenceStore
from agent.case.ledger import iter_entries
from agent.case.payloads import Analysis, HostKeyDecision, LedgerKind
from agent.case.payloads import Decision as DecisionEntry
from agent.case.payloads import Proposal as ProposalEntry
from agent.executor import result_cells
from agent.state import CaseState, Execution, Finding, StepOutcome
from playbooks.schema import Playbook


class ReportClaimError(CaseError):
    """A report names a value that is not in the evidence it cites (the case stays open, nothing is lost)."""


class StepRecord(BaseModel):
    """One proposal of the case with its decision, approver and runs."""

    model_config = ConfigDict(frozen=True)

    step_id: str
    proposal_id: str
    proposal_seq: int
    tool: str
    args: dict[str, object]
    source: str
    followup: bool
    verdict: str | None
    approver: str | None
    reason: str | None
    decision_seq: int | None
    runs: list[Execution]
    analysis: str | None = None
    """The model's verdict on this proposal's evidence (untrusted model text), when one was made."""


class TimelineEvent(BaseModel):
    """An event of the incident, timed from the evidence."""

    model_config = ConfigDict(frozen=True)

    ts: str
    what: str
    finding: str
    value: str
    ledger_seq: int
    evidence_sha256: str


class HostKeyRecord(BaseModel):
    """A host key seen for the first time during the case: pinned or refused, on whose word."""

    model_config = ConfigDict(frozen=True)

    host: str
    fingerprint: str
    key_type: str
    pinned: bool
    by: str
    actor: str
    ledger_seq: int


class Report(BaseModel):
    """The whole report, as written to report.json."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    playbook_id: str
    playbook_title: str
    playbook_version: str
    hosts: list[str]
    status: str
    generated_at: str
    summary: str
    attack: list[str]
    findings: list[Finding]
    timeline: list[TimelineEvent]
    steps: list[StepRecord]
    outcomes: list[StepOutcome]
    host_keys: list[HostKeyRecord] = []
    """Host keys first seen during the case (the connections' trust), in ledger order."""


def _step_records(entries: Sequence[LedgerEntry], state: CaseState) -> list[StepRecord]:
    proposals: dict[int, tuple[ProposalEntry, int]] = {}
    decisions: dict[int, tuple[DecisionEntry, int]] = {}
    analyses: dict[str, str] = {}
    for entry in entries:
        if entry.kind == LedgerKind.ANALYSIS:
            a = Analysis.model_validate(entry.data)
            analyses[a.proposal_id] = f"{a.verdict} ({a.confidence:.2f}): {a.summary} (ledger #{entry.seq})"
        if entry.kind == LedgerKind.PROPOSAL:
            proposals[entry.seq] = (ProposalEntry.model_validate(entry.data), entry.seq)
        elif entry.kind == LedgerKind.DECISION:
            d = DecisionEntry.model_validate(entry.data)
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
            )
        )
    return records


def _host_keys(entries: Sequence[LedgerEntry]) -> list[HostKeyRecord]:
    out = []
    for entry in entries:
        if entry.kind == LedgerKind.HOST_KEY:
            d = HostKeyDecision.model_validate(entry.data)
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


def _summary(playbook: Playbook, state: CaseState) -> str:
    names: dict[str, list[str]] = {}
    for f in state.findings:
        names.setdefault(f.name, []).append(f.value)
    ran = sum(1 for o in state.outcomes if o.status == "done")
    parts = [
        f"{playbook.title} on {', '.join(state.hosts)}: {ran}/{len(playbook.steps)} steps ran, "
        f"{len(state.findings)} finding(s), case {state.status if state.status != 'open' else 'closed'}."
    ]
    for name, values in names.items():
        shown = ", ".join(values[:8]) + (f" (+{len(values) - 8} more)" if len(values) > 8 else "")
        parts.append(f"{name}: {shown}")
    return "\n".join(parts)


def build_report(case_dir: Path, playbook: Playbook, state: CaseState) -> Report:
    """Assemble the report from the final state and the ledger."""
    entries = list(iter_entries(case_dir / "ledger.jsonl"))  # read once: steps and host keys come from it
    timeline = sorted(
        (
            TimelineEvent(
                ts=t,
                what=f"{f.name} {label}",
                finding=f.name,
                value=f.value,
                ledger_seq=f.ledger_seq,
                evidence_sha256=f.evidence_sha256,
            )
            for f in state.findings
            for t, label in ((f.first_seen, "first seen"), (f.last_seen, "last seen"))
            if t is not None and (label == "first seen" or f.last_seen != f.first_seen)
        ),
        key=lambda e: e.ts,
    )
    return Report(
        case_id=state.case_id,
        playbook_id=playbook.id,
        playbook_title=playbook.title,
        playbook_version=playbook.version,
        hosts=list(state.hosts),
        status="aborted" if state.status == "aborted" else "closed",
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        summary=_summary(playbook, state),
        attack=sorted({*playbook.attack, *(a for f in state.findings for a in f.attack)}),
        findings=list(state.findings),
        timeline=timeline,
        steps=_step_records(entries, state),
        outcomes=list(state.outcomes),
        host_keys=_host_keys(entries),
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


def render_markdown(report: Report) -> str:
    """report.md: summary, timeline, findings (with ledger seq and evidence), ATT&CK, steps and decisions."""
    out = [
        f"# Case {report.case_id}: {report.playbook_title}",
        "",
        f"Playbook `{report.playbook_id}` v{report.playbook_version} · hosts {', '.join(report.hosts)} · "
        f"status **{report.status}** · generated {report.generated_at}",
        "",
        "## Summary",
        "",
    ]
    out += [line for line in report.summary.splitlines()] + ["", "## Timeline", ""]
    out += [
        f"- {e.ts} — {e.what}: `{e.value}` (ledger #{e.ledger_seq}, evidence `{e.evidence_sha256[:12]}`)"
        for e in report.timeline
    ] or ["- no timestamped events"]
    out += [
        "",
        "## Findings and IOCs",
        "",
        "| finding | kind | value | host | rows | ledger | evidence |",
        "|---|---|---|---|---|---|---|",
    ]
    out += [
        f"| {f.name} | {f.kind} | `{_cell(f.value)}` | {f.host} | {f.count} | #{f.ledger_seq} | "
        f"`{f.evidence_sha256[:12]}` |"
        for f in report.findings
    ]
    out += ["", "## ATT&CK techniques", ""] + [f"- {t}" for t in report.attack] + ["", "## Steps", ""]
    for s in report.steps:
        who = f"{s.verdict} by {s.approver} (ledger #{s.decision_seq})" if s.verdict else "no decision"
        reason = f" — {s.reason}" if s.reason else ""
        out.append(
            f"- **{s.step_id}** `{s.tool}` ({s.source}{', follow-up' if s.followup else ''}, "
            f"ledger #{s.proposal_seq}): {who}{reason}"
        )
        for r in s.runs:
            where = f"{r.host}" + (f" [{r.item}]" if r.item else "")
            result = (
                f"error {r.error_kind}: {r.error}"
                if r.error
                else f"{r.rows} rows, evidence `{(r.evidence_sha256 or '')[:12]}`"
            )
            flag = " (re-executed after a crash)" if r.reexecution else ""
            out.append(f"  - {where}: {result} (ledger #{r.ledger_seq}){flag}")
        if s.analysis:
            out.append(f"  - model analysis: {_cell(s.analysis)}")
    skipped = [o for o in report.outcomes if o.status == "condition_false"]
    out += [f"- **{o.step_id}** skipped: {o.note}" for o in skipped]
    if report.host_keys:
        out += ["", "## Host keys first seen during the case", ""]
        how = {"flag": "--trust-new-host-key", "approver": "the approver, asked", "nobody": "no one to ask"}
        out += [
            f"- {k.host}: {k.key_type} `{k.fingerprint}` **{'pinned' if k.pinned else 'refused'}** "
            f"({how.get(k.by, k.by)}: {k.actor}, ledger #{k.ledger_seq})"
            for k in report.host_keys
        ]
    # Values come from hosts under investigation: no control or bidi characters reach a viewer.
    return "\n".join(printable(line) for line in "\n".join(out).split("\n")) + "\n"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("`", "'").replace("\n", " ")[:200]


def write_report(case_dir: Path, report: Report) -> tuple[Path, Path]:
    """Write report.json and report.md (read-only once written)."""
    json_path, md_path = case_dir / "report.json", case_dir / "report.md"
    for path, text in (
        (json_path, json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"),
        (md_path, render_markdown(report)),
    ):
        if path.exists():
            path.chmod(0o644)
        path.write_text(text, encoding="utf-8")
        path.chmod(0o444)
    return json_path, md_path
