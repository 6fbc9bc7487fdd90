"""JSON for a terminal or a pipe: every character that could drive a terminal is a `\\u` escape.

Log lines, user names and file names carry attacker-chosen bidi overrides, zero-width characters and C0/C1
controls (`\\x1b[...`, `\\x9b`). JSON escapes only C0 in strings; this escapes every non-printable character
too, so the printed text is inert and `json.loads` still gives back the raw value (the evidence keeps it).
"""

from __future__ import annotations

import json


def _escape(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the BMP: a UTF-16 surrogate pair, as JSON spells it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def inert_json(text: str) -> str:
    """Serialised JSON with every non-printable character (outside the layout's newlines) `\\u`-escaped.

    Such characters can only sit inside JSON strings (the layout is spaces and newlines), where a `\\u`
    escape means the same character: the document's value is unchanged.
    """
    return "".join(ch if ch.isprintable() or ch == "\n" else _escape(ch) for ch in text)


def dumps_inert(value: object, *, indent: int = 2) -> str:
    """`json.dumps(value)` (UTF-8 kept readable) with no raw control, format or bidi character."""
    return inert_json(json.dumps(value, indent=indent, ensure_ascii=False))
