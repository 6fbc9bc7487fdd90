"""Lint rules that need the tool catalogue: tool names, args against each tool's model, columns, regexes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import ValidationError

from playbooks.issues import Issue, Severity, did_you_mean
from playbooks.lint.base import Check, LintContext
from playbooks.model import Step
from playbooks.refs import ConcatRef, FindingRef, InputRef
from playbooks.samples import sample_args
from playbooks.values import regex_problem
from playbooks.walk import value_refs
from playbooks.yamlsource import Loc

REGEX_ARGS = frozenset({"pattern", "patterns", "regex", "exclude", "include"})
"""Argument names whose literal strings are regexes the search tool runs (checked with RE2)."""


def _search_problem(pattern: str) -> str | None:
    """Why search_logs would refuse this pattern: its own dialect check, the one it runs before searching."""
    try:
        from tools.logsearch.dialect import compile_pattern
    except ImportError:  # an older tools package: fall back to the RE2 rules it documents
        return regex_problem(pattern)
    from tools.errors import InvalidToolArgsError

    try:
        compile_pattern(pattern)
    except InvalidToolArgsError as exc:
        return str(exc)
    return None


def _pattern_groups(step_args: dict[str, object]) -> set[str] | None:
    """Named groups of the step's literal regex args (they become row columns); None if not all literal."""
    names: set[str] = set()
    for name, value in step_args.items():
        if name in REGEX_ARGS:
            if not isinstance(value, str):
                return None
            names |= set(re.findall(r"\(\?P<([A-Za-z_][A-Za-z0-9_]*)>", value))
    return names


def _unknown_tool(ctx: LintContext, name: str) -> str:
    names = list(ctx.tools())
    return f"unknown tool {name!r}{did_you_mean(name, names)}; tools: {', '.join(names)}"


def _unsure_args(ctx: LintContext, step: Step) -> set[str]:
    """Args whose sample is a guess: they name an input or finding whose declaration failed validation."""
    if ctx.parts.whole is not None:
        return set()
    out: set[str] = set()
    for name, value in step.args.items():
        for _, ref in value_refs(value, ()):
            if isinstance(ref, InputRef):
                names = ctx.parts.input_names
                known = ref.input in ctx.parts.inputs or (names is not None and ref.input not in names)
            else:
                finding = ref.finding if isinstance(ref, FindingRef) else ref.item
                known = ctx.parts.produced_by_valid_step(finding)
            if not known:
                out.add(name)
    return out


class UnknownTool(Check):
    """Every step and follow-up names a tool in the catalogue."""

    code = "PB011"
    summary = "unknown tool"
    needs_catalogue = True
    partial = True

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        catalogue = ctx.tools()
        for i, step in ctx.steps:
            if step.tool not in catalogue:
                yield self.issue(ctx, ("steps", i, "tool"), _unknown_tool(ctx, step.tool))
            for j, follow in enumerate(step.followups):
                if follow.tool not in catalogue:
                    yield self.issue(
                        ctx, ("steps", i, "followups", j, "tool"), _unknown_tool(ctx, follow.tool)
                    )


class ArgsMatchTool(Check):
    """A step's args (references replaced by typed samples) validate against the tool's args model."""

    code = "PB012"
    summary = "args do not validate against the tool's args model"
    needs_catalogue = True
    partial = True

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        for i, step, spec in ctx.steps_with_tools():
            unsure = _unsure_args(ctx, step)
            try:
                spec.args_model.model_validate(
                    sample_args(step, ctx.parts.inputs, [s for _, s in ctx.steps], ctx.tools())
                )
            except ValidationError as exc:
                for err in exc.errors():
                    loc = tuple(err["loc"])
                    guessed = not loc or str(loc[0]) in unsure
                    if unsure and guessed and err["type"] not in ("extra_forbidden", "missing"):
                        continue  # judged on a guessed sample: stay silent
                    yield self._located(ctx, i, step.tool, loc, err["type"], err["msg"], spec.arg_names())

    def _located(
        self, ctx: LintContext, i: int, tool: str, loc: Loc, kind: str, msg: str, names: list[str]
    ) -> Issue:
        arg_loc: Loc = ("steps", i, "args", *loc)
        name = str(loc[0]) if loc else ""
        if kind == "extra_forbidden":
            return self.issue(
                ctx,
                arg_loc,
                f"{tool} has no argument {name!r}{did_you_mean(name, names)}; arguments: {', '.join(names)}",
                key=True,
            )
        if kind == "missing":
            return self.issue(
                ctx,
                ("steps", i, "args") if ("steps", i, "args") in ctx.smap.values else ("steps", i, "tool"),
                f"{tool} needs argument {name!r}",
            )
        value = dict(ctx.steps)[i].args.get(name)
        has_ref = value is not None and next(value_refs(value, ()), None) is not None
        via = " (checked with a sample value for the reference)" if has_ref else ""
        return self.issue(
            ctx,
            arg_loc,
            f"{tool} argument {'.'.join(map(str, loc))}: {msg.removeprefix('Value error, ')}{via}",
        )


