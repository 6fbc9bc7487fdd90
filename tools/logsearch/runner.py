"""Run a search on a target: list rotations, pick the engine, run it, collect matches, counts and notes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from tools.base import ToolContext
from tools.errors import InvalidToolArgsError
from tools.logsearch.dialect import CompiledPattern
from tools.logsearch.engines import (
    SEARCH_OK_EXIT,
    Match,
    check_errors,
    find_rotated_argv,
    grep_argv,
    journalctl_argv,
    parse_counts,
    parse_journal,
    parse_named,
    parse_unnamed,
    rg_argv,
    rotation_order,
    zgrep_argv,
)
from tools.transport.base import CommandOutput

# find exits 1 when the directory is missing or unreadable; the search then reports the file missing.
_FIND_OK_EXIT = frozenset({0, 1})
# journalctl exits 1 when no entry matched.
_JOURNAL_OK_EXIT = frozenset({0, 1})


@dataclass(frozen=True)
class SearchPlan:
    """What to run, independent of where the files are."""

    pattern: CompiledPattern
    max_matches: int
    count: bool
    include_rotated: bool
    engine: Literal["auto", "rg", "grep"]


@dataclass
class Outcome:
    """What the engines returned: the commands, matches (file order, line order) or counts, and notes."""

    outputs: list[CommandOutput] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    searched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    truncated: bool = False


def _files(paths: list[str], plan: SearchPlan, ctx: ToolContext, outcome: Outcome) -> list[str]:
    files: list[str] = []
    for path in paths:
        candidates = [path]
        if plan.include_rotated:
            argv = find_rotated_argv(path)
            out = ctx.transport.run(
                argv, timeout_s=ctx.timeout_s, max_bytes=ctx.max_bytes, ok_exit=_FIND_OK_EXIT
            )
            outcome.outputs.append(out)
            candidates = rotation_order(path, out.stdout)
        files += [c for c in candidates if c not in files]
    return files


def _engine(plan: SearchPlan, ctx: ToolContext) -> Literal["rg", "grep"]:
    has_rg = ctx.transport.which("rg")
    if plan.engine == "rg" and not has_rg:
        raise InvalidToolArgsError(f"engine='rg' but {ctx.transport.host} has no rg; use auto or grep")
    return "rg" if plan.engine == "rg" or (plan.engine == "auto" and has_rg) else "grep"


def _run(argv: list[str], ctx: ToolContext, outcome: Outcome) -> CommandOutput:
    out = ctx.transport.run(argv, timeout_s=ctx.timeout_s, max_bytes=ctx.max_bytes, ok_exit=SEARCH_OK_EXIT)
    outcome.outputs.append(out)
    outcome.notes += [f"not found: {path}" for path in check_errors(out)]
    outcome.truncated = outcome.truncated or out.truncated
    return out


def run_files(plan: SearchPlan, paths: list[str], ctx: ToolContext) -> Outcome:
    """Search files (and their rotations) with rg, or grep -E plus zgrep for .gz files."""
    outcome = Outcome()
    files = _files(paths, plan, ctx, outcome)
    outcome.searched = files
    by_bytes = {f.encode("utf-8", "surrogateescape"): f for f in files}
    per_file = None if plan.count else plan.max_matches + 1
    engine = _engine(plan, ctx)
    outcome.notes.append(f"engine: {'ripgrep' if engine == 'rg' else 'grep -E / zgrep'}")
    if engine == "rg":
        out = _run(rg_argv(plan.pattern, files, per_file=per_file, count=plan.count), ctx, outcome)
        if plan.count:
            outcome.counts.update(parse_counts(out, by_bytes))
        else:
            outcome.matches += parse_named(out, by_bytes)
    else:
        plain = [f for f in files if not f.endswith(".gz")]
        if plain:
            out = _run(grep_argv(plan.pattern, plain, per_file=per_file, count=plan.count), ctx, outcome)
            if plan.count:
                outcome.counts.update(parse_counts(out, by_bytes))
            else:
                outcome.matches += parse_named(out, by_bytes)
        for gz in (f for f in files if f.endswith(".gz")):
            out = _run(zgrep_argv(plan.pattern, gz, per_file=per_file, count=plan.count), ctx, outcome)
            if plan.count:
                outcome.counts.update(parse_counts(out, by_bytes, single=gz))
            else:
                outcome.matches += parse_unnamed(out, gz)
    order = {f: i for i, f in enumerate(files)}
    if plan.count:
        missing = {n.removeprefix("not found: ") for n in outcome.notes}
        outcome.counts = {f: outcome.counts.get(f, 0) for f in files if f not in missing}
    else:
        # rg searches files in parallel: put the rows back in file order (oldest rotation first).
        outcome.matches.sort(key=lambda m: (order.get(m.path, len(order)), m.line_no or 0))
        per_path = Counter(m.path for m in outcome.matches)
        outcome.truncated = outcome.truncated or any(n > plan.max_matches for n in per_path.values())
    return outcome


def run_journal(
    plan: SearchPlan,
    ctx: ToolContext,
    *,
    since: datetime | None,
    until: datetime | None,
    unit: str | None,
    facilities: tuple[int, ...],
) -> Outcome:
    """Search the journal with journalctl --grep: the newest max_matches entries in the window."""
    outcome = Outcome(searched=["journald"])
    argv = journalctl_argv(
        plan.pattern, lines=plan.max_matches + 1, since=since, until=until, unit=unit, facilities=facilities
    )
    out = ctx.transport.run(argv, timeout_s=ctx.timeout_s, max_bytes=ctx.max_bytes, ok_exit=_JOURNAL_OK_EXIT)
    outcome.outputs.append(out)
    matches = parse_journal(out)
    if len(matches) > plan.max_matches:
        matches = matches[len(matches) - plan.max_matches :]  # keep the newest, as -n does
        outcome.truncated = True
    outcome.matches = matches
    outcome.truncated = outcome.truncated or out.truncated
    outcome.notes.append("journald: journalctl matched the pattern (PCRE2) against MESSAGE only")
    return outcome
