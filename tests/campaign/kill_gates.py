"""The gates a crashed-and-resumed case must pass, read from its ledger, its report and its runs' output.

A case passes when: it closed; `audit verify` passes; every proposal was decided exactly once and none
was lost or proposed twice; no run prompted for a proposal the ledger already held a decision for; every
execution follows an approving decision of its own proposal; every execution cut short was re-run under
the same decision after a `resumed` entry, flagged as a re-execution, and every run ended exactly once;
the report's findings and verdict equal the uncrashed baseline's and its hashes are the ledger's; no run
printed a traceback or exited with anything but 0, SIGKILL, or "nothing to resume" on a closed case.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.campaign.common import Run, of_kind, read_ledger, sleuth

KILLED = -9
EXIT_USAGE = 2
PROMPTED = re.compile(r"^── step [^\n]*\n\s+(\S+#\d+): ", re.MULTILINE)
"""The console's approval prompt: the step header, then `<proposal id>: <tool> ...`."""
REEXECUTED_MARK = "(re-executed after a crash)"
"""What report.md says of a run that was re-executed."""


@dataclass(frozen=True)
class Baseline:
    """What an uncrashed run of the case records."""

    lines: int
    """Ledger entries."""
    proposal_ids: tuple[str, ...]
    """Proposal ids in ledger order."""
    findings: frozenset[tuple[str, str, str, int]]
    """(step, name, value, count) of report.json's findings."""
    verdict: dict[str, Any]
    """report.json's verdict status and the ids of the conclusions that fired."""


@dataclass
class CaseRuns:
    """Every process one case went through, with what the ledger held when each started."""

    runs: list[tuple[Run, int | None, list[dict[str, Any]], bool]] = field(default_factory=list)
    """(run, ledger lines when the watcher killed it or None, entries before it started, torn after it)."""
    case_dir: Path | None = None
    """The case directory (None: no case was opened)."""

    def add(self, run: Run, at_kill: int | None, before: list[dict[str, Any]], torn: bool) -> None:
        """Record one process."""
        self.runs.append((run, at_kill, before, torn))

    @property
    def kill_sent(self) -> bool:
        """Whether the first run died of SIGKILL."""
        return bool(self.runs) and self.runs[0][0].returncode == KILLED


def baseline_of(case_dir: Path) -> Baseline:
    """The Baseline of an uncrashed, closed case."""
    entries = read_ledger(case_dir)
    return Baseline(
        lines=len(entries),
        proposal_ids=tuple(str(p["data"]["proposal_id"]) for p in of_kind(entries, "proposal")),
        findings=_findings(case_dir),
        verdict=_verdict(case_dir),
    )


