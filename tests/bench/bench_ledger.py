"""Benchmark: ledger append (fsync included) and evidence put, against plain unsynced writes in the same run.

Run: `.venv/bin/python tests/bench/bench_ledger.py [--steps 100] [--dir DIR]`; prints JSON.
The graph's budget is <= 20 ms of overhead per step; one step records about five entries
(proposal, decision, execution_started, execution_finished, finding) and one evidence blob.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import JsonValue

from agent.case.payloads import (
    DecisionRecorded,
    ExecutionFinished,
    ExecutionStarted,
    FindingRecorded,
    Payload,
    ProposalRecorded,
)
from agent.case.store import Case, CaseStore
from agent.case.verify import verify

ENTRIES_PER_STEP = 5


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 4),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 4),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 4),
    }


def _time_each(n: int, fn: Callable[[int], object]) -> list[float]:
    out: list[float] = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - start)
    return out


def _step(case: Case, blob: bytes, append_times: list[float], put_times: list[float]) -> None:
    """One investigation step as the graph records it: five entries and one 64 KiB evidence blob."""

    def timed(payload: Payload) -> int:
        start = time.perf_counter()
        seq = case.ledger.append(payload, actor="bench").seq
        append_times.append(time.perf_counter() - start)
        return seq

    args: dict[str, JsonValue] = {"pattern": "Failed password for .* from ([0-9.]+)", "path": "auth.log"}
    rationale = "brute force suspected"
    proposal = ProposalRecorded(tool="search_logs", args=args, host="web01", rationale=rationale)
    p = timed(proposal)
    d = timed(DecisionRecorded(proposal_seq=p, verdict="approve", approver="alice"))
    s = timed(ExecutionStarted(decision_seq=d, proposal_seq=p, tool="search_logs", host="web01", args=args))
    start = time.perf_counter()
    ref = case.evidence.put(blob)
    put_times.append(time.perf_counter() - start)
    f = timed(ExecutionFinished(
        started_seq=s, tool="search_logs", host="web01", host_key_fingerprint="SHA256:" + "A" * 43,
        argv=("grep", "-E", "-n", "--", "Failed password for .* from ([0-9.]+)", "/var/log/auth.log"),
        exit_status=0, output_sha256=ref.sha256, bytes=ref.size, truncated=False, evidence=ref.relpath,
        duration_s=0.123,
    ))
    timed(FindingRecorded(name="source_ips", value=["203.0.113.7"], evidence=(ref.sha256,), source_seq=f))


def run(steps: int, work: Path) -> dict[str, object]:
    """Measure everything under `work` and return the figures."""
    ledger_times: list[float] = []
    put_times: list[float] = []
    step_times: list[float] = []
    blob_data = [os.urandom(64 * 1024) for _ in range(steps)]
    with CaseStore(work / "cases").create(playbook_id="bench", target="web01", actor="bench") as case:
        for blob in blob_data:
            start = time.perf_counter()
            _step(case, blob, ledger_times, put_times)
            step_times.append(time.perf_counter() - start)
        lines = (case.dir / "ledger.jsonl").read_bytes().splitlines(keepends=True)[1:]
        case_dir = case.dir
    appends, blobs = len(ledger_times), len(put_times)

    with (work / "plain.jsonl").open("ab") as fh:
        def plain(i: int) -> None:
            fh.write(lines[i])
            fh.flush()

        plain_times = _time_each(appends, plain)
    with (work / "plain_sync.jsonl").open("ab") as fh:
        def plain_sync(i: int) -> None:
            fh.write(lines[i])
            fh.flush()
            os.fsync(fh.fileno())

        plain_sync_times = _time_each(appends, plain_sync)
    (work / "blobs").mkdir()
    blob_plain_times = _time_each(blobs, lambda i: (work / "blobs" / str(i)).write_bytes(blob_data[i]))

    start = time.perf_counter()
    report = verify(case_dir)
    verify_s = time.perf_counter() - start

    append, put = _ms(ledger_times), _ms(put_times)
    base_append, base_put = _ms(plain_times), _ms(blob_plain_times)
    return {
        "filesystem_dir": str(work),
        "appends": appends,
        "blobs": blobs,
        "entry_bytes_mean": round(statistics.fmean(len(x) for x in lines), 1),
        "ledger_append_fsync": append,
        "baseline_plain_append_unsynced": base_append,
        "baseline_plain_append_fsync": _ms(plain_sync_times),
        "ratio_append_p50_vs_unsynced": round(append["p50_ms"] / max(base_append["p50_ms"], 1e-6), 1),
        "evidence_put_64KiB": put,
        "baseline_plain_write_64KiB_unsynced": base_put,
        "ratio_put_p50_vs_unsynced": round(put["p50_ms"] / max(base_put["p50_ms"], 1e-6), 1),
        "verify_ms": round(verify_s * 1000, 2),
        "verify_entries": report.entries,
        "verify_ok": report.ok,
        "step_record": {
            "what": f"{ENTRIES_PER_STEP} appends + one 64 KiB evidence put, timed per step",
            **_ms(step_times), "budget_ms": 20.0,
        },
    }


def main() -> None:
    """Parse options, run in a temporary directory, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=100, help="steps (5 appends + 1 blob each)")
    parser.add_argument("--dir", type=Path, default=None, help="where to write (default: system temp dir)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sleuth-bench-", dir=args.dir))
    try:
        print(json.dumps(run(args.steps, work), indent=2))
    finally:
        for blob in (work.rglob("*")):
            if blob.is_file():
                blob.chmod(0o644)
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
