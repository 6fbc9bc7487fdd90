"""Reading an import file as text: binary files refused, undecodable bytes located by line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tools.errors import IntelStoreError

SNIFF_BYTES = 64 * 1024


def read_head(path: Path) -> str:
    """The first bytes of a file as text, for format detection; binary or missing files raise."""
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise IntelStoreError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    _refuse_binary(path, head)
    return head.decode("utf-8", errors="replace").removeprefix("\ufeff")


def _refuse_binary(path: Path, head: bytes) -> None:
    nul = head.find(b"\x00")
    if nul >= 0:
        line = head.count(b"\n", 0, nul) + 1
        raise IntelStoreError(f"{path}:{line}: binary file (NUL byte at offset {nul}), not a hash list")


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Yield (line number, line without its newline); a line that is not UTF-8 raises with its number."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise IntelStoreError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with fh:
        for number, raw in enumerate(fh, start=1):
            if b"\x00" in raw:
                raise IntelStoreError(f"{path}:{number}: binary data (NUL byte), not a hash list")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise IntelStoreError(
                    f"{path}:{number}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
                ) from exc
            if number == 1:
                text = text.removeprefix("\ufeff")
            yield number, text.rstrip("\r\n")


def read_text(path: Path) -> str:
    """The whole file as text (for JSON formats); binary or non-UTF-8 content raises with its line."""
    return "\n".join(line for _, line in iter_lines(path))
