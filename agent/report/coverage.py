"""Coverage of a case: what each run examined, and what each playbook step examined over its hosts and items.

A run that failed examined nothing, and says why (host unreachable, the tool refused the args); a step the
approver denied or skipped examined nothing either. A report can then tell "looked and found nothing" from
"did not look", and the verdict can be `inconclusive` where the deciding evidence was never read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from agent.case.evidence import EvidenceStore, load_result
from agent.case.state import Execution, StepOutcome
from playbooks import Playbook
from tools.coverage import Coverage, CoverageStatus, SourceCoverage, coverage_of

StepCoverageStatus = Literal["examined", "partial", "not_examined", "condition_false"]
"""A step's coverage: the runs' (combined), or condition_false when its condition kept it from running."""

_CONNECT = frozenset({"AuthFailedError", "HostKeyUnknownError", "HostKeyMismatchError", "TransportError"})


class StepDecision(BaseModel):
    """How the approver answered one of a step's own calls (what coverage needs of a step record)."""

    model_config = ConfigDict(frozen=True)

    proposal_id: str
    """The proposal decided."""
    verdict: str | None
    """approve | edit | deny | skip | abort, None when never decided."""
    approver: str | None = None
    """Who decided."""
    reason: str | None = None
    """The reason given (required for deny)."""


class StepCoverage(BaseModel):
    """What one playbook step examined over every host and item it ran on, and why not more."""

    model_config = ConfigDict(frozen=True)

    step_id: str
    """The playbook step."""
    title: str
    """The step's title."""
    tool: str
    """The step's tool."""
    status: StepCoverageStatus
    """examined (every run examined), partial (some), not_examined (none), or condition_false."""
    reasons: tuple[str, ...] = ()
    """Why the step is partial or not examined, each naming its host (and item) when it has one."""
    hosts: tuple[str, ...] = ()
    """Hosts the step's runs ran on (failed runs included)."""
    runs: int = 0
    """Runs of the step's own call (one per host and item)."""
    failed_runs: int = 0
    """Runs that ended in an error (nothing examined)."""
    examined: Coverage | None = None
    """What its runs examined, combined (sources named `host:path` when it ran on several hosts): lines,
    span, window, matched and kept lines; None when nothing ran."""

    @property
    def year_inferred(self) -> bool:
        """True when some kept time had no year (inferred from the file's mtime)."""
        return self.examined is not None and self.examined.year_inferred


def _error_reason(kind: str | None, message: str) -> str:
    if kind == "HostUnreachableError":
        return f"host unreachable: {message}"
    if kind in ("InvalidToolArgsError", "CommandRefusedError"):
        return f"the tool refused the args: {message}"
    if kind == "CommandTimeoutError":
        return f"timed out: {message}"
    if kind in _CONNECT:
        return f"could not connect ({kind}): {message}"
    if kind == "ReplayMissError":
        return f"no recorded output: {message}"
    return f"{kind}: {message}" if kind else message


def run_coverage(execution: Execution, store: EvidenceStore) -> Coverage:
    """What one run examined: not_examined with the error's reason, else its stored result's coverage
    (examined, or partial when truncated, for results recorded before coverage existed)."""
    if execution.error is not None:
        return Coverage(
            status="not_examined", reasons=(_error_reason(execution.error_kind, execution.error),)
        )
    if execution.result_sha256 is None:
        return Coverage(status="not_examined", reasons=("the run left no result",))
    recorded = load_result(store, execution.result_sha256).coverage
    return recorded if recorded is not None else coverage_of(truncated=execution.truncated)


def _where(ex: Execution) -> str:
    return ex.host + (f" [{ex.item}]" if ex.item else "")


