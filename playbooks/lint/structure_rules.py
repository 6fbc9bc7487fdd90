"""Lint rules that need no tool catalogue: ids, references, ordering, reachability, documentation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from playbooks.issues import Issue, Severity
from playbooks.lint.base import Check, LintContext, supported_techniques
from playbooks.lint.conclusion_rules import CONCLUSION_CHECKS
from playbooks.refs import ConcatRef, Encoding, FindingRef, InputRef, ItemRef
from playbooks.values import InputType
from playbooks.walk import condition_gates, step_dependencies, step_refs


class DuplicateIds(Check):
    """Step ids and finding names must be unique; a name must not be both an input and a finding."""

    code = "PB017"
    summary = "duplicate step id or finding name"

    partial = True

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        valid = dict(ctx.steps)
        steps: dict[str, int] = {}
        findings: dict[str, int] = {}
        for i, step_id in enumerate(ctx.parts.step_ids):
            step = valid.get(i)  # a step that failed validation only counts as an earlier use
            if step is not None and step_id in steps:
                yield self.issue(
                    ctx,
                    ("steps", i, "id"),
                    f"duplicate step id {step_id!r} (first used by steps[{steps[step_id]}])",
                )
            if step_id is not None:
                steps.setdefault(step_id, i)
            for name in ctx.parts.step_findings[i] or ():
                loc = ("steps", i, "extract", name)
                first = ctx.parts.step_ids[findings[name]] if name in findings else None
                if step is not None and first is not None:
                    yield self.issue(
                        ctx, loc, f"finding {name!r} is already extracted by step {first!r}", key=True
                    )
                elif step is not None and name not in findings and name in (ctx.parts.input_names or ()):
                    yield self.issue(
                        ctx, loc, f"finding {name!r} has the name of an input: rename one", key=True
                    )
                findings.setdefault(name, i)


class UndeclaredInput(Check):
    """`{input: X}` must name a declared input."""

    code = "PB013"
    summary = "reference to an undeclared input"

    partial = True

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        declared = ctx.parts.input_names
        if declared is None:  # `inputs` is not a mapping: which names it meant is unknown
            return
        for i, step in ctx.steps:
            for loc, ref in step_refs(step, i):
                if isinstance(ref, InputRef) and ref.input not in declared:
                    known = ", ".join(declared) or "none declared"
                    yield self.issue(ctx, (*loc, "input"), f"unknown input {ref.input!r} (inputs: {known})")


class FindingOrder(Check):
    """Findings used by a step must be extracted by an earlier step (PB014 unknown, PB015 forward)."""

    code = "PB014"
    summary = "reference to an unknown finding, or to one produced later"

    partial = True

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        made = ctx.parts.producers()
        every = len(ctx.parts.step_findings)
        for i, step in ctx.steps:
            for loc, name in step_dependencies(step, i):
                where = loc if "for_each" in loc or "when" in loc else (*loc, "finding")
                if name not in made:
                    if ctx.parts.unreadable_before(every):  # an unreadable step may extract it
                        continue
                    known = ", ".join(made) or "no step extracts any"
                    yield self.issue(ctx, where, f"unknown finding {name!r} (findings: {known})")
                elif made[name] >= i:
                    producer = ctx.parts.step_ids[made[name]]
                    if producer is None or ctx.parts.unreadable_before(i):
                        continue
                    yield ctx.at(
                        where,
                        Severity.ERROR,
                        "PB015",
                        f"finding {name!r} is extracted by step {producer!r}, which does not run before "
                        f"step {step.id!r}: move the step after it",
                    )


class ItemUsage(Check):
    """`{item: F}` only inside a step with `for_each: F`; encodings fit the value they encode."""

    code = "PB019"
    summary = "fan-out item or encoding misused"

    partial = True

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        inputs = ctx.parts.inputs  # an input whose spec failed has no known type: no encoding check
        for i, step in ctx.steps:
            for name, value in step.args.items():
                if isinstance(value, ConcatRef):
                    for k, part in enumerate(value.concat):
                        if isinstance(part, FindingRef) and part.as_ != Encoding.REGEX_ANY:
                            yield self.issue(
                                ctx,
                                ("steps", i, "args", name, "concat", k),
                                "a finding is a list: inside concat use it with `as: regex_any`",
                            )
            for loc, ref in step_refs(step, i):
                if isinstance(ref, ItemRef) and ref.item != step.for_each:
                    why = (
                        "the step has no for_each"
                        if step.for_each is None
                        else f"the step fans out over {step.for_each!r}"
                    )
                    yield self.issue(ctx, (*loc, "item"), f"{{item: {ref.item}}} cannot be used here: {why}")
                if isinstance(ref, ItemRef) and ref.as_ == Encoding.REGEX_ANY:
                    yield self.issue(ctx, loc, "an item is one value: use `as: regex`, not regex_any")
                if isinstance(ref, FindingRef | ItemRef) and ref.as_ == Encoding.SECONDS:
                    yield self.issue(ctx, loc, "`as: seconds` is for duration inputs only")
                if isinstance(ref, FindingRef) and ref.as_ in (Encoding.REGEX, Encoding.PATH_SEGMENT):
                    yield self.issue(
                        ctx,
                        loc,
                        f"a finding is a list: `as: {ref.as_.value}` needs one value "
                        "(fan out with for_each and use {item: ...})",
                    )
                if isinstance(ref, InputRef) and ref.input in inputs:
                    kind = inputs[ref.input].type
                    fits = (
                        {Encoding.RAW, Encoding.REGEX_ANY}
                        if kind == InputType.LIST
                        else {Encoding.RAW, Encoding.REGEX, Encoding.PATH_SEGMENT}
                    )
                    if kind == InputType.DURATION:
                        fits.add(Encoding.SECONDS)
                    if ref.as_ not in fits:
                        yield self.issue(
                            ctx,
                            loc,
                            f"`as: {ref.as_.value}` does not fit input {ref.input!r} of type {kind.value}",
                        )


class Unreachable(Check):
    """A step gated on findings that only unreachable (or no) steps produce can never run."""

    code = "PB016"
    summary = "unreachable step"

    partial = True

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        if not ctx.parts.all_steps:  # reachability runs through every step: a failed one hides it
            return
        made = ctx.parts.producers()
        reachable: list[bool] = []
        for i, step in ctx.steps:
            gates = sorted(condition_gates(step) | ({step.for_each} if step.for_each else set()))
            dead = [n for n in gates if n in made and made[n] < i and not reachable[made[n]]]
            reachable.append(not dead and all(n in made and made[n] < i for n in gates))
            if dead:
                yield self.issue(
                    ctx,
                    ("steps", i, "id"),
                    f"step {step.id!r} can never run: it waits on "
                    f"{', '.join(dead)}, extracted only by steps that can never run",
                )


class UnusedInput(Check):
    """An input no step references is probably a typo or dead weight."""

    code = "PB025"
    severity = Severity.WARNING
    summary = "input declared but never used"

    partial = True

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        if not ctx.parts.all_steps:  # a step that failed validation may be the one using it
            return
        used = {ref.input for i, s in ctx.steps for _, ref in step_refs(s, i) if isinstance(ref, InputRef)}
        for name in ctx.parts.input_names or ():
            if name not in used:
                yield self.issue(ctx, ("inputs", name), f"input {name!r} is never used by a step", key=True)


class MissingGuidance(Check):
    """Every step should tell the model what to look for."""

    code = "PB020"
    severity = Severity.WARNING
    summary = "step without guidance"

    partial = True

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        for i, step in ctx.steps:
            if not (step.guidance or "").strip():
                yield self.issue(ctx, ("steps", i, "id"), f"step {step.id!r} has no guidance for the model")


class MissingAttack(Check):
    """A playbook should map to the ATT&CK techniques it investigates (header, conclusions or extractors)."""

    code = "PB021"
    severity = Severity.WARNING
    summary = "no ATT&CK mapping"

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        if not ctx.playbook.attack and not supported_techniques(ctx.playbook):
            yield self.issue(
                ctx,
                ("id",),
                "no ATT&CK technique listed under a conclusion's, an extractor's or the playbook's `attack`",
            )


class IdMirrorsPath(Check):
    """`id: a.b.c` lives in `.../a/b/c.yaml`."""

    code = "PB022"
    severity = Severity.WARNING
    summary = "id does not mirror the file path"

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        if ctx.path is None:
            return
        want = Path(*ctx.playbook.id.split(".")).with_suffix(".yaml")
        parts = ctx.path.resolve().with_suffix(".yaml").parts
        if parts[-len(want.parts) :] != want.parts:
            yield self.issue(ctx, ("id",), f"id {ctx.playbook.id!r} should live in a file ending with {want}")


STRUCTURE_CHECKS: tuple[Check, ...] = (
    DuplicateIds(),
    UndeclaredInput(),
    FindingOrder(),
    ItemUsage(),
    Unreachable(),
    UnusedInput(),
    MissingGuidance(),
    MissingAttack(),
    IdMirrorsPath(),
    *CONCLUSION_CHECKS,
)
"""Rules that run without the tool catalogue (also run by load_playbook)."""
