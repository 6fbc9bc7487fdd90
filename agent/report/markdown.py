"""report.md: the verdict first, then key facts, what needs review, coverage, and the record of the case.

Every value and sentence may carry attacker text: values are inert code spans, sentences are escaped
(`agent.report.mdsafe`), and every line goes through `printable`.
"""

from __future__ import annotations

from agent.approval.request import printable
from agent.report.coverage import StepCoverage, describe
from agent.report.mdsafe import code, text
from agent.report.model import CaseVerdict, Report
from agent.report.verdict import needs_review, ranked_values, weights

TOP_VALUES = 5  # per finding among the key facts; the findings table below lists every value


def _verdict(report: Report, verdict: CaseVerdict | None) -> list[str]:
    if verdict is None:
        return ["## Verdict", "", "**not decided** (this report was built without a verdict)", ""]
    lines = report.summary.splitlines()
    label = verdict.status.replace("_", " ")
    rest = verdict.summary[len(label) :] if verdict.summary.startswith(label) else f": {verdict.summary}"
    gap = " " if rest[:1].isspace() else ""
    out = ["## Verdict", "", f"**{text(label.upper())}**{gap}{text(rest)}", ""]
    out += ([text(line, line_start=True) for line in lines[1:]] + [""]) if len(lines) > 1 else []
    for f in verdict.fired:
        seqs = ", ".join(f"#{b.ledger_seq}" for b in f.basis[:5]) + (" …" if len(f.basis) > 5 else "")
        out.append(
            f"- {text(f.status)}: {text(f.sentence)} ({code(f.id)}" + (f"; ledger {seqs})" if seqs else ")")
        )
    out += [f"- {text(r)} (ruled out on examined evidence)" for r in verdict.ruled_out]
    for m in verdict.model:
        out.append(
            f"- model, beside the verdict (not deciding it): {text(m.verdict)} ({m.confidence:.2f}) "
            f"on {code(m.proposal_id)}: {text(m.summary, 200)} (ledger #{m.ledger_seq})"
        )
    return [*out, ""] if out[-1] else out


def _key_facts(report: Report) -> list[str]:
    out = ["## Key facts", ""]
    findings = [f for f in report.findings if f.source == "extractor"]
    inferred_steps = {c.step_id for c in report.coverage if c.year_inferred}
    for name in weights(report.verdict or CaseVerdict(status="inconclusive", summary=""), findings):
        ranked = ranked_values(findings, name)
        mark = (
            " (year inferred)"
            if any(f.name == name and f.step_id in inferred_steps for f in findings)
            else ""
        )
        total = sum(r[1] for r in ranked)
        shown = []
        for value, rows, first, last in ranked[:TOP_VALUES]:
            when = (
                f" ({code(first)}..{code(last)}{mark})"
                if first and last and first != last
                else (f" ({code(first)}{mark})" if first else "")
            )
            shown.append(f"{code(value)} ×{rows}{when}")
        rest = len(ranked) - TOP_VALUES
        more = f"; {rest} other value(s), all in the findings table" if rest > 0 else ""
        out.append(f"- **{text(name)}** ({len(ranked)} value(s), {total} row(s)): {'; '.join(shown)}{more}")
    return out + (["- no findings"] if len(out) == 2 else []) + [""]


def _coverage_line(c: StepCoverage) -> str:
    if c.status == "condition_false":
        return f"- **{text(c.step_id)}** not run, {text('; '.join(c.reasons))}"
    parts: list[str] = []
    counts: list[str] = []
    if c.examined is not None:
        found = [s.path for s in c.examined.sources if s.found]
        missing = [s.path for s in c.examined.sources if not s.found]
        if found or missing:
            read = ", ".join(code(s) for s in found) or "nothing"
            gone = ", ".join(code(s) for s in missing)
            parts.append(f"read {read}" + (f", missing {gone}" if missing else ""))
        described, counts = describe(c.examined, whole_log=c.tool == "search_logs", files=False, span="span ")
        parts += [text(d) for d in described]
    runs = f"{c.runs} run(s)" + (f", {c.failed_runs} failed" if c.failed_runs else "")
    line = f"- **{text(c.step_id)}** {text(c.status.replace('_', ' '))} ({code(c.tool)}, {runs}): "
    line += "; ".join(parts) + (f"; {text(', '.join(counts))}" if counts else "")
    return line + (f" — {text('; '.join(c.reasons))}" if c.reasons else "")


