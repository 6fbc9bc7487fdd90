"""Run the fault campaign and print one JSON document; exit 0 only when every gate of every part holds.

    .venv/bin/python -m tests.campaign.run_campaign [--kills N] [--quick] [--parts kills,faults,...]

Parts: `kills` (SIGKILL a case at N moments and resume it: kills.py), `faults` (misbehaving SSH hosts
through a real loopback sshd: faults.py; skipped, and said so, where sshd cannot run), `inputs` (bad
input at the CLI: bad_inputs.py), `tamper` (altered ledgers of a closed case: tamper.py). `--quick` is
the smoke run the test suite uses: a few of each, about a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

PARTS = ("kills", "faults", "inputs", "tamper")


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="run_campaign", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--kills",
        type=int,
        default=None,
        help="kill moments on the first run, spread over the ledger (default 10; at most one "
        "per ledger entry of the uncrashed run)",
    )
    parser.add_argument("--quick", action="store_true", help="a few of each part (the smoke test)")
    parser.add_argument(
        "--parts", default=",".join(PARTS), help=f"comma-separated subset of {','.join(PARTS)}"
    )
    parser.add_argument(
        "--workers", type=int, default=max(2, min(8, (os.cpu_count() or 2) // 2)), help="cases killed at once"
    )
    parser.add_argument("--keep", type=Path, default=None, help="keep the kills' cases under this directory")
    args = parser.parse_args(argv)
    unknown = set(args.parts.split(",")) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {sorted(unknown)}")
    if args.kills is not None and args.kills < 1:
        parser.error("--kills must be at least 1")
    return args


def _runners(args: argparse.Namespace) -> dict[str, Callable[[], dict[str, Any]]]:
    # Imported here so `--help` stays quick and one part's import problem is that part's failure.
    def kills() -> dict[str, Any]:
        from tests.campaign.kills import run_kills

        return run_kills(args.kills, args.quick, args.workers, args.keep)

    def faults() -> dict[str, Any]:
        from tests.campaign.faults import run_faults

        return run_faults(args.quick)

    def inputs() -> dict[str, Any]:
        from tests.campaign.bad_inputs import run_bad_inputs

        return run_bad_inputs(args.quick)

    def tamper() -> dict[str, Any]:
        from tests.campaign.tamper import run_tamper

        return run_tamper(args.quick)

    return {"kills": kills, "faults": faults, "inputs": inputs, "tamper": tamper}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen parts, print the JSON summary; 0 when every part ran and held every gate."""
    args = _parse(argv)
    runners = _runners(args)
    started = time.monotonic()
    summary: dict[str, Any] = {"quick": args.quick, "parts": {}}
    for name in args.parts.split(","):
        part_started = time.monotonic()
        summary["parts"][name] = runners[name]()
        summary["parts"][name].setdefault("wall_s", round(time.monotonic() - part_started, 1))
    # A part skipped (no sshd here) holds no gate: the campaign is not ok; leave it out with --parts.
    summary["ok"] = all(p["ok"] for p in summary["parts"].values())
    summary["wall_s"] = round(time.monotonic() - started, 1)
    json.dump(summary, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
