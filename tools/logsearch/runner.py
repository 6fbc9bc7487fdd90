"""Run a search on a target: list rotations, pick the engine, run it, collect matches, counts and notes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from tools.base import ToolContext
from tools.errors import InvalidToolArgsError
from tools.logsearch.commands import grep_argv, journalctl_argv, journalctl_newest_argv, rg_argv, zgrep_argv
from tools.logsearch.dialect import CompiledPattern
from tools.logsearch.engines import (
    SEARCH_OK_EXIT,
    Match,
    check_errors,
    parse_counts,
    parse_journal,
    parse_named,
    parse_unnamed,
)
from tools.logsearch.sources import LogFile, list_files, probe_files
from tools.logsearch.timestamps import parse_iso
from tools.transport.base import CommandOutput

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
    """What the engines returned: the commands, matches (file order, line order) or counts, notes, and the
    files (found or missing) with what the probes learned about them."""

    outputs: list[CommandOutput] = field(default_factory=list)
    files: list[LogFile] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    searched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    truncated: bool = False
    journal_last: datetime | None = None
    journal_probed: bool = False


def _engine(plan: SearchPlan, ctx: ToolContext) -> Literal["rg", "grep"]:
    has_rg = ctx.transport.which("rg")
    if plan.engine == "rg" and not has_rg:
        raise InvalidToolArgsError(f"engine='rg' but {ctx.transport.host} has no rg; use auto or grep")
    return "rg" if plan.engine == "rg" or (plan.engine == "auto" and has_rg) else "grep"


def _run(argv: Sequence[str], ctx: ToolContext, outcome: Outcome) -> CommandOutput:
    out = ctx.run(argv, ok_exit=SEARCH_OK_EXIT)
    outcome.outputs.append(out)
    outcome.notes += [f"not found: {path}" for path in check_errors(out)]
    outcome.truncated = outcome.truncated or out.truncated
    return out


def run_files(plan: SearchPlan, paths: list[str], ctx: ToolContext) -> Outcome:
    """Search files (and their rotations) with rg, or grep -E plus zgrep for .gz files."""
    outcome = Outcome()
    listed, out = list_files(paths, plan.include_rotated, ctx)
    outcome.outputs.append(out)
    outcome.files = listed
    outcome.notes += [f"not found: {f.path}" for f in listed if not f.found]
    files = [f.path for f in listed if f.found]
    outcome.searched = files
    # What is there first (counts, first and last lines), then the search: its command comes last.
    outcome.outputs += probe_files(listed, ctx)
    if files:
        _search(plan, files, ctx, outcome)
    # A file that vanished between the listing and the search is missing after all.
    gone = {n.removeprefix("not found: ") for n in outcome.notes if n.startswith("not found: ")}
    for f in listed:
        if f.found and f.path in gone:
            f.found, f.lines, f.first_line, f.last_line = False, None, None, None
            f.notes.append("vanished between the listing and the search")
    return outcome


def _search(plan: SearchPlan, files: list[str], ctx: ToolContext, outcome: Outcome) -> None:
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
        missing = {n.removeprefix("not found: ") for n in outcome.notes if n.startswith("not found: ")}
        outcome.counts = {f: outcome.counts.get(f, 0) for f in files if f not in missing}
    else:
        # rg searches files in parallel: put the rows back in file order (oldest rotation first).
        outcome.matches.sort(key=lambda m: (order.get(m.path, len(order)), m.line_no or 0))
        per_path = Counter(m.path for m in outcome.matches)
        outcome.truncated = outcome.truncated or any(n > plan.max_matches for n in per_path.values())


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
    out = ctx.run(argv, ok_exit=_JOURNAL_OK_EXIT)
    outcome.outputs.append(out)
    matches = parse_journal(out)
    if len(matches) > plan.max_matches:
        matches = matches[len(matches) - plan.max_matches :]  # keep the newest, as -n does
        outcome.truncated = True
    outcome.matches = matches
    outcome.truncated = outcome.truncated or out.truncated
    outcome.notes.append("journald: journalctl matched the pattern (PCRE2) against MESSAGE only")
    # The newest entry of the same unit/facilities, window ignored: one cheap read (-n 1 seeks to the
    # tail) that tells "the window excludes everything" from "nothing matched". The oldest entry would
    # need a scan from the head, so the journal's start is left unknown.
    probe = ctx.run(journalctl_newest_argv(unit=unit, facilities=facilities), ok_exit=_JOURNAL_OK_EXIT)
    outcome.outputs.append(probe)
    entries = parse_journal(probe)
    outcome.journal_probed = True
    outcome.journal_last = parse_iso(entries[-1].line) if entries else None
    return outcome