def _record(report: Report) -> list[str]:
    out = ["## Timeline", ""]
    out += [
        f"- {code(e.ts)}{' (year inferred)' if e.year_inferred else ''} — {text(e.what)}: {code(e.value)} "
        f"(ledger #{e.ledger_seq}, evidence {code(e.evidence_sha256[:12])})"
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
        f"| {text(f.name)} | {text(f.kind)} | {code(f.value, table=True)} | {text(f.host)} | {f.count} | "
        f"#{f.ledger_seq} | {code(f.evidence_sha256[:12], table=True)} |"
        for f in report.findings
    ]
    out += ["", "## ATT&CK techniques", ""]
    out += [f"- {text(t)}" for t in report.attack] or ["- none supported by the evidence"]
    if report.attack_investigated:
        investigated = text(", ".join(report.attack_investigated))
        out.append(f"- investigated by the playbook (not a finding): {investigated}")
    out += ["", "## Steps", ""]
    for s in report.steps:
        who = (
            f"{text(s.verdict)} by {text(s.approver or '?')} (ledger #{s.decision_seq})"
            if s.verdict
            else "no decision"
        )
        reason = f" — {text(s.reason, 200)}" if s.reason else ""
        out.append(
            f"- **{text(s.step_id)}** {code(s.tool)} ({text(s.source)}{', follow-up' if s.followup else ''}, "
            f"ledger #{s.proposal_seq}): {who}{reason}"
        )
        for r in s.runs:
            where = text(r.host) + (f" \\[{code(r.item)}\\]" if r.item else "")
            result = (
                f"**failed**, error {text(r.error_kind or '?')}: {text(r.error)}"
                if r.error
                else f"{r.rows} rows, evidence {code((r.evidence_sha256 or '')[:12])}"
            )
            flag = " (re-executed after a crash)" if r.reexecution else ""
            out.append(f"  - {where}: {result} (ledger #{r.ledger_seq}){flag}")
        if s.analysis:
            out.append(f"  - model analysis: {text(s.analysis, 200)}")
    out += [
        f"- **{text(o.step_id)}** skipped: {text(o.note or '')}"
        for o in report.outcomes
        if o.status == "condition_false"
    ]
    if report.host_keys:
        out += ["", "## Host keys first seen during the case", ""]
        how = {"flag": "--trust-new-host-key", "approver": "the approver, asked", "nobody": "no one to ask"}
        out += [
            f"- {text(k.host)}: {text(k.key_type)} {code(k.fingerprint)} "
            f"**{'pinned' if k.pinned else 'refused'}** "
            f"({text(how.get(k.by, k.by))}: {text(k.actor)}, ledger #{k.ledger_seq})"
            for k in report.host_keys
        ]
    return out


def _fallbacks(report: Report) -> list[str]:
    """Which proposals the playbook made in the model's place, and why (none: no section)."""
    fell = [s for s in report.steps if s.fallback_reason]
    if not fell:
        return []
    out = ["## Proposals the model did not make", ""]
    for s in fell:
        why = text(s.fallback_reason or "", 400)
        out.append(f"- **{text(s.step_id)}** {code(s.proposal_id)} (ledger #{s.proposal_seq}): {why}")
    return [*out, ""]


def render_markdown(report: Report) -> str:
    """report.md: verdict, key facts, needs review, coverage; then timeline, findings, ATT&CK, steps, keys."""
    out = [
        f"# Case {text(report.case_id)}: {text(report.playbook_title)}",
        "",
        f"Playbook {code(report.playbook_id)} v{text(report.playbook_version)} · "
        f"hosts {text(', '.join(report.hosts))} · status **{text(report.status)}** · "
        f"generated {code(report.generated_at)}",
        "",
    ]
    out += _verdict(report, report.verdict)
    out += _key_facts(report)
    review = needs_review(report.verdict, report.coverage) if report.verdict else []
    out += ["## Needs review", ""] + ([f"- {text(r)}" for r in review] or ["- nothing"]) + [""]
    out += _fallbacks(report)
    out += ["## Coverage", ""] + ([_coverage_line(c) for c in report.coverage] or ["- no coverage recorded"])
    out += ["", *_record(report)]
    # Values come from hosts under investigation: no control or bidi characters reach a viewer.
    return "\n".join(printable(line) for line in "\n".join(out).split("\n")) + "\n"
