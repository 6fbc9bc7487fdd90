"""Inert Markdown: attacker text (log values, reasons, model words) becomes literal text in report.md.

Two shapes. `code` puts a value in a code span whose fence is longer than any backtick run inside, so no
image, link, autolink, HTML, entity or emphasis in it is live. `text` keeps a sentence readable: every
character Markdown gives meaning to is backslash-escaped, and each word a renderer could turn into a link
(a scheme, `www.`, an e-mail address, a domain) goes in a code span, where no renderer autolinks.
Both first pass the value through `printable`, so control and bidi characters are escapes before anything
else and no newline can start a block (heading, list, table row) of its own.
"""

from __future__ import annotations

import re2

from agent.approval.request import printable

# Inline punctuation with a meaning in CommonMark or GFM (emphasis, code, links, images, HTML, entities,
# tables, strikethrough, math); the rest (`(`, `.`, `:`...) is inert without one of these.
_INLINE = frozenset("\\`*_[]<>&|~$!")
# At a line's start these open a block (heading, list, quote, thematic break, setext underline, table).
_BLOCK_START = frozenset("#+-=>*_|:~")
# A word a renderer may autolink: a scheme (`http:`, `mailto:`), `www.`, an address, a dotted name.
# Bounded classes only: re2 matches in linear time whatever the attacker wrote.
_LINKISH = re2.compile(
    r"(?i)(?:[a-z][a-z0-9+.\-]{0,31}:\S)|(?:www[.\x{3002}\x{ff0e}\x{ff61}])|@|"
    r"(?:[\w\-][.\x{3002}\x{ff0e}\x{ff61}][a-z\x{80}-\x{10ffff}])|(?://)"
)
_DIGITS_THEN_DELIMITER = re2.compile(r"^(\d{1,9})([.)])")


def _bounded(value: str, limit: int) -> str:
    """`value` cut to `limit` characters (marked), then made printable (newlines and tabs become escapes)."""
    cut = value if len(value) <= limit else value[:limit] + "…"
    return printable(cut)


def _fenced(shown: str) -> str:
    """A code span around printable text: a fence one backtick longer than the longest run inside."""
    longest = run = 0
    for ch in shown:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if shown[:1] in ("`", " ") or shown[-1:] in ("`", " ") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def code(value: str, limit: int = 200, *, table: bool = False) -> str:
    """`value` as an inert code span (exact, readable); `table=True` escapes pipes for a table cell."""
    shown = _bounded(value, limit)
    if not shown:
        return "(empty)"
    span = _fenced(shown)
    # GFM splits table rows before parsing spans: an escaped pipe stays in its cell (and renders as `|`).
    return span.replace("|", "\\|") if table else span


def _word(word: str) -> str:
    if _LINKISH.search(word):
        return _fenced(word)
    out = []
    for i, ch in enumerate(word):
        # An underscore between two letters or digits can neither open nor close emphasis (CommonMark's
        # flanking rules): `failed_logins` stays readable as itself.
        inner = ch == "_" and 0 < i < len(word) - 1 and word[i - 1].isalnum() and word[i + 1].isalnum()
        out.append(f"\\{ch}" if ch in _INLINE and not inner else ch)
    return "".join(out)


def text(value: str, limit: int = 2000, *, line_start: bool = False) -> str:
    """A sentence as inert Markdown on one line: punctuation escaped, link-like words in code spans.

    `line_start=True` also escapes what would open a block (heading, list item, quote) at a line's start.
    Runs of whitespace become one space.
    """
    words = _bounded(value, limit).split()
    out = " ".join(_word(w) for w in words)
    if not line_start or not out:
        return out
    if out[0] in _BLOCK_START:
        return "\\" + out
    numbered = _DIGITS_THEN_DELIMITER.match(out)
    if numbered:
        digits = numbered.group(1)
        return f"{digits}\\{out[len(digits) :]}"
    return out
