"""Lint rules for conclusions: what they reference, their ids, the verdicts they allow and the claims made."""

from __future__ import annotations

from collections.abc import Iterator

from playbooks.conclusions import DECIDING
from playbooks.conditions import condition_refs
from playbooks.issues import Issue, Severity, did_you_mean
from playbooks.lint.base import Check, LintContext, supported_techniques


class ConclusionRefs(Check):
    """A conclusion's `when` and `cite` name findings some step extracts; `decided_by` names steps."""

    code = "PB030"
    summary = "conclusion references an unknown finding or step"

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        pb = ctx.playbook
        made = list(dict.fromkeys(name for s in pb.steps for name in s.extract))
        steps = [s.id for s in pb.steps]
        known = ", ".join(made) or "no step extracts any"
        for i, rule in enumerate(pb.conclusions):
            base = ("conclusions", i)
            refs = list(condition_refs(rule.when, (*base, "when")))
            refs += [((*base, "cite", k), name) for k, name in enumerate(rule.cite or ())]
            for loc, name in refs:
                if name not in made:
                    hint = did_you_mean(name, made)
                    yield self.issue(ctx, loc, f"unknown finding {name!r}{hint} (findings: {known})")
            for k, step_id in enumerate(rule.decided_by or ()):
                if step_id not in steps:
                    hint = did_you_mean(step_id, steps)
                    yield self.issue(
                        ctx,
                        (*base, "decided_by", k),
                        f"unknown step {step_id!r}{hint} (steps: {', '.join(steps)})",
                    )


class DuplicateConclusion(Check):
    """Conclusion ids are unique."""

    code = "PB031"
    summary = "duplicate conclusion id"

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        first: dict[str, int] = {}
        for i, rule in enumerate(ctx.playbook.conclusions):
            if rule.id in first:
                yield self.issue(
                    ctx,
                    ("conclusions", i, "id"),
                    f"duplicate conclusion id {rule.id!r} (first used by conclusions[{first[rule.id]}])",
                )
            first.setdefault(rule.id, i)


class DecidedByUnused(Check):
    """`decided_by` only matters for the rules that decide the verdict (compromised, suspicious)."""

    code = "PB032"
    severity = Severity.WARNING
    summary = "decided_by on a review or context conclusion"

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        for i, rule in enumerate(ctx.playbook.conclusions):
            if rule.decided_by is not None and rule.status not in DECIDING:
                yield self.issue(
                    ctx,
                    ("conclusions", i, "decided_by"),
                    f"a {rule.status} conclusion never decides the verdict: decided_by has no effect",
                    key=True,
                )


class NoVerdictRules(Check):
    """Without a compromised or suspicious conclusion a case can only end no_evidence or inconclusive."""

    code = "PB033"
    severity = Severity.WARNING
    summary = "no conclusion decides the verdict"

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        pb = ctx.playbook
        if not any(rule.status in DECIDING for rule in pb.conclusions):
            loc = ("conclusions",) if pb.conclusions else ("id",)
            yield self.issue(
                ctx,
                loc,
                "no compromised or suspicious conclusion: a case can never be found compromised "
                "(add one under `conclusions`)",
                key=bool(pb.conclusions),
            )


class UnsupportedAttack(Check):
    """Every ATT&CK id in the header is supported by a conclusion or an extractor (claims need evidence)."""

    code = "PB034"
    severity = Severity.WARNING
    summary = "ATT&CK id no conclusion or extractor supports"

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        supported = supported_techniques(ctx.playbook)
        for k, technique in enumerate(ctx.playbook.attack):
            if technique not in supported:
                yield self.issue(
                    ctx,
                    ("attack", k),
                    f"{technique} is claimed by the playbook but no conclusion or extractor supports it "
                    "(list it under a conclusion's or an extractor's `attack`)",
                )


CONCLUSION_CHECKS: tuple[Check, ...] = (
    ConclusionRefs(),
    DuplicateConclusion(),
    DecidedByUnused(),
    NoVerdictRules(),
    UnsupportedAttack(),
)
"""Rules on the conclusions (they run once the whole playbook validated)."""
