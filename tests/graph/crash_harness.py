"""The crash/resume harness: drive `sleuth run`/`sleuth resume` in subprocesses and read what they left.

Each CLI call runs in its own process with its own environment (SLEUTH_CRASH_AT is set only there,
never in this process); answers go in on stdin, one per line, as a scripted responder would type them.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from agent.case.entry import LedgerEntry
from agent.case.ledger import iter_entries
from agent.case.meta import read_meta
from agent.case.payloads import LedgerKind
from tests.support import cli

PROMPT_MARKER = "── step"  # agent/approval/console.py prints it once per approval prompt


@dataclass(frozen=True)
class CliRun:
    """One finished `sleuth` process."""

    returncode: int
    """Exit status (negative: killed by that signal)."""
    stdout: str
    """What it printed on stdout."""
    stderr: str
    """What it printed on stderr (the console's prompts go there)."""

    @property
    def prompts(self) -> int:
        """How many approval prompts the console showed."""
        return sum(1 for line in self.stderr.splitlines() if line.startswith(PROMPT_MARKER))


@dataclass
class Harness:
    """One SLEUTH_HOME and case directory; runs the CLI against the sandbox inventory."""

    home: Path
    inventory: Path
    host: str
    runs: list[CliRun] = field(default_factory=list)

    @property
    def cases(self) -> Path:
        """Where this harness's cases live."""
        return self.home / "cases"

    def sleuth(
        self, *argv: str, answers: int = 0, crash_at: str | None = None, timeout: float = 60
    ) -> CliRun:
        """Run `sleuth ARGV` with `answers` approvals on stdin; SLEUTH_CRASH_AT only in the child."""
        env = {k: v for k, v in os.environ.items() if k != "SLEUTH_CRASH_AT"}
        if crash_at is not None:
            env["SLEUTH_CRASH_AT"] = crash_at
        done = cli.sleuth(*argv, home=self.home, stdin="a\n" * answers, env=env, timeout=timeout)
        run = CliRun(done.returncode, done.stdout, done.stderr)
        self.runs.append(run)
        return run

    def run_case(self, *, answers: int, crash_at: str | None = None, inventory: Path | None = None) -> CliRun:
        """`sleuth run` of the playbook on the sandbox host, guided."""
        return self.sleuth(
            *cli.guided_run(self.host, inventory or self.inventory, "--case-dir", str(self.cases)),
            answers=answers,
            crash_at=crash_at,
        )

    def resume(self, case_id: str, *, answers: int, crash_at: str | None = None) -> CliRun:
        """`sleuth resume CASE`."""
        return self.sleuth(
            "resume", case_id, "--case-dir", str(self.cases), answers=answers, crash_at=crash_at
        )

    def verify(self, case_id: str) -> CliRun:
        """`sleuth audit verify CASE`."""
        return self.sleuth("audit", "verify", str(self.cases / case_id))

    def only_case(self) -> str:
        """The id of the one case this harness opened."""
        ids = [p.name for p in self.cases.iterdir() if p.is_dir()]
        if len(ids) != 1:
            raise RuntimeError(f"expected exactly one case under {self.cases}, found {ids}")
        return ids[0]

    def status(self, case_id: str) -> str:
        """The case's status in case.json."""
        return read_meta(self.cases / case_id).status

    def ledger(self, case_id: str) -> list[LedgerEntry]:
        """Every entry of the case's ledger, parsed."""
        return list(iter_entries(self.cases / case_id / "ledger.jsonl"))

    @property
    def prompts(self) -> int:
        """Approval prompts shown across every run so far."""
        return sum(r.prompts for r in self.runs)


def of_kind(entries: list[LedgerEntry], kind: LedgerKind) -> list[LedgerEntry]:
    """The entries of one kind, in ledger order."""
    return [e for e in entries if e.kind == kind]


def decided(entries: list[LedgerEntry]) -> int:
    """How many decisions the ledger holds."""
    return len(of_kind(entries, LedgerKind.DECISION))


def ends_by_start(entries: list[LedgerEntry]) -> dict[int, list[LedgerEntry]]:
    """execution_finished / observation entries grouped by the start they end."""
    out: dict[int, list[LedgerEntry]] = {}
    for e in entries:
        if e.kind in (LedgerKind.EXECUTION_FINISHED, LedgerKind.OBSERVATION):
            started = e.data.get("started_seq")
            if isinstance(started, int):
                out.setdefault(started, []).append(e)
    return out


def run_key(start: LedgerEntry) -> tuple[object, object, object]:
    """Which run a start belongs to: (decision seq, host, item)."""
    return (start.data["decision_seq"], start.data["host"], start.data.get("item"))


def report_findings(case_dir: Path) -> set[tuple[str, str]]:
    """(name, value) of every finding in the case's report.json."""
    report = json.loads((case_dir / "report.json").read_text(encoding="utf-8"))
    return {(f["name"], f["value"]) for f in report["findings"]}


def report_hashes(case_dir: Path) -> tuple[str, str]:
    """sha256 of report.md and report.json as they are on disk."""
    return tuple(  # type: ignore[return-value]
        hashlib.sha256((case_dir / name).read_bytes()).hexdigest() for name in ("report.md", "report.json")
    )