def _sum(values: Sequence[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _combined(base: StepCoverage, runs: Sequence[tuple[Execution, Coverage]]) -> StepCoverage:
    """The runs of one step combined: all examined -> examined; some -> partial; none -> not_examined."""
    covs = [c for _, c in runs]
    hosts = tuple(dict.fromkeys(ex.host for ex, _ in runs))
    prefix = len(hosts) > 1
    reasons: list[str] = []
    for ex, cov in runs:  # one run: its reasons as they are; several: each says where
        reasons += [f"{_where(ex)}: {r}" if len(runs) > 1 else r for r in cov.reasons]
    statuses = {c.status for c in covs}
    if statuses == {"examined"}:
        status: CoverageStatus = "examined"
    elif statuses == {"not_examined"}:
        status = "not_examined"
    else:
        status = "partial"
        missed = [_where(ex) for ex, c in runs if c.status == "not_examined"]
        if missed:
            reasons.insert(0, f"not examined on {', '.join(missed)}")

    def sources(ex: Execution, cov: Coverage) -> list[SourceCoverage]:
        if not prefix:
            return list(cov.sources)
        return [src.model_copy(update={"path": f"{ex.host}:{src.path}"}) for src in cov.sources]

    firsts = [c.first_ts for c in covs if c.first_ts]
    lasts = [c.last_ts for c in covs if c.last_ts]
    examined = Coverage(
        status=status,
        reasons=tuple(dict.fromkeys(reasons)),
        sources=tuple(src for ex, c in runs for src in sources(ex, c)),
        lines_read=_sum([c.lines_read for c in covs]),
        first_ts=min(firsts) if firsts else None,
        last_ts=max(lasts) if lasts else None,
        window_since=next((c.window_since for c in covs if c.window_since), None),
        window_until=next((c.window_until for c in covs if c.window_until), None),
        matched=_sum([c.matched for c in covs]),
        kept=_sum([c.kept for c in covs]),
        outside_window=sum(c.outside_window for c in covs),
        untimed=sum(c.untimed for c in covs),
        year_inferred=any(c.year_inferred for c in covs),
        truncated=any(c.truncated for c in covs),
    )
    return base.model_copy(
        update={
            "status": status,
            "reasons": examined.reasons,
            "hosts": hosts,
            "runs": len(runs),
            "failed_runs": sum(1 for ex, _ in runs if ex.error is not None),
            "examined": examined,
        }
    )


def _refused(decisions: Sequence[StepDecision], outcome: StepOutcome | None) -> str:
    said = next((d for d in reversed(decisions) if d.verdict in ("deny", "skip", "abort")), None)
    if said is not None:
        what = {"deny": "denied", "skip": "skipped", "abort": "aborted"}[str(said.verdict)]
        return f"{what} by {said.approver or 'unknown'}" + (f": {said.reason}" if said.reason else "")
    if outcome is not None:
        return f"step {outcome.status}" + (f": {outcome.note}" if outcome.note else "")
    return "not reached (the case ended before this step)"


def step_coverage(
    playbook: Playbook,
    outcomes: Sequence[StepOutcome],
    decisions: Mapping[str, Sequence[StepDecision]],
    executions: Sequence[Execution],
    store: EvidenceStore,
) -> list[StepCoverage]:
    """One StepCoverage per playbook step, in order, from the step's own-call decisions and runs.

    `decisions` maps a step id to its own calls' decisions (follow-ups excluded); `executions` are the
    case's runs (those of a step's own-call proposals count for it).
    """
    by_step = {o.step_id: o for o in outcomes}
    out = []
    for step in playbook.steps:
        base = StepCoverage(step_id=step.id, title=step.title, tool=step.tool, status="not_examined")
        outcome = by_step.get(step.id)
        said = decisions.get(step.id, ())
        own = {d.proposal_id for d in said}
        runs = [(ex, run_coverage(ex, store)) for ex in executions if ex.proposal_id in own]
        if outcome is not None and outcome.status == "condition_false":
            out.append(
                base.model_copy(update={"status": "condition_false", "reasons": (outcome.note or "",)})
            )
        elif runs:
            out.append(_combined(base, runs))
        else:
            out.append(base.model_copy(update={"reasons": (_refused(said, outcome),)}))
    return out


def describe(
    cov: Coverage, *, whole_log: bool = False, files: bool = True, span: str = ""
) -> tuple[list[str], list[str]]:
    """What a coverage read and counted, as phrases: (files, lines, span, window) and (matched, kept...).

    `whole_log` says "no window (the whole log)" when no window was set (a search; other tools have none);
    `files=False` leaves the file count out (for a caller that names the files); `span` labels the span.
    """
    parts: list[str] = []
    if cov.sources and files:
        found = sum(1 for s in cov.sources if s.found)
        parts.append(
            f"{found} file{'s' if found != 1 else ''}"
            + (f" ({len(cov.sources) - found} missing)" if found != len(cov.sources) else "")
        )
    if cov.lines_read is not None:
        parts.append(f"{cov.lines_read} lines")
    if cov.first_ts or cov.last_ts:
        parts.append(
            f"{span}{cov.first_ts or '?'}..{cov.last_ts or '?'}"
            + (" (year inferred)" if cov.year_inferred else "")
        )
    window = window_text(cov.window_since, cov.window_until)
    if window != "no window":
        parts.append(f"window {window}")
    elif whole_log:
        parts.append("no window (the whole log)")
    counts: list[str] = []
    if cov.matched is not None:
        counts.append(f"{cov.matched} matched")
    if cov.kept is not None:
        counts.append(f"{cov.kept} kept")
    if cov.outside_window:
        counts.append(f"{cov.outside_window} outside the window")
    if cov.untimed:
        counts.append(f"{cov.untimed} untimed (kept)")
    if cov.truncated:
        counts.append("truncated")
    return parts, counts


def coverage_line(cov: Coverage) -> str:
    """One line of what a run examined: `examined: 3 files, 5312 lines, A..B; 12 matched, 12 kept`."""
    parts, counts = describe(cov)
    text = cov.status.replace("_", " ") + ": " + (", ".join(parts) or "no counts recorded")
    return text + (f"; {', '.join(counts)}" if counts else "")


def coverage_warning(cov: Coverage) -> str:
    """A run that examined less than asked: its status, reasons, and the span of what was there."""
    text = cov.status.replace("_", " ") + ": " + ("; ".join(cov.reasons) or "no reason recorded")
    if (cov.first_ts or cov.last_ts) and not any(str(cov.first_ts) in r for r in cov.reasons):
        text += f"; the lines there span {cov.first_ts or '?'}..{cov.last_ts or '?'}"
        text += " (year inferred)" if cov.year_inferred else ""
    if cov.lines_read is not None:
        text += f" ({cov.lines_read} lines read)"
    return text


def window_text(since: str | None, until: str | None) -> str:
    """A window as `since..until`, `since..` or `..until`; `no window` when neither bound is set."""
    if since is None and until is None:
        return "no window"
    return f"{since or ''}..{until or ''}"
