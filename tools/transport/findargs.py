"""find's argv is not getopt: global options, then starting paths, then an expression of primaries.

The split mirrors GNU find: the starting paths end at the first argument that starts with `-` or
is `(` or `!`; everything after is the expression. Each primary that takes an argument consumes
the next token unconditionally (so `-mtime -7` and `-name -x` are one primary each), exactly as
find's parser does, and every primary must be on the allowlist. A starting path that begins with
`-`, or is `-`, `)` or `,` (which find would read differently), is refused: write `./-name`.
"""

from __future__ import annotations

from tools.transport.argspec import ParsedArgv, ProgramSpec, refuse

GLOBAL_OPTIONS = frozenset({"-H", "-L", "-P"})
OPERATORS = frozenset({"(", ")", "!", ",", "-not", "-a", "-and", "-o", "-or"})
_AMBIGUOUS_PATHS = frozenset({"-", ")", ","})


def _starts_expression(arg: str) -> bool:
    return (arg.startswith("-") and arg != "-") or arg in ("(", "!")


def parse_find(spec: ProgramSpec, args: tuple[str, ...]) -> ParsedArgv:
    """Split a find argv into starting paths (operands) and primaries (options), refusing the rest."""
    rest = list(args)
    options: list[tuple[str, str | None]] = []
    while rest and rest[0] in GLOBAL_OPTIONS:
        options.append((rest.pop(0), None))
    paths: list[str] = []
    while rest and not _starts_expression(rest[0]):
        path = rest.pop(0)
        if path in _AMBIGUOUS_PATHS:
            raise refuse(spec.name, f"starting path {path!r} is ambiguous; write it as ./{path}")
        paths.append(path)
    if not paths:
        raise refuse(spec.name, "name at least one starting path (a path may not begin with '-')")
    while rest:
        token = rest.pop(0)
        if token in OPERATORS or token in spec.flags:
            options.append((token, None))
        elif token in spec.value_flags:
            if not rest:
                raise refuse(spec.name, f"{token} needs an argument")
            value = rest.pop(0)
            spec.check_value(token, value)
            options.append((token, value))
        elif token in spec.refused:
            raise refuse(spec.name, f"{token!r} is refused: {spec.refused[token]}")
        else:
            raise refuse(
                spec.name,
                f"{token!r} is not an allowed primary (starting paths come first and may not begin with '-')",
            )
    return ParsedArgv(spec.name, tuple(options), tuple(paths))
