"""report.md: the verdict first, then key facts, what needs review, coverage, and the record of the case.

Every value and sentence may carry attacker text: cells are escaped and every line goes through `printable`.
"""

from __future__ import annotations

from agent.approval import printable
from agent.coverage import StepCoverage, describe
from agent.report.model import CaseVerdict, Report
from agent.report.verdict import needs_review, ranked_values, weights

TOP_VALUES = 5  # per finding among the key facts; the findings table below lists every value


def _cell(value: str, limit: int = 200) -> str:
    return value.replace("|", "\\|").replace("`", "'").replace("\n", " ")[:limit]


def _text(value: str) -> str:
    """A sentence (verdict, reason) on one line: cells' escaping, a longer bound."""
    return _cell(value, 2000)


def _verdict(report: Report, verdict: CaseVerdict | None) -> list[str]:
    if verdict is None:
        return ["## Verdict", "", "**not decided** (this report was built without a verdict)", ""]
    lines = report.summary.splitlines()
    label = verdict.status.replace("_", " ")
    rest = verdict.summary[len(label) :] if verdict.summary.startswith(label) else f": {verdict.summary}"
    out = ["## Verdict", "", f"**{label.upper()}**{_text(rest)}", ""]
    out += ([_text(line) for line in lines[1:]] + [""]) if len(lines) > 1 else []
    for f in verdict.fired:
        seqs = ", ".join(f"#{b.ledger_seq}" for b in f.basis[:5]) + (" …" if len(f.basis) > 5 else "")
        out.append(f"- {f.status}: {_text(f.sentence)} (`{f.id}`" + (f"; ledger {seqs})" if seqs else ")"))
    out += [f"- {_text(r)} (ruled out on examined evidence)" for r in verdict.ruled_out]
    for m in verdict.model:
        out.append(
            f"- model, beside the verdict (not deciding it): {m.verdict} ({m.confidence:.2f}) "
            f"on {m.proposal_id}: {_cell(m.summary)} (ledger #{m.ledger_seq})"
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
                f" ({first}..{last}{mark})"
                if first and last and first != last
                else (f" ({first}{mark})" if first else "")
            )
            shown.append(f"`{_cell(value)}` ×{rows}{when}")
        rest = len(ranked) - TOP_VALUES
        more = f"; {rest} other value(s), all in the findings table" if rest > 0 else ""
        out.append(f"- **{name}** ({len(ranked)} value(s), {total} row(s)): {'; '.join(shown)}{more}")
    return out + (["- no findings"] if len(out) == 2 else []) + [""]


def _coverage_line(c: StepCoverage) -> str:
    if c.status == "condition_false":
        return f"- **{c.step_id}** not run, {_text('; '.join(c.reasons))}"
    parts: list[str] = []
    counts: list[str] = []
    if c.examined is not None:
        found = [s.path for s in c.examined.sources if s.found]
        missing = [s.path for s in c.examined.sources if not s.found]
        if found or missing:
            read = ", ".join(f"`{_cell(s)}`" for s in found) or "nothing"
            gone = ", ".join(f"`{_cell(s)}`" for s in missing)
            parts.append(f"read {read}" + (f", missing {gone}" if missing else ""))
        described, counts = describe(c.examined, whole_log=c.tool == "search_logs", files=False, span="span ")
        parts += described
    runs = f"{c.runs} run(s)" + (f", {c.failed_runs} failed" if c.failed_runs else "")
    line = f"- **{c.step_id}** {c.status.replace('_', ' ')} (`{c.tool}`, {runs}): " + "; ".join(parts)
    line += f"; {', '.join(counts)}" if counts else ""
    return line + (f" — {_text('; '.join(c.reasons))}" if c.reasons else "")


def _record(report: Report) -> list[str]:
    out = ["## Timeline", ""]
    out += [
        f"- {e.ts}{' (year inferred)' if e.year_inferred else ''} — {e.what}: `{_cell(e.value)}` "
        f"(ledger #{e.ledger_seq}, evidence `{e.evidence_sha256[:12]}`)"
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
    out += ["", "## ATT&CK techniques", ""]
    out += [f"- {t}" for t in report.attack] or ["- none supported by the evidence"]
    if report.attack_investigated:
        out.append(f"- investigated by the playbook (not a finding): {', '.join(report.attack_investigated)}")
    out += ["", "## Steps", ""]
    for s in report.steps:
        who = f"{s.verdict} by {s.approver} (ledger #{s.decision_seq})" if s.verdict else "no decision"
        reason = f" — {_cell(s.reason)}" if s.reason else ""
        out.append(
            f"- **{s.step_id}** `{s.tool}` ({s.source}{', follow-up' if s.followup else ''}, "
            f"ledger #{s.proposal_seq}): {who}{reason}"
        )
        for r in s.runs:
            where = f"{r.host}" + (f" [{_cell(r.item)}]" if r.item else "")
            result = (
                f"**failed**, error {r.error_kind}: {_text(r.error)}"
                if r.error
                else f"{r.rows} rows, evidence `{(r.evidence_sha256 or '')[:12]}`"
            )
            flag = " (re-executed after a crash)" if r.reexecution else ""
            out.append(f"  - {where}: {result} (ledger #{r.ledger_seq}){flag}")
        if s.analysis:
            out.append(f"  - model analysis: {_cell(s.analysis)}")
    out += [f"- **{o.step_id}** skipped: {o.note}" for o in report.outcomes if o.status == "condition_false"]
    if report.host_keys:
        out += ["", "## Host keys first seen during the case", ""]
        how = {"flag": "--trust-new-host-key", "approver": "the approver, asked", "nobody": "no one to ask"}
        out += [
            f"- {k.host}: {k.key_type} `{k.fingerprint}` **{'pinned' if k.pinned else 'refused'}** "
            f"({how.get(k.by, k.by)}: {k.actor}, ledger #{k.ledger_seq})"
            for k in report.host_keys
        ]
    return out


def render_markdown(report: Report) -> str:
    """report.md: verdict, key facts, needs review, coverage; then timeline, findings, ATT&CK, steps, keys."""
    out = [
        f"# Case {report.case_id}: {report.playbook_title}",
        "",
        f"Playbook `{report.playbook_id}` v{report.playbook_version} · hosts {', '.join(report.hosts)} · "
        f"status **{report.status}** · generated {report.generated_at}",
        "",
    ]
    out += _verdict(report, report.verdict)
    out += _key_facts(report)
    review = needs_review(report.verdict, report.coverage) if report.verdict else []
    out += ["## Needs review", ""] + ([f"- {_text(r)}" for r in review] or ["- nothing"]) + [""]
    out += ["## Coverage", ""] + ([_coverage_line(c) for c in report.coverage] or ["- no coverage recorded"])
    out += ["", *_record(report)]
    # Values come from hosts under investigation: no control or bidi characters reach a viewer.
    return "\n".join(printable(line) for line in "\n".join(out).split("\n")) + "\n"
