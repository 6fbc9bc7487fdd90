"""Parse the search dialect (RE2 syntax, byte semantics) into a small tree, refusing what no engine shares."""

from __future__ import annotations

import string

from tools.errors import InvalidToolArgsError
from tools.logsearch.nodes import (
    ASCII,
    PERL_CLASSES,
    POSIX_CLASSES,
    SIMPLE_ESCAPES,
    Alt,
    Anchor,
    Cls,
    Dot,
    Group,
    Lit,
    Node,
    Parsed,
    Rep,
    Seq,
)


def _fail(pattern: str, pos: int, what: str) -> InvalidToolArgsError:
    return InvalidToolArgsError(f"pattern {pattern!r}: {what} at offset {pos}")


class _Parser:
    """Recursive descent over RE2 syntax; `pos` always points at the next unread character."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.pos = 0
        self.names: list[str] = []

    def peek(self, ahead: int = 0) -> str:
        i = self.pos + ahead
        return self.p[i] if i < len(self.p) else ""

    def error(self, what: str, pos: int | None = None) -> InvalidToolArgsError:
        return _fail(self.p, self.pos if pos is None else pos, what)

    def parse(self) -> Parsed:
        ignore_case = False
        if self.p.startswith("(?i)"):
            ignore_case = True
            self.pos = 4
        tree = self.alt()
        if self.pos < len(self.p):
            raise self.error("unmatched ')'")
        return Parsed(tree=tree, ignore_case=ignore_case, names=tuple(self.names))

    def alt(self) -> Node:
        branches = [self.seq()]
        while self.peek() == "|":
            self.pos += 1
            branches.append(self.seq())
        return branches[0] if len(branches) == 1 else Alt(tuple(branches))

    def seq(self) -> Node:
        items: list[Node] = []
        while self.peek() not in ("", "|", ")"):
            items.extend(self.atom())
            while True:
                rep = self.quantifier()
                if rep is None:
                    break
                if not items:
                    raise self.error("repetition with nothing to repeat")
                items[-1] = Rep(items[-1], rep[0], rep[1], rep[2])
        return items[0] if len(items) == 1 else Seq(tuple(items))

    def quantifier(self) -> tuple[int, int | None, bool] | None:
        c = self.peek()
        if c in ("*", "+", "?"):
            self.pos += 1
            lo, hi = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
        elif c == "{":
            bounds = self._braces()
            if bounds is None:
                return None
            lo, hi = bounds
        else:
            return None
        lazy = self.peek() == "?"
        if lazy:
            self.pos += 1
        return lo, hi, lazy

    def _braces(self) -> tuple[int, int | None] | None:
        """`{n}`, `{n,}` or `{n,m}`; anything else is a literal brace, as in RE2."""
        end = self.p.find("}", self.pos)
        if end < 0:
            return None
        body = self.p[self.pos + 1 : end]
        lo_s, comma, hi_s = body.partition(",")
        if not lo_s.isdigit() or not lo_s.isascii() or (hi_s and not (hi_s.isdigit() and hi_s.isascii())):
            return None
        self.pos = end + 1
        lo = int(lo_s)
        hi = None if comma and not hi_s else (int(hi_s) if comma else lo)
        return lo, hi

    def atom(self) -> list[Node]:
        c = self.peek()
        start = self.pos
        self.pos += 1
        if c == "(":
            return [self.group(start)]
        if c == "[":
            return [self.bracket(start)]
        if c == ".":
            return [Dot()]
        if c in ("^", "$"):
            return [Anchor(c)]
        if c == "\\":
            return self.escape(start)
        if c in ("*", "+", "?"):
            raise self.error(f"repetition operator {c!r} with nothing to repeat", start)
        if c in ("\n", "\0"):
            raise self.error("a newline or NUL (lines never contain a newline; grep cannot take NUL)", start)
        return [Lit(c)]

    def group(self, start: int) -> Node:
        name: str | None = None
        capture = True
        if self.peek() == "?":
            rest = self.p[self.pos + 1 :]
            if rest.startswith(("=", "!", "<=", "<!")):
                raise self.error("lookaround assertions (?=, ?!, ?<=, ?<!) are not supported", start)
            if rest.startswith("P="):
                raise self.error("backreferences ((?P=name)) are not supported", start)
            if rest.startswith(("P<", "<")):
                self.pos += 3 if rest.startswith("P<") else 2
                end = self.p.find(">", self.pos)
                if end < 0:
                    raise self.error("unterminated group name", start)
                name = self.p[self.pos : end]
                if not name or name[0].isdigit() or not name.replace("_", "a").isalnum():
                    raise self.error(f"invalid group name {name!r}", start)
                if not name.isascii():
                    raise self.error(f"group name {name!r} must be ASCII", start)
                self.names.append(name)
                self.pos = end + 1
            elif rest.startswith(":"):
                self.pos += 2
                capture = False
            else:
                capture = self._flags(start)
        body = self.alt()
        if self.peek() != ")":
            raise self.error("missing ')'", start)
        self.pos += 1
        return Group(body, capture, name)

    def _flags(self, start: int) -> bool:
        """`(?flags)` or `(?flags:`; only m, s and U (which never change which lines match) are accepted."""
        i = self.pos + 1
        while i < len(self.p) and self.p[i] not in (")", ":"):
            i += 1
        flags = self.p[self.pos + 1 : i]
        if i >= len(self.p) or not flags.replace("-", "") or set(flags) - set("imsU-"):
            raise self.error(f"unsupported group syntax '(?{flags}'", start)
        if "i" in flags:
            raise self.error("case flags are supported only as a leading (?i); use ignore_case", start)
        if self.p[i] == ")":
            raise self.error(f"inline flags '(?{flags})' are supported only as a leading (?i)", start)
        self.pos = i + 1
        return False

    def escape(self, start: int) -> list[Node]:
        c = self.peek()
        self.pos += 1
        if c == "":
            raise self.error("trailing backslash", start)
        if c in PERL_CLASSES:
            chars, high = PERL_CLASSES[c]
            return [Cls(chars, high)]
        if c in ("b", "B"):
            return [Anchor("\\" + c)]
        if c == "A":
            return [Anchor("^")]
        if c == "z":
            return [Anchor("$")]
        if c == "Q":
            end = self.p.find("\\E", self.pos)
            end = len(self.p) if end < 0 else end
            text = self.p[self.pos : end]
            self.pos = min(end + 2, len(self.p))
            if "\n" in text:
                raise self.error("a newline (lines never contain one)", start)
            return [Lit(ch) for ch in text]
        return [Lit(self._char_escape(c, start))]

    def _char_escape(self, c: str, start: int) -> str:
        if c.isdigit():
            if c == "0":
                raise self.error("octal escapes are not supported; use \\xHH", start)
            raise self.error(f"backreferences (\\{c}) are not supported", start)
        if c in ("p", "P"):
            raise self.error("Unicode classes (\\p, \\P) are not supported: the engines match bytes", start)
        if c == "C":
            raise self.error("\\C is not supported", start)
        if c == "n":
            raise self.error("\\n (lines never contain a newline)", start)
        if c in SIMPLE_ESCAPES:
            return SIMPLE_ESCAPES[c]
        if c == "x":
            return self._hex(start)
        if c.isascii() and not c.isalnum():
            return c
        raise self.error(f"unknown escape \\{c}", start)

    def _hex(self, start: int) -> str:
        if self.peek() == "{":
            end = self.p.find("}", self.pos)
            digits = self.p[self.pos + 1 : end] if end > 0 else ""
            self.pos = end + 1 if end > 0 else self.pos
        else:
            digits = self.p[self.pos : self.pos + 2]
            self.pos += 2
        if not digits or any(d not in string.hexdigits for d in digits) or len(digits) > 6:
            raise self.error("bad \\x escape (use \\xHH or \\x{HHHH})", start)
        code = int(digits, 16)
        if code == 0 or code == 10 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise self.error(f"\\x{{{digits}}} is NUL, a newline or not a character", start)
        return chr(code)

    def bracket(self, start: int) -> Node:
        negate = self.peek() == "^"
        if negate:
            self.pos += 1
        chars: set[int] = set()
        high = False
        first = True
        while True:
            c = self.peek()
            if c == "":
                raise self.error("missing ']'", start)
            if c == "]" and not first:
                self.pos += 1
                break
            first = False
            if c == "[" and self.peek(1) == ":":
                end = self.p.find(":]", self.pos + 2)
                name = self.p[self.pos + 2 : end] if end > 0 else ""
                if name not in POSIX_CLASSES:
                    raise self.error(f"unknown or unsupported POSIX class [:{name}:]", self.pos)
                chars |= POSIX_CLASSES[name]
                self.pos = end + 2
                continue
            if c == "\\" and self.peek(1) in PERL_CLASSES:
                sub, sub_high = PERL_CLASSES[self.peek(1)]
                chars |= sub
                high = high or sub_high
                self.pos += 2
                continue
            lo = self._class_char(start)
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.pos += 1
                hi = self._class_char(start)
                if hi < lo:
                    raise self.error("class range out of order", start)
                chars |= set(range(lo, hi + 1))
            else:
                chars.add(lo)
        if negate:
            return Cls(frozenset(ASCII - chars), not high)
        return Cls(frozenset(chars), high)

    def _class_char(self, start: int) -> int:
        c = self.peek()
        self.pos += 1
        if c == "\\":
            e = self.peek()
            self.pos += 1
            c = self._char_escape(e, start)
        if not c.isascii():
            raise self.error(f"non-ASCII character {c!r} in a class: the engines match bytes", start)
        if c == "\n":
            raise self.error("a newline (lines never contain one)", start)
        return ord(c)


def parse(pattern: str) -> Parsed:
    """Parse a pattern of the dialect; InvalidToolArgsError says what is wrong and where."""
    return _Parser(pattern).parse()


def literal(text: str) -> Parsed:
    """The tree of a fixed string (every character literal)."""
    for pos, ch in enumerate(text):
        if ch in ("\n", "\0"):
            raise _fail(text, pos, "a newline or NUL in a fixed string")
    return Parsed(tree=Seq(tuple(Lit(ch) for ch in text)), ignore_case=False, names=())
