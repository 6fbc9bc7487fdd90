"""Reading a ledger's tail without reading the whole file: the head entry and any torn final line."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, ValidationError

from agent.case.canonical import GENESIS_PREV
from agent.case.entry import LedgerEntry
from agent.case.errors import LedgerCorruptError

# Entries are small (evidence lives in files), so one block nearly always holds the last two lines.
_BLOCK = 64 * 1024


class TornTail(BaseModel):
    """A partial final line left by a crash mid-append."""

    model_config = ConfigDict(frozen=True)

    offset: int
    """Byte offset where the partial line starts (the file is truncated back to it on repair)."""
    length: int
    """Length of the partial line in bytes (newline included, when there is one)."""
    reason: str
    """What is wrong with it."""


@dataclass(frozen=True)
class Tail:
    """What appending needs to know: the head entry (None when empty), the file size, any torn line."""

    head: LedgerEntry | None
    size: int
    torn: TornTail | None

    @property
    def seq(self) -> int:
        """Seq of the head entry (0 when the ledger is empty)."""
        return self.head.seq if self.head else 0

    @property
    def hash(self) -> str:
        """Hash of the head entry (the genesis prev when empty)."""
        return self.head.hash if self.head else GENESIS_PREV


def parse_line(line: bytes) -> LedgerEntry | None:
    """Parse one line into an entry; None when it is not JSON (torn), ValidationError when malformed."""
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return LedgerEntry.model_validate(obj)


def _read_back(fd: int, size: int) -> tuple[bytes, int]:
    """Read blocks backwards from the end until the buffer holds the last two lines (or the whole file)."""
    pos, buf = size, b""
    while pos > 0:
        step = min(_BLOCK, pos)
        pos -= step
        buf = os.pread(fd, step, pos) + buf
        if buf.count(b"\n", 0, len(buf) - 1) >= 2:
            break
    return buf, pos


def _checked(line: bytes, where: str) -> LedgerEntry:
    try:
        entry = parse_line(line)
    except ValidationError as exc:
        raise LedgerCorruptError(f"{where} is not a valid ledger entry: {exc.errors()[0]['msg']}") from exc
    if entry is None:
        raise LedgerCorruptError(f"{where} is not JSON: the ledger is damaged beyond a torn last line")
    if entry.computed_hash() != entry.hash:
        raise LedgerCorruptError(f"{where} (seq {entry.seq}) does not hash to its recorded hash")
    return entry


def read_tail(fd: int, size: int) -> Tail:
    """The head entry and any torn final line of the ledger open as `fd` (of `size` bytes)."""
    if size == 0:
        return Tail(None, 0, None)
    buf, start = _read_back(fd, size)
    torn: TornTail | None = None
    if buf.endswith(b"\n"):
        body = buf[:-1]
    else:
        cut = buf.rfind(b"\n")
        body = buf[:cut] if cut >= 0 else b""
        frag_len = len(buf) - cut - 1
        torn = TornTail(offset=size - frag_len, length=frag_len, reason="last line has no trailing newline")
    lines = body.split(b"\n") if body else []
    if start > 0 and lines:
        lines = lines[1:]  # the first piece began before the buffer: not a whole line
    if not lines:
        return Tail(None, size, torn)
    if torn is None:
        try:
            last_is_json = parse_line(lines[-1]) is not None
        except ValidationError:
            last_is_json = True  # JSON but not an entry: damage, not a crash; _checked says so below
        if not last_is_json:
            # A crash can also leave garbage (zeros) before the newline: bad JSON on the last line is torn.
            length = len(lines[-1]) + 1
            torn = TornTail(offset=size - length, length=length, reason="last line is not JSON")
            lines = lines[:-1]
            if not lines:
                return Tail(None, size, torn)
    return Tail(_checked(lines[-1], "the ledger's last complete line"), size, torn)
