"""Part 2: each fault proxy kind between `sleuth` and a real loopback sshd; exit code, time, message.

Every kind runs `sleuth tool read_file` (one SSH call, `--timeout 1`, connect budget 2 s) through a
FaultProxy in front of a quiet sshd; the full campaign also runs a guided `sleuth run` through two of
them. A kind passes when the process exits 3 with one `sleuth: error: ` line naming the host, no
traceback, and ends within its budget (the connect budget for a fault during the handshake, the call's
whole deadline for one after the exec request; a run pays it once per step it tries) plus what the same
command takes on the healthy host through a faithful proxy, measured first, plus a second.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.campaign.common import Run, sleuth
from tests.support.cli import read_hostname_args
from tests.support.faultproxy import FaultProxy, Kind
from tests.transport.fault_helpers import client_bytes, proxy_inventory
from tests.transport.sshd_helpers import NEEDS_SSHD_REASONS, start_quiet_sshd
from tools.transport.ssh import CLIENT_SLACK_S

EXIT_TARGET = 3
CONNECT_BUDGET_S = 2.0
"""The inventory's connect_timeout_s for the proxied host."""
COMMAND_TIMEOUT_S = 1.0
"""`--timeout` of every call."""
CALL_DEADLINE_S = COMMAND_TIMEOUT_S + CLIENT_SLACK_S + CONNECT_BUDGET_S
"""One SSH call's whole deadline (tools/transport/ssh.py: timeout + the remote timeout's slack + connect)."""
MARGIN_S = 1.0
"""Allowed beyond budget + the measured start-up (a loaded machine)."""
RUN_STEPS = 2
"""Steps a guided linux.ssh.bruteforce runs when the host is never reached (the rest need findings)."""


@dataclass(frozen=True)
class FaultCase:
    """One fault kind, its proxy options, its budget and what its message must say."""

    name: str
    kind: Kind
    budget_s: float
    says: str
    options: dict[str, Any] = field(default_factory=dict)
    at_exec: bool = False
    """Trigger after the client's exec request (options get after_client_bytes then)."""


CASES = (
    FaultCase("blackhole", "blackhole", CONNECT_BUDGET_S, "sent no SSH banner"),
    FaultCase("banner_then_drop", "banner_then_drop", CONNECT_BUDGET_S, "closed the connection"),
    FaultCase("garbage_banner", "garbage_banner", CONNECT_BUDGET_S, "is not an SSH server"),
    FaultCase(
        "stall_after_200_bytes",
        "stall_after",
        CONNECT_BUDGET_S,
        "did not finish the key exchange",
        {"after_bytes": 200},
    ),
    FaultCase("trickle", "trickle", CONNECT_BUDGET_S, "sent no SSH banner", {"interval_s": 0.2}),
    FaultCase("stall_at_exec", "stall_after", CALL_DEADLINE_S, "stopped answering", at_exec=True),
    FaultCase("drop_mid_command", "drop_mid_command", CALL_DEADLINE_S, "was lost", at_exec=True),
)
QUICK = ("blackhole", "garbage_banner", "drop_mid_command")
RUN_KINDS = ("blackhole", "stall_at_exec")


def _tool(inventory: Path) -> list[str]:
    return read_hostname_args(inventory, "--timeout", f"{COMMAND_TIMEOUT_S:g}")


def _run(inventory: Path, cases: Path) -> list[str]:
    return [
        "run",
        "linux.ssh.bruteforce",
        "--target",
        "box",
        "--inventory",
        str(inventory),
        "--backend",
        "guided",
        "--console",
        "--timeout",
        f"{COMMAND_TIMEOUT_S:g}",
        "--case-dir",
        str(cases),
    ]


def _record(case: FaultCase, via: str, run: Run, budget_s: float, startup_s: float) -> dict[str, Any]:
    lines = [line for line in run.stderr.splitlines() if line.startswith("sleuth: error: ")]
    line = lines[-1] if lines else run.first_stderr_line
    gates = {
        "exit_3": run.returncode == EXIT_TARGET,
        "within_deadline": run.wall_s <= budget_s + startup_s + MARGIN_S,
        "clear_message": bool(lines) and case.says in line and "box" in line,
        "no_traceback": not run.traceback,
    }
    if via == "tool":
        gates["one_line"] = len(run.stderr.strip().splitlines()) == 1
    return {
        "kind": case.name,
        "via": via,
        "exit": run.returncode,
        "wall_s": round(run.wall_s, 2),
        "budget_s": budget_s,
        "startup_s": round(startup_s, 2),
        "stderr_line": line,
        "traceback": run.traceback,
        "gates": gates,
        "ok": all(gates.values()),
    }


def run_faults(quick: bool) -> dict[str, Any]:
    """The faults part: a JSON-able summary (skipped, with the reason, where sshd cannot run)."""
    for missing, reason in NEEDS_SSHD_REASONS:
        if missing:
            return {"ok": False, "skipped": reason}
    with tempfile.TemporaryDirectory(prefix="sleuth-faults-") as tmp:
        work = Path(tmp)
        sshd = start_quiet_sshd(work / "sshd")
        try:
            return _against(sshd, work, quick)
        finally:
            sshd.stop()


def _against(sshd: Any, work: Path, quick: bool) -> dict[str, Any]:
    exec_bytes = client_bytes(work / "calibrate", sshd).before_exec
    home = work / "home"
    with FaultProxy("forward", sshd.port) as proxy:
        inventory = proxy_inventory(work, sshd, proxy, connect_timeout_s=CONNECT_BUDGET_S)
        good = sleuth(*_tool(inventory), home=home)
        # The reference for a faulty `sleuth run`: the same run on the healthy host (it reads this machine's
        # own auth log, or finds none; either way every step reaches the host).
        good_run = (
            None if quick else sleuth(*_run(inventory, work / "cases-good"), home=home, stdin="a\n" * 10)
        )
    if good.returncode != 0 or (good_run is not None and good_run.returncode not in (0, 3)):
        return {
            "ok": False,
            "error": "a call through a faithful proxy failed",
            "stderr": good.stderr[-1000:] + (good_run.stderr[-1000:] if good_run else ""),
        }
    startup = {"tool": good.wall_s, "run": good_run.wall_s if good_run is not None else 0.0}
    records: list[dict[str, Any]] = []
    for case in CASES:
        if quick and case.name not in QUICK:
            continue
        options = {**case.options, **({"after_client_bytes": exec_bytes} if case.at_exec else {})}
        vias = ("tool", "run") if not quick and case.name in RUN_KINDS else ("tool",)
        for via in vias:
            with FaultProxy(case.kind, sshd.port, **options) as proxy:
                inventory = proxy_inventory(work, sshd, proxy, connect_timeout_s=CONNECT_BUDGET_S)
                if via == "tool":
                    run = sleuth(*_tool(inventory), home=home, timeout=120)
                    budget = case.budget_s
                else:
                    run = sleuth(
                        *_run(inventory, work / f"cases-{case.name}"),
                        home=home,
                        stdin="a\n" * 10,
                        timeout=300,
                    )
                    budget = case.budget_s * RUN_STEPS
                connections = proxy.accepted
            records.append({**_record(case, via, run, budget, startup[via]), "connections": connections})
    return {
        "ok": all(r["ok"] for r in records),
        "healthy_s": {via: round(t, 2) for via, t in startup.items()},
        "kinds": len({r["kind"] for r in records}),
        "calls": len(records),
        "passed": sum(r["ok"] for r in records),
        "tracebacks": sum(r["traceback"] for r in records),
        "results": records,
    }
