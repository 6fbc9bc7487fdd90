"""The case verdict: a playbook's conclusion rules evaluated over the findings and what each step examined.

Pure: no I/O, no clock, no model. A rule FIRES when its condition holds over the findings (positive evidence
counts even where coverage was partial). When no deciding rule fired, a rule whose deciding steps were not
(fully) examined is UNDECIDED and the case is `inconclusive`; a case is `no_evidence` only when every
deciding rule was decided false on fully examined evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from playbooks.conditions import condition_findings
from playbooks.model import Conclusion, ConclusionStatus, Playbook, Step
from playbooks.routing import Counts, evaluate

VerdictStatus = Literal["compromised", "suspicious", "no_evidence", "inconclusive"]
StepState = Literal["examined", "partial", "not_examined", "condition_false"]

DECIDING: tuple[ConclusionStatus, ...] = ("compromised", "suspicious")
"""The statuses that decide the verdict, most severe first."""
_RANK: dict[ConclusionStatus, int] = {"compromised": 0, "suspicious": 1, "review": 2, "context": 3}
MAX_SHOWN = 5
"""Values of one citation written in a sentence; the rest are counted as `(+K more)`."""
_MAX_VALUE = 120


class _Fact(BaseModel):
    model_config = ConfigDict(frozen=True)


class StepExamination(_Fact):
    """What one step examined: fully, partly, not at all, or skipped by its condition (with the reasons)."""

    step_id: str
    """The step's id."""
    state: StepState
    """examined, partial, not_examined, or condition_false (skipped by its `when` or an empty fan-out)."""
    reasons: tuple[str, ...] = ()
    """Why it is not fully examined (log missing, window excluded all lines, ...) or why it was skipped."""


class Citation(_Fact):
    """The values of one finding a sentence rests on, ranked by count (most seen first)."""

    finding: str
    """The finding's name."""
    values: tuple[tuple[str, int], ...]
    """(value, count) pairs, count descending, first-seen order among equals."""


class Fired(_Fact):
    """A conclusion whose condition held: its status, its sentence and the values it cites."""

    id: str
    """The conclusion's id."""
    status: ConclusionStatus
    """compromised, suspicious, review or context."""
    sentence: str
    """The author's summary followed by the cited values (plain text; the caller escapes it)."""
    citations: tuple[Citation, ...]
    """The findings and values the sentence cites."""
    attack: tuple[str, ...]
    """ATT&CK technique ids this conclusion supports."""


class Undecided(_Fact):
    """A deciding conclusion that did not fire on evidence that was not fully examined."""

    id: str
    """The conclusion's id."""
    reasons: tuple[str, ...]
    """Which deciding steps were not (fully) examined, and why."""


class CaseConclusion(_Fact):
    """The case verdict with the rules that fired, those ruled out, and those the evidence left undecided."""

    status: VerdictStatus
    """compromised, suspicious, no_evidence or inconclusive."""
    summary: str
    """One line: the verdict and the sentences behind it (plus every fired context sentence)."""
    fired: tuple[Fired, ...]
    """Conclusions that fired, most severe first, then in playbook order."""
    ruled_out: tuple[str, ...]
    """Sentences of deciding conclusions decided false on fully examined evidence."""
    undecided: tuple[Undecided, ...]
    """Deciding conclusions that did not fire on evidence not fully examined."""
    attack: tuple[str, ...]
    """ATT&CK ids supported by the fired conclusions (never the playbook header's)."""


def _producers(playbook: Playbook, finding: str) -> list[Step]:
    return [s for s in playbook.steps if finding in s.extract]


def _gates(step: Step) -> list[str]:
    names = condition_findings(step.when) if step.when is not None else []
    return list(dict.fromkeys([*names, *([step.for_each] if step.for_each else [])]))


def _because(reasons: Sequence[str]) -> str:
    return f": {'; '.join(reasons)}" if reasons else ""


