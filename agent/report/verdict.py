"""The case verdict: the playbook's conclusions over the findings and the steps' coverage, with its basis.

The status is always the deterministic one. A model's verdict is shown beside it; one more severe than the
status is listed for review, and no model answer can turn compromised or inconclusive into no_evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from agent.case.entry import LedgerEntry
from agent.case.payloads import (
    AnalysisRecorded,
    AnalysisVerdict,
    ExecutionFinished,
    ExecutionStarted,
    LedgerKind,
    ObservationRecorded,
)
from agent.case.state import Execution, Finding
from agent.report.coverage import StepCoverage, window_text
from agent.report.model import (
    Basis,
    CaseStatus,
    CaseVerdict,
    FiredConclusion,
    ModelVerdict,
    UndecidedConclusion,
)
from playbooks import CaseConclusion, Playbook, StepExamination, conclude, examinations
from tools.errors import InventoryError, TransportError

_STATUS_RANK: dict[CaseStatus, int] = {"inconclusive": 1, "no_evidence": 1, "suspicious": 2, "compromised": 3}
_MODEL_RANK: dict[AnalysisVerdict, int] = {"inconclusive": 0, "benign": 1, "suspicious": 2, "malicious": 3}


def unreached_kinds() -> frozenset[str]:
    """Error kinds that mean a run never reached its host: every TransportError (refused, unreachable, host
    key unknown or changed, auth refused, timed out, and any subclass defined since) and an InventoryError
    (its key file missing or unreadable, no credentials at all)."""
    kinds, todo = {InventoryError.__name__}, [TransportError]
    while todo:
        cls = todo.pop()
        kinds.add(cls.__name__)
        todo += cls.__subclasses__()
    return frozenset(kinds)


@dataclass
class Reach:
    """Which hosts a case's runs reached, and why each of the others was not."""

    reached: list[str] = field(default_factory=list)
    """Hosts at least one run got an answer from (a failing command counts: the host answered)."""
    unreached: dict[str, str] = field(default_factory=dict)
    """Host to the first failure of its runs, for hosts no run reached."""

    @property
    def never(self) -> bool:
        """True when runs were made and none of them reached any host."""
        return bool(self.unreached) and not self.reached

    def text(self) -> str:
        """`host: reason; host: reason` over the hosts not reached, by name (runs end in any order)."""
        return "; ".join(f"{host}: {self.unreached[host]}" for host in sorted(self.unreached))


def reach_of(runs: Iterable[tuple[str, str | None, str]]) -> Reach:
    """Reach over runs given as (host, error kind or None, error message)."""
    kinds = unreached_kinds()
    failures: dict[str, str] = {}
    reached: list[str] = []
    for host, kind, message in runs:
        if kind is not None and kind in kinds:
            failures.setdefault(host, message)
        elif host not in reached:
            reached.append(host)
    return Reach(reached=reached, unreached={h: r for h, r in failures.items() if h not in reached})


def reach_of_executions(executions: Iterable[Execution]) -> Reach:
    """Reach over a case state's executions."""
    return reach_of((e.host, e.error_kind, e.error or "") for e in executions)


def reach_in_ledger(entries: Sequence[LedgerEntry]) -> Reach:
    """Reach over the ledger's executions: each started run ends in execution_finished or an observation."""
    hosts: dict[int, str] = {}
    runs: list[tuple[str, str | None, str]] = []
    for entry in entries:
        if entry.kind == LedgerKind.EXECUTION_STARTED:
            hosts[entry.seq] = entry.payload_as(ExecutionStarted).host
        elif entry.kind == LedgerKind.EXECUTION_FINISHED:
            started = entry.payload_as(ExecutionFinished).started_seq
            runs.append((hosts.get(started, "?"), None, ""))
        elif entry.kind == LedgerKind.OBSERVATION:
            obs = entry.payload_as(ObservationRecorded)
            if obs.started_seq is not None and obs.started_seq in hosts:
                runs.append((hosts[obs.started_seq], obs.error, obs.message))
    return reach_of(runs)