def _report(case_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((case_dir / "report.json").read_text(encoding="utf-8"))
    return data


def _findings(case_dir: Path) -> frozenset[tuple[str, str, str, int]]:
    return frozenset(
        (str(f["step_id"]), str(f["name"]), str(f["value"]), int(f["count"]))
        for f in _report(case_dir)["findings"]
    )


def _verdict(case_dir: Path) -> dict[str, Any]:
    verdict = _report(case_dir)["verdict"]
    return {"status": verdict["status"], "fired": [f["id"] for f in verdict["fired"]]}


def check_case(runs: CaseRuns, baseline: Baseline) -> dict[str, Any]:
    """Every gate of one case, with a line per failure."""
    detail: list[str] = []
    gates: dict[str, bool] = {"exit_codes": _exit_codes(runs, detail)}
    gates["no_traceback"] = not any(r.traceback for r, *_ in runs.runs)
    result: dict[str, Any] = {
        "gates": gates,
        "detail": detail,
        "case_dir": str(runs.case_dir),
        "kills": sum(1 for r, *_ in runs.runs if r.returncode == KILLED),
        "kill_positions": [at for _, at, _, _ in runs.runs if at is not None],
        "torn_at_kill": sum(1 for r, _, _, torn in runs.runs if torn and r.returncode == KILLED),
        "tracebacks": sum(1 for r, *_ in runs.runs if r.traceback),
        "reexecutions": 0,
        "runs": [f"{r.argv[0]} rc {r.returncode} {r.wall_s:.1f}s" for r, *_ in runs.runs],
    }
    case = runs.case_dir
    if case is None:
        gates["closed"] = False
        detail.append("no case was opened")
        return result
    entries = read_ledger(case)
    gates["closed"] = _closed(case, entries, detail)
    verified = sleuth("audit", "verify", str(case), home=case.parent.parent)
    gates["audit_verify"] = verified.returncode == 0
    if not gates["audit_verify"]:
        detail.append(f"audit verify rc {verified.returncode}: {verified.stdout.strip()[-300:]}")
    gates["decided_once"] = _decided_once(entries, baseline, detail)
    gates["not_asked_again"] = _not_asked_again(runs, detail)
    gates["approved_before_run"] = _approved_before_run(entries, detail)
    gates["reexecutions_flagged"], result["reexecutions"] = _reexecutions(case, entries, detail)
    gates["findings_equal_baseline"] = _same_outcome(case, baseline, detail)
    gates["report_hashes_match"] = _report_hashes(case, entries, detail)
    return result


def _exit_codes(runs: CaseRuns, detail: list[str]) -> bool:
    ok = True
    for run, *_ in runs.runs:
        closed_already = run.returncode == EXIT_USAGE and "nothing to resume" in run.stderr
        if run.returncode not in (0, KILLED) and not closed_already:
            detail.append(f"`sleuth {' '.join(run.argv[:2])}` exit {run.returncode}: {run.first_stderr_line}")
            ok = False
    return ok


def _closed(case: Path, entries: list[dict[str, Any]], detail: list[str]) -> bool:
    status = json.loads((case / "case.json").read_text(encoding="utf-8")).get("status")
    last = entries[-1] if entries else {}
    ok = last.get("kind") == "case_closed" and last["data"].get("status") == "closed" and status == "closed"
    if not ok:
        detail.append(f"not closed: case.json status {status}, last entry {last.get('kind')}")
    return ok


def _decided_once(entries: list[dict[str, Any]], baseline: Baseline, detail: list[str]) -> bool:
    proposals = of_kind(entries, "proposal")
    ids = tuple(str(p["data"]["proposal_id"]) for p in proposals)
    decisions = Counter(int(d["data"]["proposal_seq"]) for d in of_kind(entries, "decision"))
    ok = ids == baseline.proposal_ids and decisions == Counter({int(p["seq"]): 1 for p in proposals})
    if not ok:
        detail.append(
            f"proposals {list(ids)} (baseline {list(baseline.proposal_ids)}); decisions {dict(decisions)}"
        )
    return ok


def _not_asked_again(runs: CaseRuns, detail: list[str]) -> bool:
    ok = True
    for run, _, before, _ in runs.runs:
        at = {int(e["seq"]): e for e in before}
        decided = {
            str(at[int(d["data"]["proposal_seq"])]["data"]["proposal_id"])
            for d in of_kind(before, "decision")
            if int(d["data"]["proposal_seq"]) in at
        }
        prompted = PROMPTED.findall(run.stderr)
        again = sorted(
            {p for p in prompted if p in decided} | {p for p, n in Counter(prompted).items() if n > 1}
        )
        if again:
            detail.append(f"`sleuth {run.argv[0]}` asked again for {again}")
            ok = False
    return ok


def _approved_before_run(entries: list[dict[str, Any]], detail: list[str]) -> bool:
    at = {int(e["seq"]): e for e in entries}
    ok = True
    for start in of_kind(entries, "execution_started"):
        decision = at.get(int(start["data"]["decision_seq"]))
        if (
            decision is None
            or decision["kind"] != "decision"
            or int(decision["seq"]) >= int(start["seq"])
            or decision["data"]["verdict"] not in ("approve", "edit")
            or decision["data"]["proposal_seq"] != start["data"]["proposal_seq"]
        ):
            detail.append(f"execution_started {start['seq']} has no prior approving decision of its proposal")
            ok = False
    return ok


def _reexecutions(case: Path, entries: list[dict[str, Any]], detail: list[str]) -> tuple[bool, int]:
    """Every run (decision, host, item) ends once; a start before its last was cut short, re-run flagged."""
    ends = Counter(
        int(e["data"]["started_seq"])
        for e in entries
        if e["kind"] in ("execution_finished", "observation")
        and isinstance(e["data"].get("started_seq"), int)
    )
    finished_flag = {
        int(e["data"]["started_seq"]): bool(e["data"].get("reexecution"))
        for e in of_kind(entries, "execution_finished")
    }
    resumed = [int(r["seq"]) for r in of_kind(entries, "resumed")]
    pending = {r["data"].get("pending_started_seq") for r in of_kind(entries, "resumed")} - {None}
    groups: dict[tuple[Any, Any, Any], list[dict[str, Any]]] = {}
    for s in of_kind(entries, "execution_started"):
        groups.setdefault((s["data"]["decision_seq"], s["data"]["host"], s["data"].get("item")), []).append(s)
    problems: list[str] = []
    again = 0
    for key, group in groups.items():
        *cut, last = group
        if ends[int(last["seq"])] != 1:
            problems.append(f"run {key} last start {last['seq']} ended {ends[int(last['seq'])]} times")
        if group[0]["data"].get("reexecution"):
            problems.append(f"first start {group[0]['seq']} of {key} flagged as a re-execution")
        for earlier in cut:
            if ends[int(earlier["seq"])]:
                problems.append(f"start {earlier['seq']} of {key} had ended and was run again")
            if int(earlier["seq"]) not in pending:
                problems.append(
                    f"start {earlier['seq']} of {key} cut short but no `resumed` names it pending"
                )
        for prev, nxt in itertools.pairwise(group):
            again += 1
            if not nxt["data"].get("reexecution"):
                problems.append(f"re-execution {nxt['seq']} of {key} not flagged")
            if not any(int(prev["seq"]) < r < int(nxt["seq"]) for r in resumed):
                problems.append(f"re-execution {nxt['seq']} of {key} without a `resumed` entry before it")
        if finished_flag.get(int(last["seq"])) not in (None, len(group) > 1):
            problems.append(
                f"execution_finished of {last['seq']} has reexecution={finished_flag[int(last['seq'])]}"
            )
    if again and REEXECUTED_MARK not in (case / "report.md").read_text(encoding="utf-8"):
        problems.append(f"report.md does not say {REEXECUTED_MARK!r}")
    detail.extend(problems)
    return not problems, again


def _same_outcome(case: Path, baseline: Baseline, detail: list[str]) -> bool:
    if not (case / "report.json").is_file():
        detail.append("no report.json")
        return False
    findings, verdict = _findings(case), _verdict(case)
    ok = findings == baseline.findings and verdict == baseline.verdict
    if not ok:
        detail.append(
            f"findings differ: missing {sorted(baseline.findings - findings)}, "
            f"extra {sorted(findings - baseline.findings)}; verdict {verdict} (baseline {baseline.verdict})"
        )
    return ok


def _report_hashes(case: Path, entries: list[dict[str, Any]], detail: list[str]) -> bool:
    reports = of_kind(entries, "report")
    on_disk = tuple(
        hashlib.sha256((case / name).read_bytes()).hexdigest() if (case / name).is_file() else None
        for name in ("report.md", "report.json")
    )
    ok = len(reports) == 1 and on_disk == (
        reports[0]["data"]["markdown_sha256"],
        reports[0]["data"]["json_sha256"],
    )
    if not ok:
        detail.append(f"{len(reports)} report entries; on-disk hashes {on_disk}")
    return ok
