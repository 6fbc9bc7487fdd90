"""Run the real `sleuth` CLI in a subprocess, as a user runs it: one process per call, its own environment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository root: the child runs there, so `agent` imports from this checkout."""
SLEUTH = (sys.executable, "-c", "from agent.cli.main import run; run()")
"""The argv prefix that runs `sleuth` with this interpreter."""


def sleuth(
    *args: str,
    home: Path | None = None,
    stdin: str | None = "",
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run `sleuth ARGS` with `stdin` as its input (None: inherit ours), SLEUTH_HOME=home when given.

    The child's environment is `env`, or this process's when env is None, with SLEUTH_HOME added.
    """
    child_env = dict(os.environ if env is None else env)
    if home is not None:
        child_env["SLEUTH_HOME"] = str(home)
    return subprocess.run(
        [*SLEUTH, *args],
        input=stdin,
        env=child_env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def guided_run(host: str, inventory: Path, *extra: str) -> list[str]:
    """The args of `sleuth run linux.ssh.bruteforce` in guided mode on one inventory host, then `extra`."""
    return [
        "run",
        "linux.ssh.bruteforce",
        "--target",
        host,
        "--inventory",
        str(inventory),
        "--backend",
        "guided",
        *extra,
    ]


def read_hostname_args(inventory: Path, *extra: str, host: str = "box") -> list[str]:
    """The args of `sleuth tool read_file path=/etc/hostname` on one inventory host, then `extra`: the
    smallest call that goes through connect, authentication, exec and read."""
    return ["tool", "read_file", "--target", host, "--inventory", str(inventory), "path=/etc/hostname",
            *extra]
