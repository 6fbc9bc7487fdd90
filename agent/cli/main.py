"""Entry point of `sleuth`: builds the parser from the command modules and turns user errors into one line."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from agent.case.errors import CaseError, CaseIntegrityError
from agent.llm.errors import ModelError, ModelNotFoundError, ModelUnavailableError
from playbooks.errors import PlaybookError
from sandbox.errors import SandboxError
from tools.errors import CommandRefusedError, InvalidToolArgsError, InventoryError, ToolError, TransportError

# Exit codes: one per kind of failure, so scripts can tell them apart.
EXIT_OK = 0
EXIT_CHECK_FAILED = 1  # a check ran and found problems (lint errors, audit failure, a tampered case)
EXIT_USAGE = 2  # bad arguments or input (argparse uses 2 as well)
EXIT_TARGET = 3  # the target could not be reached or refused us
EXIT_TOOL = 4  # the tool ran and failed
EXIT_INTERRUPTED = 130

COMMAND_MODULES: tuple[str, ...] = (
    "tool_cmd",
    "intel_cmd",
    "audit_cmd",
    "cases_cmd",
    "sandbox_cmd",
    "playbook_cmd",
    "run_cmd",
    "model_cmd",
    "tui_cmd",
)


class CliError(Exception):
    """A user-facing failure with its exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def build_parser() -> argparse.ArgumentParser:
    """The full `sleuth` parser; every command module adds its sub-commands."""
    parser = argparse.ArgumentParser(
        prog="sleuth",
        description="Local-first incident response: read-only tools, a human approves every step.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"agent.cli.{name}").register(commands)
    return parser


def _exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, CliError):
        return exc.exit_code
    if isinstance(exc, CaseIntegrityError):  # tampered or corrupted case files: refused, nothing ran
        return EXIT_CHECK_FAILED
    if isinstance(
        exc, InvalidToolArgsError | CommandRefusedError | InventoryError | PlaybookError | CaseError
    ):
        return EXIT_USAGE
    if isinstance(exc, ModelNotFoundError):
        return EXIT_USAGE
    if isinstance(exc, TransportError | ModelUnavailableError):
        return EXIT_TARGET
    if isinstance(exc, ToolError | SandboxError):
        return EXIT_TOOL
    return EXIT_TOOL


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `sleuth` command; user mistakes end as one line on stderr and a non-zero exit code."""
    parser = build_parser()
    # Commands taking free key=value pairs (`sleuth tool NAME --target X k=v`) accept them after options too.
    args, extras = parser.parse_known_args(argv)
    if extras:
        dest = getattr(args, "extras_dest", None)
        if dest is None or any(e.startswith("-") for e in extras):
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
        setattr(args, dest, [*getattr(args, dest), *extras])
    try:
        code: int = args.func(args)
    except KeyboardInterrupt:
        print("sleuth: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (CliError, ToolError, PlaybookError, SandboxError, CaseError, ModelError) as exc:
        # Located multi-line messages (a playbook's every problem) are printed whole.
        print(f"sleuth: error: {exc or type(exc).__name__}", file=sys.stderr)
        return _exit_code_for(exc)
    return code


if __name__ == "__main__":
    sys.exit(main())
