"""Benchmark: one fan-out step on 1, 8 and 32 sandbox hosts in the same process, and a group with a dead host.

Run (as root, with Debian's openssh-server): `.venv/bin/python tests/bench/bench_fleet.py [-r 3]
[--tool list_processes|search_logs]`; prints JSON. It brings up a 32-host sandbox (`sleuth sandbox up
--hosts 32`, ~12 s), then runs a one-step playbook as a whole guided case per group, each case with a
fresh SSH pool (so the step includes every host's connect). `step_s` is the step's span in the ledger
(first execution_started to last end); `run_s` the whole case (open, graph, report, close).

Targets, from issue 12: `ratio_n_over_1` (step_s of N hosts over 1 host) <= 2 for 8 and <= 3 for 32.
`sequential` repeats the figures with a fan-out concurrency of 1 (hosts one at a time, as before the
fan-out). The sandbox's hosts share this machine's CPUs with Sleuth, so on 2 cores their own commands
(sshd, shell, ps) bound the 32-host figure; `load_average_1m` shows what else was running. `dead_host`
adds to the 8-host group a host that accepts TCP and never speaks (a blackhole) with a connect deadline
of DEAD_DEADLINE_S: it should cost at most that deadline once per step, however many hosts run.

`cpu_s` is the CPU each case used from its open to the end of its graph (connections still open, so their
teardown is not in it): `client` this process, `sandbox` every process of the sandbox hosts (sshd, the
shells and commands they ran). `cpu_floor` turns the CPU that the extra N-1 hosts cost (case N minus case
1) into the least time it needs on this machine's cores: the step cannot be shorter, however well it is
scheduled, and `sandbox_only` is that bound for the sandbox's share alone (a client that cost nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from agent.approval.request import Answer, ApprovalRequest
from agent.case.ledger import iter_entries
from agent.case.store import CaseStore
from agent.run.runner import drive
from agent.run.session import RunSpec, open_case, session_scope
from sandbox import launcher
from sandbox.errors import SandboxError
from sandbox.procs import tree_cpu_s

SIZES = (1, 8, 32)
TARGET_RATIO = {8: 2.0, 32: 3.0}
DEAD_DEADLINE_S = 2.0
STEPS = {
    "list_processes": """
    tool: list_processes
    args: {only_flagged: true}
    guidance: Which processes look wrong.""",
    "search_logs": r"""
    tool: search_logs
    args:
      log: auth
      format: auth
      pattern: 'Accepted \S+ for '
    guidance: Who logged in.""",
}
"""The one step, by tool: list_processes runs 3 commands per host (ps twice, one find), search_logs 7."""


def _playbook(tool: str) -> str:
    return f"""
id: bench.fleet.step
title: One step on every host
version: "1.0"
description: One read-only call on each host of the group.
severity: low
attack: [T1057]
steps:
  - id: one
    title: One call per host{STEPS[tool]}
"""



class _ApproveAll:
    """The human, approving every proposal at once."""

    def ask(self, request: ApprovalRequest) -> Answer:
        """Approve."""
        return Answer(verdict="approve")


def _blackhole() -> tuple[socket.socket, list[socket.socket]]:
    """A listening port that accepts and never answers (the held connections are kept open)."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=serve, daemon=True).start()
    return server, held


def _inventory(state_inventory: Path, directory: Path, dead_port: int) -> Path:
    """The sandbox inventory with groups n1, n8, n32 and n8dead (n8 and a blackhole host)."""
    doc = yaml.safe_load(state_inventory.read_text())
    hosts: dict[str, dict[str, Any]] = {}
    for index, (name, entry) in enumerate(doc["hosts"].items()):
        groups = [f"n{n}" for n in SIZES if index < n] + (["n8dead"] if index < 8 else [])
        hosts[name] = {**entry, "groups": groups}
    first = next(iter(hosts.values()))
    hosts["dead-01"] = {
        **first,
        "port": dead_port,
        "connect_timeout_s": DEAD_DEADLINE_S,
        "groups": ["n8dead"],
    }
    path = directory / "inventory.yaml"
    path.write_text(yaml.safe_dump({"hosts": hosts}, sort_keys=False))
    return path


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _cpu_s() -> float:
    """CPU seconds this process (all its threads) has used."""
    times = os.times()
    return times.user + times.system


def _one_case(
    work: Path, inventory: Path, group: str, concurrency: int, sandbox: list[int]
) -> dict[str, float]:
    spec = RunSpec(
        playbook_path=str(work / "bench" / "fleet" / "step.yaml"),
        target=group,
        inventory=str(inventory),
        backend="guided",
        intel_db=str(work / "intel.sqlite"),
    )
    started = time.perf_counter()
    client_before, sandbox_before = _cpu_s(), tree_cpu_s(sandbox)
    session = open_case(spec, store=CaseStore(work / "cases"), approver="bench")
    session.ctx.executor.fanout_concurrency = concurrency  # type: ignore[attr-defined]  # a LiveExecutor
    with session_scope(session):
        outcome = drive(session.ctx, _ApproveAll(), session.initial)
        client_cpu, sandbox_cpu = _cpu_s() - client_before, tree_cpu_s(sandbox) - sandbox_before
    run_s = time.perf_counter() - started
    if outcome.state is None or outcome.state.status != "closed":
        raise SystemExit(f"the case on {group} did not close")
    entries = list(iter_entries(session.case.dir / "ledger.jsonl"))
    starts = [_ts(e.ts) for e in entries if e.kind == "execution_started"]
    ends = [_ts(e.ts) for e in entries if e.kind in ("execution_finished", "observation")]
    failed = sum(1 for x in outcome.state.executions if x.error is not None)
    return {
        "run_s": run_s,
        "step_s": max(ends) - min(starts),
        "failed_runs": failed,
        "client_cpu_s": client_cpu,
        "sandbox_cpu_s": sandbox_cpu,
    }


