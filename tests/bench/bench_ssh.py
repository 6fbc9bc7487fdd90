"""Benchmark: one small command over the pooled SSH connection vs a fresh connection per command.

Run (as root, with Debian's openssh-server): `.venv/bin/python tests/bench/bench_ssh.py [-n 50]
[--login-rc]`; prints JSON. It starts its own sshd on loopback via sandbox.sshd. By default the
login user's ~/.bashrc is hidden from that sshd (a private mount namespace) so the figures measure
Sleuth and not this machine's dotfiles; --login-rc keeps it. Target: pooled p50 <= 30 ms on loopback.
"""

from __future__ import annotations

import argparse
import json
import pwd
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sandbox.sshd import SshdProcess, start_sshd
from tools.inventory import HostEntry, Inventory
from tools.transport.ssh import SSHPool

COMMAND = ("stat", "--printf=%s", "--", "/etc/hostname")
TARGET_POOLED_P50_MS = 30.0


def _quiet_shell_wrap() -> tuple[str, ...]:
    # bash sources ~/.bashrc for sshd commands; hide it in a private mount namespace of sshd.
    rc = Path(pwd.getpwnam("root").pw_dir) / ".bashrc"
    if not rc.is_file() or shutil.which("unshare") is None:
        return ()
    script = 'mount --bind /dev/null "$1" && shift && exec "$@"'
    return ("unshare", "--mount", "--", "sh", "-c", script, "sh", str(rc))


def _inventory(sshd: SshdProcess) -> Inventory:
    entry = HostEntry(
        address="127.0.0.1",
        port=sshd.port,
        user="root",
        key_file=sshd.keys.client_key,
        known_hosts=sshd.known_hosts,
    )
    return Inventory(hosts={"box": entry})


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }


def _time_each(n: int, step: Callable[[], object]) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        step()
        samples.append(time.perf_counter() - started)
    return samples


def _fresh(inventory: Inventory) -> None:
    with SSHPool(inventory) as pool:
        pool.transport("box").run(COMMAND)


def main(argv: list[str] | None = None) -> int:
    """Start an sshd, time pooled and fresh round trips, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=50, help="round trips per mode (default 50)")
    parser.add_argument("--login-rc", action="store_true", help="keep the login user's ~/.bashrc")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-ssh-") as tmp:
        wrap = () if args.login_rc else _quiet_shell_wrap()
        sshd = start_sshd(Path(tmp) / "sshd", wrap=wrap)
        try:
            inventory = _inventory(sshd)
            with SSHPool(inventory) as pool:
                transport = pool.transport("box")
                transport.run(COMMAND)  # warm-up: the connection is already open
                pooled = _time_each(args.n, lambda: transport.run(COMMAND))
                if transport.connections_opened != 1:
                    raise SystemExit("the pooled runs reconnected: the figures would not be pooled")
            _fresh(inventory)
            fresh = _time_each(args.n, lambda: _fresh(inventory))
        finally:
            sshd.stop()
    result = {
        "benchmark": "ssh_round_trip",
        "command": list(COMMAND),
        "n": args.n,
        "login_rc_hidden": bool(wrap),
        "pooled": _summary(pooled),
        "fresh_connection": _summary(fresh),
        "fresh_over_pooled_p50": round(statistics.median(fresh) / statistics.median(pooled), 2),
        "target_pooled_p50_ms": TARGET_POOLED_P50_MS,
        "meets_target": statistics.median(pooled) * 1000 <= TARGET_POOLED_P50_MS,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
