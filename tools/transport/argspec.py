"""How an allowlisted program's argv is parsed and checked: the ProgramSpec record and its parsers.

The parser mirrors GNU getopt_long, which is how the programs themselves read their argv, so
that what we check is what the program will see:

- Every argument that starts with `-` (and is not `-` alone) before `--` is an option, wherever
  it stands (GNU getopt permutes). An operand that starts with `-` must therefore follow `--`,
  and only programs whose spec says they support `--` accept it.
- A short argument `-abc` is a cluster: each letter must be an allowed boolean flag, except that
  a value flag takes the rest of the cluster as its value (`-m5`) or, when it ends the cluster,
  the next argument (`-m 5`, even if that argument starts with `-`).
- A long flag matches exactly (getopt's unambiguous-prefix matching is never relied on, so an
  abbreviation such as `--vacuum-s` is refused). A long value flag takes `--name=value` or
  `--name value`; a long boolean flag refuses `=value`; an optional-value flag (listed with a
  trailing `=`, like `--color=`) only takes the attached form `--color=never`, as getopt does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tools.errors import CommandRefusedError


@dataclass(frozen=True)
class ParsedArgv:
    """An argv split the way the program will split it: options (flag, value) and operands."""

    program: str
    options: tuple[tuple[str, str | None], ...]
    operands: tuple[str, ...]

    def flags(self) -> frozenset[str]:
        """Every flag given, in its canonical spelling."""
        return frozenset(flag for flag, _ in self.options)

    def values(self, *names: str) -> tuple[str, ...]:
        """Values given to any of the named flags, in order."""
        return tuple(value for flag, value in self.options if flag in names and value is not None)


Validator = Callable[[ParsedArgv], None]
ValueCheck = Callable[[str, str], None]
Parser = Callable[["ProgramSpec", tuple[str, ...]], ParsedArgv]


def refuse(program: str, why: str) -> CommandRefusedError:
    """A CommandRefusedError naming the program and the reason."""
    return CommandRefusedError(f"{program}: {why}")


@dataclass(frozen=True)
class ProgramSpec:
    """What one read-only program may be given: flags, value flags, operands and extra checks."""

    name: str
    why_read_only: str
    flags: frozenset[str] = frozenset()
    value_flags: frozenset[str] = frozenset()
    optional_value_flags: frozenset[str] = frozenset()
    refused: Mapping[str, str] = field(default_factory=dict)
    value_checks: Mapping[str, ValueCheck] = field(default_factory=dict)
    double_dash: bool = True
    max_operands: int | None = None
    validators: tuple[Validator, ...] = ()
    parser: Parser | None = None

    def check_value(self, flag: str, value: str) -> None:
        """Run the value check registered for a flag, if any."""
        check = self.value_checks.get(flag)
        if check is None:
            return
        try:
            check(flag, value)
        except CommandRefusedError as exc:
            raise refuse(self.name, str(exc)) from None

    def unknown(self, arg: str) -> CommandRefusedError:
        """The refusal for an option that is not on this program's allowlist."""
        reason = self.refused.get(arg.split("=", 1)[0])
        if reason is not None:
            return refuse(self.name, f"{arg!r} is refused: {reason}")
        return refuse(
            self.name,
            f"{arg!r} is not an allowed option (an operand starting with '-' must follow '--'"
            + ("" if self.double_dash else f", which {self.name} does not take here")
            + ")",
        )


def words(text: str) -> frozenset[str]:
    """A set of flags from a space-separated string (keeps the tables readable)."""
    return frozenset(text.split())


def _parse_long(spec: ProgramSpec, arg: str, rest: list[str]) -> tuple[str, str | None]:
    name, eq, attached = arg.partition("=")
    if name in spec.value_flags:
        if eq:
            return name, attached
        if not rest:
            raise refuse(spec.name, f"{name} needs a value")
        return name, rest.pop(0)
    if name in spec.optional_value_flags:
        return name, attached if eq else None
    if name in spec.flags:
        if eq:
            raise refuse(spec.name, f"{name} takes no value")
        return name, None
    raise spec.unknown(arg)


def _parse_cluster(spec: ProgramSpec, arg: str, rest: list[str]) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    letters = arg[1:]
    for i, letter in enumerate(letters):
        flag = "-" + letter
        if flag in spec.value_flags:
            attached = letters[i + 1 :]
            if attached:
                out.append((flag, attached))
            elif rest:
                out.append((flag, rest.pop(0)))
            else:
                raise refuse(spec.name, f"{flag} needs a value")
            return out
        if flag in spec.optional_value_flags:
            out.append((flag, letters[i + 1 :] or None))
            return out
        if flag not in spec.flags:
            raise spec.unknown(flag if len(letters) > 1 else arg)
        out.append((flag, None))
    return out


def parse_getopt(spec: ProgramSpec, args: tuple[str, ...]) -> ParsedArgv:
    """Split args (argv without the program) as GNU getopt_long would, refusing unknown options."""
    rest = list(args)
    options: list[tuple[str, str | None]] = []
    operands: list[str] = []
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            if not spec.double_dash:
                raise refuse(spec.name, "'--' is not accepted by this program's allowlist entry")
            operands.extend(rest)
            break
        if arg.startswith("--"):
            options.append(_parse_long(spec, arg, rest))
        elif arg.startswith("-") and arg != "-":
            options.extend(_parse_cluster(spec, arg, rest))
        else:
            operands.append(arg)
    for flag, value in options:
        if value is not None:
            spec.check_value(flag, value)
    if spec.max_operands == 0 and operands:
        raise refuse(spec.name, f"takes no operands (only dash options), got {operands[0]!r}")
    if spec.max_operands is not None and len(operands) > spec.max_operands:
        raise refuse(spec.name, f"takes at most {spec.max_operands} operand(s), got {len(operands)}")
    return ParsedArgv(spec.name, tuple(options), tuple(operands))


def bounded_int(maximum: int, *, minimum: int = 0) -> ValueCheck:
    """A value check: a plain decimal integer in [minimum, maximum] (no sign, no suffix)."""

    def check(flag: str, value: str) -> None:
        if not value.isascii() or not value.isdigit() or not minimum <= int(value) <= maximum:
            raise CommandRefusedError(
                f"{flag} needs a plain number from {minimum} to {maximum}, got {value!r}"
            )

    return check


def one_of(*choices: str) -> ValueCheck:
    """A value check: one of a fixed set of words."""

    def check(flag: str, value: str) -> None:
        if value not in choices:
            raise CommandRefusedError(f"{flag} takes one of {', '.join(choices)}, got {value!r}")

    return check