def finding_counts(findings: Sequence[Finding]) -> dict[str, dict[str, int]]:
    """Extractor findings as name -> value -> rows (summed over hosts); model findings never decide."""
    out: dict[str, dict[str, int]] = {}
    for f in findings:
        if f.source == "extractor":
            values = out.setdefault(f.name, {})
            values[f.value] = values.get(f.value, 0) + f.count
    return out


def model_verdicts(entries: Sequence[LedgerEntry], status: CaseStatus) -> list[ModelVerdict]:
    """The model's analyses in ledger order, each flagged when more severe than the deterministic `status`."""
    out = []
    for entry in entries:
        if entry.kind == LedgerKind.ANALYSIS:
            a = entry.payload_as(AnalysisRecorded)
            out.append(
                ModelVerdict(
                    proposal_id=a.proposal_id,
                    verdict=a.verdict,
                    confidence=a.confidence,
                    summary=a.summary,
                    ledger_seq=entry.seq,
                    more_severe=_MODEL_RANK[a.verdict] > _STATUS_RANK[status],
                )
            )
    return out


def _basis(finding: str, values: Sequence[tuple[str, int]], findings: Sequence[Finding]) -> list[Basis]:
    out = []
    for value, count in values:
        held = [f for f in findings if f.name == finding and f.value == value and f.source == "extractor"]
        out += [
            Basis(
                finding=finding,
                value=value,
                count=count if len(held) == 1 else f.count,
                ledger_seq=f.ledger_seq,
                evidence_sha256=f.evidence_sha256,
            )
            for f in held
        ]
    return out


def examined_clause(coverage: Sequence[StepCoverage]) -> str:
    """What an absence rests on, in one clause: the sources read, their lines, span and the window."""
    ran = [c for c in coverage if c.status in ("examined", "partial")]
    seen = [c.examined for c in ran if c.examined is not None]
    sources = list(dict.fromkeys(s.path for cov in seen for s in cov.sources if s.found))
    lines = max((cov.lines_read for cov in seen if cov.lines_read is not None), default=None)
    firsts = [cov.first_ts for cov in seen if cov.first_ts]
    lasts = [cov.last_ts for cov in seen if cov.last_ts]
    parts = [f"{len(ran)} step(s)"]
    if sources:
        parts.append(", ".join(sources[:3]) + (f" (+{len(sources) - 3} more)" if len(sources) > 3 else ""))
    if lines is not None:
        parts.append(f"{lines} lines")
    if firsts and lasts:
        inferred = " (year inferred)" if any(c.year_inferred for c in ran) else ""
        parts.append(f"spanning {min(firsts)}..{max(lasts)}{inferred}")
    windows = {
        window_text(c.examined.window_since, c.examined.window_until)
        for c in ran
        if c.tool == "search_logs" and c.examined is not None
    }
    if windows:
        parts.append(
            "; ".join(
                "the whole log (no window)" if w == "no window" else f"window {w}" for w in sorted(windows)
            )
        )
    return ", ".join(parts)


def case_verdict(
    playbook: Playbook,
    findings: Sequence[Finding],
    coverage: Sequence[StepCoverage],
    entries: Sequence[LedgerEntry],
) -> CaseVerdict:
    """Decide the case from its extractor findings and step coverage; cite values with their ledger entry."""
    conclusion: CaseConclusion = conclude(playbook, finding_counts(findings), _raw(coverage))
    fired = [
        FiredConclusion(
            id=f.id,
            status=f.status,
            sentence=f.sentence,
            attack=list(f.attack),
            basis=[b for c in f.citations for b in _basis(c.finding, c.values, findings)],
        )
        for f in conclusion.fired
    ]
    status, summary = conclusion.status, conclusion.summary
    reach = reach_in_ledger(entries)
    if reach.never:  # nothing was looked at: never "no evidence", never clean
        status = "inconclusive" if status == "no_evidence" else status
        summary = f"target never reached: {reach.text()}"
    elif status == "no_evidence":
        summary += f" — examined {examined_clause(coverage)}"
    if reach.unreached and not reach.never:
        summary += f" — not reached: {reach.text()}"
    return CaseVerdict(
        status=status,
        summary=summary,
        basis=list({(b.finding, b.value, b.ledger_seq): b for f in fired for b in f.basis}.values()),
        fired=fired,
        ruled_out=list(conclusion.ruled_out),
        undecided=[UndecidedConclusion(id=u.id, reasons=list(u.reasons)) for u in conclusion.undecided],
        model=model_verdicts(entries, status),
    )


