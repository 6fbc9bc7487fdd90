"""The tree a parsed pattern becomes, and the ASCII byte sets behind \\d, \\w, \\s and [:classes:]."""

from __future__ import annotations

import string
from dataclasses import dataclass

ASCII = frozenset(range(128))
DIGIT = frozenset(range(ord("0"), ord("9") + 1))
UPPER = frozenset(range(ord("A"), ord("Z") + 1))
LOWER = frozenset(range(ord("a"), ord("z") + 1))
WORD = DIGIT | UPPER | LOWER | {ord("_")}
# RE2's \s is [\t\n\f\r ] (no \v), unlike GNU grep's \s, so it is spelled out for every engine.
SPACE = frozenset(b"\t\n\f\r ")
POSIX_CLASSES: dict[str, frozenset[int]] = {
    "alnum": DIGIT | UPPER | LOWER,
    "alpha": UPPER | LOWER,
    "ascii": ASCII,
    "blank": frozenset(b"\t "),
    "cntrl": frozenset(range(32)) | {127},
    "digit": DIGIT,
    "graph": frozenset(range(33, 127)),
    "lower": LOWER,
    "print": frozenset(range(32, 127)),
    "punct": frozenset(string.punctuation.encode()),
    "space": frozenset(b"\t\n\v\f\r "),
    "upper": UPPER,
    "word": WORD,
    "xdigit": DIGIT | frozenset(b"abcdefABCDEF"),
}
PERL_CLASSES: dict[str, tuple[frozenset[int], bool]] = {
    "d": (DIGIT, False),
    "D": (ASCII - DIGIT, True),
    "s": (SPACE, False),
    "S": (ASCII - SPACE, True),
    "w": (WORD, False),
    "W": (ASCII - WORD, True),
}
SIMPLE_ESCAPES = {"a": "\a", "f": "\f", "t": "\t", "r": "\r", "v": "\v"}


@dataclass(frozen=True)
class Lit:
    """One literal character (non-ASCII ones stand for their UTF-8 bytes)."""

    ch: str


@dataclass(frozen=True)
class Cls:
    """A byte class: a set of ASCII bytes, plus every byte >= 0x80 when `high`."""

    ascii: frozenset[int]
    high: bool


@dataclass(frozen=True)
class Dot:
    """Any byte but newline."""


@dataclass(frozen=True)
class Anchor:
    """`^`, `$`, `\\b` or `\\B`."""

    kind: str


@dataclass(frozen=True)
class Group:
    """A parenthesised sub-pattern; `name` is set for named captures."""

    body: Node
    capture: bool
    name: str | None


@dataclass(frozen=True)
class Seq:
    """Items matched one after the other."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Alt:
    """Alternatives."""

    branches: tuple[Node, ...]


@dataclass(frozen=True)
class Rep:
    """A repeated item; max None means unbounded. Laziness changes captures, never which lines match."""

    node: Node
    min: int
    max: int | None
    lazy: bool


Node = Lit | Cls | Dot | Anchor | Group | Seq | Alt | Rep


@dataclass(frozen=True)
class Parsed:
    """A parsed pattern: the tree, whether a leading (?i) asked for case folding, and the capture names."""

    tree: Node
    ignore_case: bool
    names: tuple[str, ...]