class FollowupArgs(Check):
    """Follow-up bounds name real arguments of their tool."""

    code = "PB023"
    summary = "follow-up bound on an unknown argument"
    needs_catalogue = True
    partial = True

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        for loc, _, follow, spec in ctx.followups_with_tools():
            for arg in follow.args:
                if arg not in spec.args_model.model_fields:
                    yield self.issue(
                        ctx,
                        (*loc, "args", arg),
                        f"{follow.tool} has no argument {arg!r}; arguments: {', '.join(spec.arg_names())}",
                        key=True,
                    )


class UnboundedFollowup(Check):
    """A follow-up a model can use: it bounds every arg the tool requires, and at least one arg at all
    (a model may set only bounded args; the others keep the tool's defaults)."""

    code = "PB026"
    severity = Severity.WARNING
    summary = "follow-up a model can call only with the tool's defaults, or not at all"
    needs_catalogue = True
    partial = True

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        for loc, step, follow, spec in ctx.followups_with_tools():
            if follow.tool == step.tool:
                continue
            fields = spec.args_model.model_fields
            required = [n for n, f in fields.items() if f.is_required() and n not in follow.args]
            if required:
                yield self.issue(
                    ctx,
                    loc,
                    f"follow-up {follow.tool} never runs: it requires {', '.join(map(repr, required))}, "
                    "which a model may set only within a bound; bound it under the follow-up's `args`",
                )
            elif not follow.args:
                yield self.issue(
                    ctx,
                    loc,
                    f"follow-up {follow.tool} has no bounds: a model may call it only with the tool's "
                    "defaults; bound the args a model may set under `args`",
                )


class ExtractorColumns(Check):
    """An extractor's column exists in the tool's rows."""

    code = "PB024"
    summary = "extractor reads a column the tool does not return"
    needs_catalogue = True
    partial = True

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        for i, step, spec in ctx.steps_with_tools():
            columns: set[str] | None = set(spec.row_model.model_fields)
            if spec.row_model.model_config.get("extra") == "allow":  # rows also carry the pattern's groups
                groups = _pattern_groups(dict(step.args))
                added = spec.arg_columns(dict(step.args))
                columns = (
                    None
                    if groups is None or added is None
                    else {*spec.row_model.model_fields, *groups, *added}
                )
            if columns is None:
                continue
            for name, extractor in step.extract.items():
                wanted: list[tuple[tuple[str, ...], str]] = [(("where", key), key) for key in extractor.where]
                if extractor.column is not None:
                    wanted.insert(0, (("column",), extractor.column))
                for where, column in wanted:
                    if column not in columns:
                        yield self.issue(
                            ctx,
                            ("steps", i, "extract", name, *where),
                            f"{step.tool} rows have no column {column!r}; "
                            f"columns: {', '.join(sorted(columns))}",
                        )


class SearchRegexes(Check):
    """Literal regex arguments compile under RE2 (no backreferences or lookaround) as search needs."""

    code = "PB018"
    summary = "regex the search tool would reject"
    partial = True

    def run(self, ctx: LintContext) -> Iterator[Issue]:
        for i, step in ctx.steps:
            for name, value in step.args.items():
                if name not in REGEX_ARGS:
                    continue
                texts: list[tuple[Loc, str]] = []
                if isinstance(value, str):
                    texts.append((("steps", i, "args", name), value))
                elif isinstance(value, list):
                    texts += [
                        (("steps", i, "args", name, j), v) for j, v in enumerate(value) if isinstance(v, str)
                    ]
                elif isinstance(value, ConcatRef):
                    joined = "".join(p if isinstance(p, str) else "x" for p in value.concat)
                    texts.append((("steps", i, "args", name), joined))
                for loc, text in texts:
                    if (
                        problem := _search_problem(text)
                        if step.tool == "search_logs"
                        else regex_problem(text)
                    ):
                        yield self.issue(ctx, loc, f"{name}: {problem}")