def resolve_skips(playbook: Playbook, coverage: Sequence[StepCoverage]) -> list[StepCoverage]:
    """Coverage with each skipped step's reasons extended by what its skip rests on, when that was not
    examined (a condition over a log that was never read decides nothing)."""
    resolved = examinations(playbook, _raw(coverage))
    out = []
    for c in coverage:
        exam = resolved.get(c.step_id)
        if c.status == "condition_false" and exam is not None and exam.state != "examined":
            c = c.model_copy(update={"reasons": (*c.reasons, *exam.reasons)})
        out.append(c)
    return out


def _raw(coverage: Sequence[StepCoverage]) -> dict[str, StepExamination]:
    return {
        c.step_id: StepExamination(step_id=c.step_id, state=c.status, reasons=c.reasons) for c in coverage
    }


def found_attack(verdict: CaseVerdict, findings: Sequence[Finding]) -> list[str]:
    """Techniques the evidence supports: fired conclusions' and extractor findings' (never the header)."""
    return sorted({*(t for f in verdict.fired for t in f.attack), *_extractor_attack(findings)})


def _extractor_attack(findings: Sequence[Finding]) -> set[str]:
    return {t for f in findings if f.source == "extractor" for t in f.attack}


def needs_review(verdict: CaseVerdict, coverage: Sequence[StepCoverage]) -> list[str]:
    """What a human must judge: review conclusions, more severe model verdicts, steps not examined."""
    out = [f"{f.sentence} ({f.id})" for f in verdict.fired if f.status == "review"]
    out += [
        f"the model judged {m.proposal_id} {m.verdict} ({m.confidence:.2f}): {m.summary} "
        f"(ledger #{m.ledger_seq})"
        for m in verdict.model
        if m.more_severe
    ]
    out += [
        f"step {c.step_id} {c.status.replace('_', ' ')}: {'; '.join(c.reasons) or 'no reason recorded'}"
        for c in coverage
        if c.status in ("partial", "not_examined")
    ]
    out += [f"conclusion {u.id} undecided: {'; '.join(u.reasons)}" for u in verdict.undecided]
    return out


@dataclass
class _Seen:
    rows: int = 0
    first: str | None = None
    last: str | None = None


def ranked_values(findings: Sequence[Finding], name: str) -> list[tuple[str, int, str | None, str | None]]:
    """A finding's values by rows, highest first: (value, rows, first seen, last seen) over every host."""
    acc: dict[str, _Seen] = {}
    for f in findings:
        if f.name != name:
            continue
        a = acc.setdefault(f.value, _Seen())
        a.rows += f.count
        if f.first_seen is not None:
            a.first = min(a.first or f.first_seen, f.first_seen)
        if f.last_seen is not None:
            a.last = max(a.last or f.last_seen, f.last_seen)
    return sorted(((v, a.rows, a.first, a.last) for v, a in acc.items()), key=lambda r: (-r[1], r[0]))


def weights(verdict: CaseVerdict, findings: Sequence[Finding]) -> list[str]:
    """Finding names by weight: those the fired conclusions cite first (compromised before suspicious), then
    the rest by rows."""
    order = {"compromised": 0, "suspicious": 1, "review": 2, "context": 3}
    fired = sorted(verdict.fired, key=lambda c: order.get(c.status, 4))
    cited = list(dict.fromkeys(b.finding for f in fired for b in f.basis))
    totals: Mapping[str, int] = {
        n: sum(r[1] for r in ranked_values(findings, n)) for n in {f.name for f in findings}
    }
    rest = sorted((n for n in totals if n not in cited), key=lambda n: (-totals[n], n))
    return [n for n in cited if n in totals] + rest
