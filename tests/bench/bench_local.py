"""Benchmark: starting a local command from a process with much memory mapped (a loaded model, a long run).

The local transport bounds a command's memory with `prlimit --as=BYTES --` (vfork + exec) instead of a
`preexec_fn` setting RLIMIT_AS, which forces a full fork that copies this process's page tables. Both run
here side by side, in the same process, after mapping `--mapped-mb` of memory; prints JSON with the
per-command times and their ratio.

Run: `.venv/bin/python tests/bench/bench_local.py [--mapped-mb 1500] [-n 50]`.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import statistics
import subprocess
import time

from tools.transport.local import LocalTransport


def _per_command(run: object, n: int) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mapped-mb", type=int, default=1500, help="memory this process maps first (MB)")
    parser.add_argument("-n", type=int, default=50, help="commands per figure (median)")
    opts = parser.parse_args()
    mapped = bytearray(opts.mapped_mb * 2**20)
    for i in range(0, len(mapped), 4096):  # touch every page: mapped and resident, as a loaded model is
        mapped[i] = 1
    limit = 2**30
    transport = LocalTransport(memory_limit=limit)
    argv = ["head", "-c", "1", "/etc/hostname"]
    sleuth_s = _per_command(lambda: transport.run(argv), opts.n)
    bound = functools.partial(resource.setrlimit, resource.RLIMIT_AS, (limit, limit))
    fork_s = _per_command(
        lambda: subprocess.run(argv, preexec_fn=bound, start_new_session=True, capture_output=True), opts.n
    )
    print(json.dumps({
        "mapped_mb": opts.mapped_mb,
        "commands": opts.n,
        "local_transport_ms": round(sleuth_s * 1000, 2),
        "preexec_fn_rlimit_ms": round(fork_s * 1000, 2),
        "ratio_transport_over_preexec": round(sleuth_s / fork_s, 3),
    }, indent=2))


if __name__ == "__main__":
    main()