def examinations(playbook: Playbook, raw: Mapping[str, StepExamination]) -> dict[str, StepExamination]:
    """Every step's examination, skips resolved: a skip counts as examined only when what decided it was.

    A `condition_false` step becomes examined when every step producing a finding its `when` (or
    `for_each`) names was examined, transitively; otherwise not_examined (or partial, when the producer was
    partly examined) saying why. Steps missing from `raw` were never reached: not_examined.
    """
    out: dict[str, StepExamination] = {}
    visiting: set[str] = set()

    def resolve(step: Step) -> StepExamination:
        if step.id in out:
            return out[step.id]
        given = raw.get(step.id)
        if given is None:
            result = StepExamination(step_id=step.id, state="not_examined", reasons=("not reached",))
        elif given.state != "condition_false" or step.id in visiting:
            result = given
        else:
            visiting.add(step.id)
            result = _resolve_skip(
                step, given, [(f, p, resolve(p)) for f in _gates(step) for p in _producers(playbook, f)]
            )
            visiting.discard(step.id)
        out[step.id] = result
        return result

    for step in playbook.steps:
        resolve(step)
    return {s.id: out[s.id] for s in playbook.steps}


def _resolve_skip(
    step: Step, given: StepExamination, deciders: Iterable[tuple[str, Step, StepExamination]]
) -> StepExamination:
    missing: list[str] = []
    partly: list[str] = []
    for finding, producer, exam in deciders:
        if exam.state in ("not_examined", "condition_false"):
            missing.append(
                f"skipped because {producer.id} (which produces {finding}) was not examined"
                + _because(exam.reasons)
            )
        elif exam.state == "partial":
            partly.append(
                f"skipped because {producer.id} (which produces {finding}) was only partly examined"
                + _because(exam.reasons)
            )
    if missing:
        return StepExamination(step_id=step.id, state="not_examined", reasons=tuple(missing + partly))
    if partly:
        return StepExamination(step_id=step.id, state="partial", reasons=tuple(partly))
    return StepExamination(step_id=step.id, state="examined", reasons=given.reasons)


def deciding_steps(playbook: Playbook, conclusion: Conclusion) -> list[str]:
    """The step ids whose examination decides a conclusion: `decided_by`, else its findings' producers."""
    if conclusion.decided_by is not None:
        return list(conclusion.decided_by)
    names = condition_findings(conclusion.when)
    return [s.id for s in playbook.steps if any(n in s.extract for n in names)]


def _plain(value: str) -> str:
    """A value as one line of plain text: control characters escaped, very long values cut."""
    text = "".join(c if 0x20 <= ord(c) != 0x7F else f"\\x{ord(c):02x}" for c in value)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 3] + "..."


def _citations(
    names: Iterable[str], witnesses: Mapping[str, Mapping[str, int]], findings: Counts
) -> tuple[Citation, ...]:
    out: list[Citation] = []
    for name in dict.fromkeys(names):
        values = witnesses.get(name) or findings.get(name) or {}
        if values:
            ranked = sorted(values.items(), key=lambda kv: -kv[1])  # stable: first seen wins a tie
            out.append(Citation(finding=name, values=tuple(ranked)))
    return tuple(out)


def citation_text(citation: Citation) -> str:
    """`finding v1 (n1), v2, ... (+K more)`: at most MAX_SHOWN values, counts shown when above one."""
    shown = [_plain(v) + (f" ({n})" if n > 1 else "") for v, n in citation.values[:MAX_SHOWN]]
    more = len(citation.values) - MAX_SHOWN
    return f"{citation.finding} {', '.join(shown)}" + (f" (+{more} more)" if more > 0 else "")


def sentence(summary: str, citations: Sequence[Citation]) -> str:
    """The author's summary followed by its citations: `summary: f1 a (3), b; f2 c`."""
    if not citations:
        return summary
    return f"{summary}: " + "; ".join(citation_text(c) for c in citations)


def _gap(exam: StepExamination | None, step_id: str) -> str | None:
    if exam is None:
        return f"{step_id} is not a step of this playbook"
    if exam.state == "examined":
        return None
    what = "partly examined" if exam.state == "partial" else "not examined"
    return f"{step_id} {what}{_because(exam.reasons)}"


