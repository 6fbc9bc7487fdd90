"""Benchmark: search_logs (count_only, local) against `rg -c` and `LC_ALL=C grep -E -c` on one big auth.log.

A script, not a test: `python tests/bench/bench_search.py [--size-mib 1024] [--repeat 3]`; prints JSON.
Target: our throughput >= 0.8x ripgrep's (the tool adds argv building, validation and parsing only).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tools.base import ToolContext
from tools.logsearch.dialect import compile_pattern
from tools.search_logs import TOOL
from tools.transport.local import LocalTransport

CASES = (
    ("literal", "Failed password", False),
    ("regex", r"Failed password for (invalid user )?\w+ from 203\.0\.113\.1\d\d port", False),
    ("ignore_case", "failed PASSWORD for ROOT", True),
)
USERS = ("root", "admin", "oracle", "deploy", "ubuntu", "postgres", "git", "test")


def _block(lines: int) -> bytes:
    """A varied block of sshd/cron/sudo lines; the file is this block repeated."""
    out: list[str] = []
    for i in range(lines):
        user = USERS[(i // 10) % len(USERS)]
        ip = f"203.0.113.{(i * 13) % 250}"
        stamp = f"Nov {1 + i % 28:2d} {i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}"
        kind = i % 10
        if kind in (0, 3):
            invalid = "invalid user " if i % 20 == 0 else ""
            msg = f"sshd[{1000 + i}]: Failed password for {invalid}{user} from {ip} port {40000 + i} ssh2"
        elif kind == 5:
            msg = f"sshd[{1000 + i}]: Accepted publickey for {user} from {ip} port {40000 + i} ssh2: ED25519"
        elif kind == 7:
            msg = f"sudo: {user} : TTY=pts/{i % 9} ; PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/id"
        elif kind == 8:
            msg = f"CRON[{2000 + i}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"
        else:
            msg = f"sshd[{1000 + i}]: pam_unix(sshd:session): session closed for user {user}"
        out.append(f"{stamp} web01 {msg}\n")
    return "".join(out).encode()


def generate(path: Path, size: int) -> int:
    """Write about `size` bytes of log by repeating a varied block; return the exact size."""
    block = _block(20_000)
    with path.open("wb") as handle:
        written = 0
        while written < size:
            handle.write(block)
            written += len(block)
    return written


def _best(run: object, repeat: int) -> tuple[float, int]:
    best, count = float("inf"), -1
    for _ in range(repeat):
        started = time.perf_counter()
        count = run()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best, count


def _external(argv: list[str]) -> int:
    done = subprocess.run(argv, capture_output=True, check=False, env={"LC_ALL": "C", "PATH": os.defpath})
    if done.returncode not in (0, 1):
        raise SystemExit(f"{argv[0]} failed: {done.stderr.decode(errors='replace')}")
    return int(done.stdout.split()[-1]) if done.stdout.strip() else 0


def main() -> None:
    """Generate, warm the page cache, time the three searches per case, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    rg = str(Path(sys.executable).parent / "rg")
    grep = shutil.which("grep") or "grep"
    ctx = ToolContext(transport=LocalTransport(), timeout_s=600.0)
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="sleuth-bench-") as tmp:
        log = Path(tmp) / "auth.log"
        size = generate(log, opts.size_mib * 1024 * 1024)
        with log.open("rb") as handle:  # read once so every engine sees a page-cached file
            while handle.read(16 * 1024 * 1024):
                pass
        for name, pattern, ignore_case in CASES:
            args = TOOL.parse_args(
                {"paths": [str(log)], "pattern": pattern, "ignore_case": ignore_case, "count_only": True,
                 "include_rotated": False}
            )

            def ours(args: object = args) -> int:
                rows = TOOL.run(args, ctx).rows  # type: ignore[arg-type]
                return sum(int(r["count"] or 0) for r in rows)  # type: ignore[call-overload]

            case_flag = ["-i"] if ignore_case else []
            ere = compile_pattern(pattern).ere  # GNU grep -E has no \d: give it the translation
            rg_argv = [rg, "--no-config", "-c", *case_flag, "-e", pattern, str(log)]
            grep_argv = [grep, "-E", "-c", *case_flag, "-e", ere, str(log)]
            timings = {
                "search_logs": _best(ours, opts.repeat),
                "rg": _best(partial(_external, rg_argv), opts.repeat),
                "grep": _best(partial(_external, grep_argv), opts.repeat),
            }
            counts = {k: c for k, (_, c) in timings.items()}
            results.append({
                "case": name,
                "pattern": pattern,
                "grep_pattern": ere,
                "ignore_case": ignore_case,
                "counts": counts,
                "counts_agree": len(set(counts.values())) == 1,
                "seconds": {k: round(t, 4) for k, (t, _) in timings.items()},
                "gb_per_s": {k: round(size / 1e9 / t, 3) for k, (t, _) in timings.items()},
                "ours_over_rg": round(timings["rg"][0] / timings["search_logs"][0], 3),
            })
    print(json.dumps({"file_bytes": size, "repeat": opts.repeat, "cpus": os.cpu_count(),
                      "target_ours_over_rg": 0.8, "results": results}, indent=2))


if __name__ == "__main__":
    main()
