"""The one pattern dialect of search_logs: RE2 syntax, byte semantics; spelled for rg, grep -E, PCRE2, re2.

What a pattern means, whichever engine runs it:
- RE2 syntax (validated by google-re2 first); no backreferences, no lookaround.
- Lines are bytes. `.` and negated classes match one byte; `\\d \\w \\s` are ASCII (RE2's sets);
  a non-ASCII literal stands for its UTF-8 bytes; non-ASCII characters inside `[...]` are refused.
- Case folding (ignore_case or a leading `(?i)`) is ASCII-only, as GNU grep does under LC_ALL=C.
- Lazy quantifiers and the m/s/U flags are accepted: they never change which lines match.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import re2

from tools.errors import InvalidToolArgsError
from tools.logsearch.nodes import ASCII, Alt, Anchor, Cls, Dot, Group, Lit, Node, Parsed, Rep, Seq
from tools.logsearch.syntax import literal, parse

ERE_SPECIAL = set(".[\\()*+?{|^$")
REGEX_SPECIAL = set("\\.+*?()|[]{}^$#&-~")
Flavor = Literal["rust", "re2", "pcre"]


@dataclass(frozen=True)
class CompiledPattern:
    """A validated pattern and its exact spelling for every engine."""

    source: str
    """The pattern as the caller wrote it."""
    ignore_case: bool
    """ASCII case folding (from the argument or a leading (?i))."""
    fixed: bool
    """True when the source is a fixed string."""
    rust: str
    """For ripgrep: byte mode `(?-u)`, case folding inline."""
    ere: str
    """For GNU grep -E under LC_ALL=C (case folding via -i); the raw string for grep -F when fixed."""
    pcre: str
    """For journalctl --grep (PCRE2; case via --case-sensitive)."""
    names: tuple[str, ...]
    """Named capture groups, in order: they become row columns."""
    matcher: object
    """google-re2 regex over Latin-1 bytes (= byte semantics), for field extraction."""

    def extract(self, line: bytes) -> dict[str, str | None]:
        """The named groups of the first match in a line (None where a group did not take part)."""
        if not self.names:
            return {}
        found = self.matcher.search(line)  # type: ignore[attr-defined]
        if found is None:
            return dict.fromkeys(self.names)
        out: dict[str, str | None] = {}
        for name in self.names:
            value = found.group(name.encode("ascii"))
            out[name] = None if value is None else value.decode("utf-8", "replace")
        return out


def _ranges(chars: frozenset[int]) -> Iterator[tuple[int, int]]:
    run: list[int] = []
    for c in sorted(chars):
        if run and c == run[-1] + 1:
            run.append(c)
            continue
        if run:
            yield run[0], run[-1]
        run = [c]
    if run:
        yield run[0], run[-1]


def _ere_class(cls: Cls) -> str:
    # grep's pattern argument cannot carry NUL, and a line never holds a newline: both drop out.
    negate = cls.high
    chars = (ASCII - cls.ascii if negate else cls.ascii) - {0, 10}
    if not chars:
        if negate:
            return "."
        raise InvalidToolArgsError("a class that matches no byte grep can search for (only NUL or newline)")
    if len(chars) == 1 and not negate:
        return _ere_lit(chr(next(iter(chars))))
    specials = {ord(c) for c in "]^-["} & chars
    body = "]" if ord("]") in specials else ""
    for lo, hi in _ranges(chars - specials):
        body += chr(lo) if lo == hi else chr(lo) + ("-" if hi > lo + 1 else "") + chr(hi)
    if ord("[") in specials:
        body += "["
    if ord("^") in specials:
        body += "^"
    if ord("-") in specials:
        body += "-"
    if body == "^-" and not negate:
        body = "-^"
    return "[" + ("^" if negate else "") + body + "]"


def _ere_lit(ch: str) -> str:
    return "\\" + ch if ch in ERE_SPECIAL else ch


def _ere(node: Node) -> str:
    if isinstance(node, Lit):
        return _ere_lit(node.ch)
    if isinstance(node, Cls):
        return _ere_class(node)
    if isinstance(node, Dot):
        return "."
    if isinstance(node, Anchor):
        return node.kind
    if isinstance(node, Group):
        return "(" + _ere(node.body) + ")"
    if isinstance(node, Seq):
        return "".join(_ere(item) for item in node.items)
    if isinstance(node, Alt):
        return "|".join(_ere(b) for b in node.branches)
    inner = _ere(node.node)
    if isinstance(node.node, Rep | Seq | Alt | Anchor) or (
        isinstance(node.node, Lit) and not node.node.ch.isascii()
    ):
        inner = "(" + inner + ")"
    return inner + _quant(node, lazy=False)


def _quant(node: Rep, *, lazy: bool) -> str:
    if (node.min, node.max) == (0, None):
        q = "*"
    elif (node.min, node.max) == (1, None):
        q = "+"
    elif (node.min, node.max) == (0, 1):
        q = "?"
    elif node.max is None:
        q = f"{{{node.min},}}"
    elif node.max == node.min:
        q = f"{{{node.min}}}"
    else:
        q = f"{{{node.min},{node.max}}}"
    return q + ("?" if lazy and node.lazy else "")


def _hex(c: int) -> str:
    return f"\\x{c:02X}"


def _regex_lit(ch: str, flavor: Flavor) -> str:
    if not ch.isascii():
        if flavor == "pcre":
            return ch
        # The UTF-8 bytes, never case-folded (re2's Latin-1 mode would fold some of them).
        return "(?-i:" + "".join(_hex(b) for b in ch.encode("utf-8")) + ")"
    if ch in REGEX_SPECIAL:
        return "\\" + ch
    if ord(ch) < 32 or ord(ch) == 127:
        return _hex(ord(ch))
    return ch


def _class_char(c: int) -> str:
    return chr(c) if 32 < c < 127 and chr(c) not in "\\[]^-&~" else _hex(c)


def _regex_class(cls: Cls) -> str:
    negate = cls.high
    chars = frozenset(range(128)) - cls.ascii if negate else cls.ascii
    if not chars:
        return "[^\\x00-\\xFF]" if not negate else "[\\x00-\\xFF]"
    body = ""
    for lo, hi in _ranges(chars):
        body += _class_char(lo) if lo == hi else _class_char(lo) + "-" + _class_char(hi)
    return "[" + ("^" if negate else "") + body + "]"


def _regex(node: Node, flavor: Flavor) -> str:
    if isinstance(node, Lit):
        return _regex_lit(node.ch, flavor)
    if isinstance(node, Cls):
        return _regex_class(node)
    if isinstance(node, Dot):
        return "."
    if isinstance(node, Anchor):
        return node.kind
    if isinstance(node, Group):
        head = f"(?P<{node.name}>" if node.name else ("(" if node.capture else "(?:")
        return head + _regex(node.body, flavor) + ")"
    if isinstance(node, Seq):
        return "".join(_regex(item, flavor) for item in node.items)
    if isinstance(node, Alt):
        return "|".join(_regex(b, flavor) for b in node.branches)
    inner = _regex(node.node, flavor)
    if isinstance(node.node, Rep | Seq | Alt) or (
        flavor == "pcre" and isinstance(node.node, Lit) and not node.node.ch.isascii()
    ):
        inner = "(?:" + inner + ")"
    return inner + _quant(node, lazy=True)


def _re2_check(pattern: str) -> None:
    options = re2.Options()
    options.log_errors = False
    try:
        re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise InvalidToolArgsError(f"pattern {pattern!r} is not a valid regex: {reason}") from exc


def _latin1_matcher(regex: str, ignore_case: bool) -> object:
    options = re2.Options()
    options.log_errors = False
    options.encoding = re2.Options.Encoding.LATIN1
    options.case_sensitive = not ignore_case
    try:
        return re2.compile(regex.encode("ascii"), options)
    except re2.error as exc:
        raise InvalidToolArgsError(f"pattern cannot be translated for byte matching: {exc}") from exc


def compile_pattern(pattern: str, *, ignore_case: bool = False, fixed: bool = False) -> CompiledPattern:
    """Validate a pattern once and spell it for every engine; InvalidToolArgsError says what and where."""
    if not pattern:
        raise InvalidToolArgsError("pattern is empty")
    for pos, ch in enumerate(pattern):
        if ch in ("\n", "\0"):
            raise InvalidToolArgsError(f"pattern {pattern!r}: a newline or NUL at offset {pos}")
    parsed: Parsed
    if fixed:
        parsed = literal(pattern)
    else:
        parsed = parse(pattern)
        _re2_check(pattern)
    folded = ignore_case or parsed.ignore_case
    repeated = sorted({n for n in parsed.names if parsed.names.count(n) > 1})
    if repeated:  # each named group becomes one row column: a name used twice has no single value
        raise InvalidToolArgsError(f"pattern {pattern!r}: group name(s) {repeated} used more than once")
    clash = {"path", "line_no", "timestamp", "line", "count", "year_inferred"} & set(parsed.names)
    if clash:
        raise InvalidToolArgsError(f"pattern group names {sorted(clash)} clash with row columns")
    body = _regex(parsed.tree, "rust")
    return CompiledPattern(
        source=pattern,
        ignore_case=folded,
        fixed=fixed,
        rust=("(?i-u)" if folded else "(?-u)") + body,
        ere=pattern if fixed else _ere(parsed.tree),
        pcre=_regex(parsed.tree, "pcre"),
        names=parsed.names,
        matcher=_latin1_matcher(body, folded),
    )