def conclude(playbook: Playbook, findings: Counts, steps: Mapping[str, StepExamination]) -> CaseConclusion:
    """The case verdict from the playbook's conclusions, the counted findings and each step's examination."""
    exams = examinations(playbook, steps)
    fired: list[tuple[int, Fired]] = []
    ruled_out: list[str] = []
    undecided: list[Undecided] = []
    for order, rule in enumerate(playbook.conclusions):
        result = evaluate(rule.when, findings)
        if result.holds:
            # By default only what made the rule true is cited: an `outside`'s `of`, a `not`, cite nothing.
            names = (
                rule.cite
                if rule.cite is not None
                else [n for n in condition_findings(rule.when) if n in result.witnesses]
            )
            cites = _citations(names, result.witnesses, findings)
            fact = Fired(
                id=rule.id,
                status=rule.status,
                sentence=sentence(rule.summary, cites),
                citations=cites,
                attack=tuple(rule.attack),
            )
            fired.append((_RANK[rule.status] * 10_000 + order, fact))
        elif rule.status in DECIDING:
            gaps = [g for s in deciding_steps(playbook, rule) if (g := _gap(exams.get(s), s))]
            if gaps:
                undecided.append(Undecided(id=rule.id, reasons=tuple(gaps)))
            else:
                ruled_out.append(rule.ruled_out or f"not found: {rule.summary}")
    ordered = tuple(f for _, f in sorted(fired, key=lambda p: p[0]))
    status, reasons = _verdict(playbook, ordered, undecided, exams)
    return CaseConclusion(
        status=status,
        summary=_summary(status, ordered, ruled_out, reasons),
        fired=ordered,
        ruled_out=tuple(ruled_out),
        undecided=tuple(undecided),
        attack=tuple(dict.fromkeys(t for f in ordered for t in f.attack)),
    )


NO_RULES = "the playbook declares no verdict rules: a human must judge the findings"


def _verdict(
    playbook: Playbook,
    fired: Sequence[Fired],
    undecided: Sequence[Undecided],
    exams: Mapping[str, StepExamination],
) -> tuple[VerdictStatus, list[str]]:
    """The verdict and, when inconclusive, why."""
    if any(f.status == "compromised" for f in fired):
        return "compromised", []
    if any(f.status == "suspicious" for f in fired):
        return "suspicious", []
    if not any(c.status in DECIDING for c in playbook.conclusions):
        # Without rules nothing says what the findings mean: never "no evidence", whatever was examined.
        gaps = [g for s, e in exams.items() if (g := _gap(e, s))]
        return "inconclusive", [NO_RULES, *gaps]
    if undecided:
        return "inconclusive", _root_reasons(undecided, exams)
    return "no_evidence", []


def _root_reasons(undecided: Sequence[Undecided], exams: Mapping[str, StepExamination]) -> list[str]:
    """Why the undecided rules stay open, once each: the steps that were themselves not examined (a skip
    that rests on them adds nothing new), steps with the same reason named together."""
    steps = list(
        dict.fromkeys(s for u in undecided for r in u.reasons for s in exams if r.startswith(f"{s} "))
    )
    direct = [s for s in steps if not any(r.startswith("skipped because") for r in exams[s].reasons)]
    by_reason: dict[str, list[str]] = {}
    for step in direct or steps:
        exam = exams[step]
        what = "partly examined" if exam.state == "partial" else "not examined"
        by_reason.setdefault(f"{what}{_because(exam.reasons)}", []).append(step)
    return [f"{', '.join(names)} {why}" for why, names in by_reason.items()]


def _summary(
    status: VerdictStatus, fired: Sequence[Fired], ruled_out: Sequence[str], reasons: Sequence[str]
) -> str:
    parts: list[str] = []
    if status in DECIDING:
        parts.extend(f.sentence for f in fired if f.status in DECIDING)
    elif status == "inconclusive":
        parts.extend(reasons)
    else:
        parts.extend(ruled_out)
    parts.extend(f.sentence for f in fired if f.status == "context")
    label = status.replace("_", " ")
    return f"{label}: {'; '.join(parts)}" if parts else label
