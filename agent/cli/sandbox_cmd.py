"""`sleuth sandbox up|status|down`: realistic compromised hosts on this machine for demos and tests."""

from __future__ import annotations

import argparse
from pathlib import Path

from agent.cli.main import CliError
from sandbox import launcher
from sandbox.scenario import available
from sandbox.state import SandboxState
from tools.settings import data_dir


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `sleuth sandbox` and its sub-commands."""
    group = commands.add_parser(
        "sandbox",
        help="start, inspect or stop sandbox target hosts (root; real sshd in namespaces)",
        description="Sandbox hosts: a real sshd per host on 127.0.0.1, each in its own mount and PID "
        "namespace, seeded from a scenario. Needs root, Debian's openssh-server and util-linux.",
    )
    actions = group.add_subparsers(dest="sandbox_command", metavar="ACTION", required=True)
    up = actions.add_parser("up", help="start the hosts and write their inventory")
    up.add_argument("--scenario", default="ssh-bruteforce-miner", help="scenario name (default %(default)s)")
    up.add_argument(
        "--hosts", type=int, default=1, help=f"number of hosts, 1 to {launcher.MAX_HOSTS} (default 1)"
    )
    status = actions.add_parser("status", help="show which hosts run and answer SSH")
    down = actions.add_parser("down", help="stop every host and remove what `up` wrote")
    for parser in (up, status, down):
        parser.add_argument(
            "--state-dir", type=Path, help="where the sandbox keeps its state (default: DATA_DIR/sandbox)"
        )
    up.set_defaults(func=_up)
    status.set_defaults(func=_status)
    down.set_defaults(func=_down)
    up.epilog = f"scenarios: {', '.join(available())}"


def _state_dir(args: argparse.Namespace) -> Path:
    given: Path | None = args.state_dir
    return given if given is not None else data_dir() / "sandbox"


def _print(state: SandboxState) -> None:
    print(f"scenario: {state.scenario}")
    print(f"inventory: {state.inventory}   (use: --inventory {state.inventory})")
    for host in state.hosts:
        health = "up" if host.alive and host.answers_ssh else ("no ssh" if host.alive else "down")
        print(
            f"  {host.name}  127.0.0.1:{host.port}  {health}  init pid {host.init_pid}  "
            f"host key {host.host_key_fingerprint}"
        )


def _up(args: argparse.Namespace) -> int:
    if not 1 <= args.hosts <= launcher.MAX_HOSTS:
        raise CliError(f"--hosts must be between 1 and {launcher.MAX_HOSTS}, not {args.hosts}")
    state = launcher.up(_state_dir(args), args.scenario, args.hosts)
    _print(state)
    return 0


def _status(args: argparse.Namespace) -> int:
    state = launcher.status(_state_dir(args))
    _print(state)
    return 0 if all(h.alive and h.answers_ssh for h in state.hosts) else 1


def _down(args: argparse.Namespace) -> int:
    launcher.down(_state_dir(args))
    print("sandbox down")
    return 0
