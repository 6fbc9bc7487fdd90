"""The read-only allowlist: which programs, flags and operands a transport will ever run.

`check_argv` is called by every transport before anything runs; a refused argv never reaches a
process or the wire. How an argv is split is documented in `argspec` (GNU getopt rules; find has
its own parser in `findargs`). To let a tool use one more read-only flag, add it to the program's
entry in `tools/transport/programs.py`, making sure it cannot write, delete, or run anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from tools.errors import CommandRefusedError
from tools.transport.argspec import ParsedArgv, ProgramSpec, bounded_int, parse_getopt, refuse
from tools.transport.programs import PROGRAMS

MAX_ARG_BYTES = 4096
MAX_ARGV_BYTES = 64 * 1024


def _encoded(index: int, arg: object) -> bytes:
    if not isinstance(arg, str):
        raise CommandRefusedError(f"argv[{index}] is {type(arg).__name__}, not str")
    if "\x00" in arg:
        raise CommandRefusedError(f"argv[{index}] contains a NUL byte")
    try:
        # surrogateescape: text decoded from non-UTF-8 bytes (os.fsdecode) goes back to those bytes.
        data = arg.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError as exc:
        raise CommandRefusedError(f"argv[{index}] cannot be encoded as bytes: {exc.reason}") from None
    if len(data) > MAX_ARG_BYTES:
        raise CommandRefusedError(f"argv[{index}] is {len(data)} bytes; the limit is {MAX_ARG_BYTES}")
    return data


def parse_argv(argv: Sequence[str]) -> ParsedArgv:
    """Check the raw argv (types, NUL, sizes, program) and split it as its program would."""
    if isinstance(argv, str | bytes) or not argv:
        raise CommandRefusedError("argv must be a non-empty sequence of strings")
    total = sum(len(_encoded(i, arg)) for i, arg in enumerate(argv))
    if total > MAX_ARGV_BYTES:
        raise CommandRefusedError(f"argv is {total} bytes; the limit is {MAX_ARGV_BYTES}")
    program = argv[0]
    if "/" in program:
        raise CommandRefusedError(f"program {program!r} must be a bare name, not a path")
    spec = PROGRAMS.get(program)
    if spec is None:
        raise CommandRefusedError(
            f"program {program!r} is not on the read-only allowlist (allowed: {', '.join(sorted(PROGRAMS))})"
        )
    parser = spec.parser or parse_getopt
    parsed = parser(spec, tuple(argv[1:]))
    for validate in spec.validators:
        validate(parsed)
    return parsed


def check_argv(argv: Sequence[str]) -> tuple[str, ...]:
    """Return argv as a tuple if it is a read-only command on the allowlist; else CommandRefusedError."""
    parse_argv(argv)
    return tuple(argv)


def is_allowlisted_program(program: str) -> bool:
    """Whether `program` is a bare name on the allowlist (used to build `which` probes)."""
    return program in PROGRAMS


__all__ = [
    "MAX_ARGV_BYTES",
    "MAX_ARG_BYTES",
    "PROGRAMS",
    "ParsedArgv",
    "ProgramSpec",
    "bounded_int",
    "check_argv",
    "is_allowlisted_program",
    "parse_argv",
    "refuse",
]