def _median(
    work: Path, inventory: Path, group: str, concurrency: int, repeats: int, sandbox: list[int]
) -> dict[str, Any]:
    samples = [_one_case(work, inventory, group, concurrency, sandbox) for _ in range(repeats)]

    def mid(key: str) -> float:
        return round(statistics.median(s[key] for s in samples), 3)

    return {
        "step_s": mid("step_s"),
        "run_s": mid("run_s"),
        "failed_runs": max(s["failed_runs"] for s in samples),
        "cpu_s": {"client": mid("client_cpu_s"), "sandbox": mid("sandbox_cpu_s")},
    }


def _cpu_floor(by_size: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """The least step time the extra hosts' CPU allows on this machine's cores, and that over step_s(1)."""
    cpus = os.cpu_count() or 1
    one = by_size[1]
    floor: dict[str, Any] = {}
    for n in SIZES[1:]:
        extra = {side: by_size[n]["cpu_s"][side] - one["cpu_s"][side] for side in ("client", "sandbox")}
        both_s = (extra["client"] + extra["sandbox"]) / cpus
        sandbox_s = extra["sandbox"] / cpus
        floor[str(n)] = {
            "extra_cpu_s": {side: round(v, 3) for side, v in extra.items()},
            "step_s_at_least": round(both_s, 3),
            "ratio_at_least": round(both_s / one["step_s"], 2),
            "sandbox_only_ratio_at_least": round(sandbox_s / one["step_s"], 2),
        }
    return floor


def _series(
    work: Path, inventory: Path, concurrency: int, repeats: int, sandbox: list[int]
) -> dict[str, Any]:
    by_size = {n: _median(work, inventory, f"n{n}", concurrency, repeats, sandbox) for n in SIZES}
    one = by_size[1]
    return {
        "hosts": {str(n): v for n, v in by_size.items()},
        "ratio_n_over_1": {str(n): round(by_size[n]["step_s"] / one["step_s"], 2) for n in SIZES[1:]},
        "run_ratio_n_over_1": {str(n): round(by_size[n]["run_s"] / one["run_s"], 2) for n in SIZES[1:]},
        "cpu_floor": _cpu_floor(by_size),
    }


def main(argv: list[str] | None = None) -> int:
    """Bring up 32 sandbox hosts, time the step per group size (fan-out, then one at a time), print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-r", "--repeats", type=int, default=3, help="cases per figure (median; default 3)")
    parser.add_argument("--skip-sequential", action="store_true", help="only the fan-out figures")
    parser.add_argument("--tool", choices=sorted(STEPS), default="list_processes", help="the step's tool")
    args = parser.parse_args(argv)
    try:
        launcher.check_prerequisites()
    except SandboxError as exc:
        print(f"bench_fleet: {exc}", file=sys.stderr)
        return 2
    load_before = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        work = Path(tmp)
        book = work / "bench" / "fleet" / "step.yaml"
        book.parent.mkdir(parents=True)
        book.write_text(_playbook(args.tool))
        started = time.perf_counter()
        state = launcher.up(work / "sandbox", hosts=max(SIZES))
        up_s = time.perf_counter() - started
        hole, held = _blackhole()
        sandbox = [host.unshare_pid for host in state.hosts]
        try:
            inventory = _inventory(state.inventory, work, hole.getsockname()[1])
            _one_case(work, inventory, "n1", 16, sandbox)  # warm-up: imports, first graph build
            fanout = _series(work, inventory, 16, args.repeats, sandbox)
            dead = _median(work, inventory, "n8dead", 16, args.repeats, sandbox)
            sequential = None if args.skip_sequential else _series(work, inventory, 1, args.repeats, sandbox)
        finally:
            hole.close()
            for conn in held:
                conn.close()
            launcher.down(work / "sandbox")
    eight = fanout["hosts"]["8"]["step_s"]
    report = {
        "tool": args.tool,
        "cpus": os.cpu_count(),
        "load_average_1m": {"before": load_before, "after": round(os.getloadavg()[0], 2)},
        "sandbox_up_32_hosts_s": round(up_s, 2),
        "fanout_concurrency": 16,
        **fanout,
        "targets": {str(n): t for n, t in TARGET_RATIO.items()},
        "meets_targets": all(fanout["ratio_n_over_1"][str(n)] <= t for n, t in TARGET_RATIO.items()),
        "dead_host": {
            "deadline_s": DEAD_DEADLINE_S,
            "step_s_8_live": eight,
            "step_s_8_live_plus_dead": dead["step_s"],
            "extra_s": round(dead["step_s"] - eight, 3),
            "within_one_deadline": dead["step_s"] <= eight + DEAD_DEADLINE_S,
            "failed_runs": dead["failed_runs"],
        },
        "sequential": sequential,
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
