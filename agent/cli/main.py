"""Entry point of `sleuth`: builds the parser from the command modules and turns every error into one line."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sqlite3
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from agent.approval.request import printable
from agent.case.errors import CaseError, CaseIntegrityError
from agent.cli.boundary import EXIT_INTERNAL as EXIT_INTERNAL  # re-exported: every code importable here
from agent.cli.boundary import EXIT_LOCAL_IO as EXIT_LOCAL_IO
from agent.cli.boundary import (
    LocalIOError,
    configure_logging,
    describe_os_error,
    disk_full,
    internal_error,
    one_line,
)
from agent.llm.errors import ModelError, ModelNotFoundError, ModelUnavailableError
from playbooks import PlaybookError
from sandbox.errors import SandboxError
from tools.errors import CommandRefusedError, InvalidToolArgsError, InventoryError, ToolError, TransportError
from tools.settings import data_dir

# Exit codes: one per kind of failure, so scripts can tell them apart.
EXIT_OK = 0
EXIT_CHECK_FAILED = 1  # a check ran and found problems (lint errors, audit failure, a tampered case)
EXIT_USAGE = 2  # bad arguments or input (argparse uses 2 as well)
EXIT_TARGET = 3  # the target could not be reached or refused us
EXIT_TOOL = 4  # the tool ran and failed
EXIT_PAUSED = 5  # the case waits for an answer (`sleuth resume`)
# EXIT_INTERNAL = 70: a bug in sleuth (one line naming the crash report); EXIT_LOCAL_IO = 74: this machine
# could not write or read a file (disk full, a path that is a file, a damaged database); both defined in
# agent.cli.boundary.
EXIT_INTERRUPTED = 130  # Ctrl-C (a case being driven is paused: `sleuth resume`)

EXIT_CODES_HELP = (
    "exit status: 0 done, 1 a check found problems (lint, audit, a tampered case), 2 bad arguments or input, "
    "3 the target was never reached or refused us, 4 a tool failed, 5 the case is paused, "
    "70 internal error (see the crash report named), 74 a local file could not be written or read "
    "(disk full, a damaged database), 130 interrupted. Library warnings go to DATA_DIR/logs/sleuth.log."
)

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


_KNOWN_ERRORS = (CliError, ToolError, PlaybookError, SandboxError, CaseError, ModelError, LocalIOError)
"""Errors whose message is written for a user: printed as they are (a playbook's located problems whole)."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a bad argument told in one line (the usage block hid it) and exit 2."""

    def error(self, message: str) -> NoReturn:
        """`PROG: error: MESSAGE (see PROG --help)` on stderr, exit 2; sub-parsers inherit the class."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full `sleuth` parser; every command module adds its sub-commands."""
    parser = OneLineParser(
        prog="sleuth",
        description="Local-first incident response: read-only tools, a human approves every step.",
        epilog=EXIT_CODES_HELP,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"agent.cli.{name}").register(commands)
    return parser


def _exit_code_for(exc: BaseException) -> int:
    if isinstance(exc, CliError):
        return exc.exit_code
    if isinstance(exc, LocalIOError):
        return EXIT_LOCAL_IO
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
    """Run one `sleuth` command; every failure ends as one line on stderr and its exit code."""
    try:
        parser = build_parser()
        args = _parse(parser, argv)
        configure_logging(data_dir())
        return int(args.func(args))
    except KeyboardInterrupt:
        print("sleuth: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # the boundary: nothing below it may end as a traceback
        return report_error(exc)


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    # Commands taking free key=value pairs (`sleuth tool NAME --target X k=v`) accept them after options too.
    args, extras = parser.parse_known_args(argv)
    if extras:
        dest = getattr(args, "extras_dest", None)
        if dest is None or any(e.startswith("-") for e in extras):
            parser.error(f"unrecognized arguments: {' '.join(extras)}")
        setattr(args, dest, [*getattr(args, dest), *extras])
    return args


def report_error(exc: Exception) -> int:
    """Print `exc` as one line (a known error's located lines whole) and return its exit code."""
    full = disk_full(exc)
    if full is not None and not isinstance(exc, LocalIOError):
        print(f"sleuth: error: {full}", file=sys.stderr)
        return EXIT_LOCAL_IO
    if isinstance(exc, _KNOWN_ERRORS):
        first, *rest = (str(exc) or type(exc).__name__).split("\n")
        print("\n".join(printable(line) for line in [f"sleuth: error: {first}", *rest]), file=sys.stderr)
        return _exit_code_for(exc)
    if isinstance(exc, OSError):
        print(f"sleuth: error: {one_line(describe_os_error(exc))}", file=sys.stderr)
        return EXIT_LOCAL_IO
    if isinstance(exc, sqlite3.DatabaseError):
        print(f"sleuth: error: database error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_LOCAL_IO
    print(internal_error(exc, data_dir()), file=sys.stderr)
    return EXIT_INTERNAL


def run() -> None:
    """The `sleuth` program: `main()`, then exit without waiting on a worker thread that is still hung.

    After Ctrl-C a fan-out worker may still sit in a dead host's connect (its call has its own deadline, but
    the user asked to stop now). Everything the case needs is already durable (ledger fsynced, checkpoints
    committed), so the process leaves at once instead of letting interpreter shutdown tear down threads that
    are inside native code (which can abort the process: "terminate called without an active exception").
    """
    code = main()
    if any(t.is_alive() for t in threading.enumerate() if t is not threading.main_thread()):
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing more to say
                stream.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
