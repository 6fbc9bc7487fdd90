"""Extractors: turn a tool's rows (attacker-controlled text) into named findings, with RE2 (linear time)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from typing import Literal

import re2
from pydantic import BaseModel, ConfigDict

from playbooks.extractors import BuiltinExtractor, ColumnExtractor, RegexExtractor
from playbooks.model import Step

ValueKind = Literal["ipv4", "ipv6", "domain", "url", "md5", "sha1", "sha256", "user", "path", "pid", "custom"]
RowScalar = str | int | float | bool | None
MAX_VALUES = 1000  # per finding per step run: a flood of garbage lines must not flood the model
MAX_TEXT = 64 * 1024  # per cell scanned; longer cells are cut (the evidence keeps the whole output)

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_FILE_SUFFIXES = frozenset(
    [
        "log",
        "sh",
        "py",
        "php",
        "txt",
        "conf",
        "cfg",
        "ini",
        "so",
        "gz",
        "xz",
        "bz2",
        "zip",
        "tar",
        "js",
        "css",
        "html",
        "htm",
        "json",
        "yaml",
        "yml",
        "xml",
        "service",
        "timer",
        "socket",
        "pid",
        "sock",
        "tmp",
        "bak",
        "old",
        "swp",
        "lock",
        "d",
        "local",
        "list",
        "key",
        "pub",
        "pem",
        "crt",
        "csv",
        "md",
        "rules",
        "target",
        "mount",
    ]
)
_BUILTIN_PATTERNS: dict[str, str] = {
    "ipv4": rf"\b({_OCTET}(?:\.{_OCTET}){{3}})\b",
    "ipv6": r"((?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4})",
    "domain": r"\b((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})\b",
    "url": r"\b((?:https?|ftp)://[^\s\"'<>`]+)",
    "md5": r"\b([0-9A-Fa-f]{32})\b",
    "sha1": r"\b([0-9A-Fa-f]{40})\b",
    "sha256": r"\b([0-9A-Fa-f]{64})\b",
    # Debian sshd/sudo/su/useradd lines; the value is what the line says (attacker-chosen on failures).
    "user": r"(?:(?:Accepted|Failed) \S+ for (?:invalid user )?(\S+) from"
    r"|Invalid user (\S*) from"
    r"|session opened for user ([A-Za-z0-9._-]+)"
    r"|sudo:\s+(\S+) : "
    r"|new user: name=([^,\s]+)"
    r"|\bsu(?:\[\d+\])?: \(to \S+\) (\S+) on)",
    "path": r"(?:^|[\s\"'=(:,])(/[A-Za-z0-9._@%+=:,~/-]+)",
    "pid": r"(?:\[([0-9]{1,7})\]:|\bpid[= ]([0-9]{1,7})\b)",
}


class ExtractedValue(BaseModel):
    """One value an extractor found: which finding, what kind, the value, and the row it came from."""

    model_config = ConfigDict(frozen=True)

    finding: str
    """Finding name (the key under `extract`)."""
    kind: ValueKind
    """Built-in kind, or custom for regex and column extractors."""
    value: str
    """The value, normalised (IPs canonical, hashes lowercase)."""
    row: int
    """Index of the row it came from."""


@cache
def _compiled(pattern: str) -> object:
    return re2.compile(pattern)


def _cells(row: Mapping[str, object], column: str | None) -> Iterator[str]:
    items = [(column, row.get(column))] if column is not None else list(row.items())
    for _, value in items:
        if isinstance(value, str):
            yield value[:MAX_TEXT]
        elif isinstance(value, int) and not isinstance(value, bool) and column is not None:
            yield str(value)


def _normalise(kind: str, raw: str, text: str, start: int) -> str | None:
    if kind == "ipv4":
        return str(ipaddress.IPv4Address(raw))
    if kind == "ipv6":
        try:
            addr = ipaddress.IPv6Address(raw)
        except ValueError:
            return None
        return None if addr.is_unspecified else str(addr)
    if kind in ("md5", "sha1", "sha256"):
        return raw.lower()
    if kind == "domain":
        if raw.rsplit(".", 1)[-1].lower() in _FILE_SUFFIXES or text[start - 1 : start] in ("/", "."):
            return None
        if all(part.isdigit() for part in raw.split(".")[:-1]):
            return None
        return raw.lower()
    if kind == "path":
        return raw.rstrip(",:.)") or None
    return raw


def _builtin(ex: BuiltinExtractor, row: Mapping[str, object]) -> Iterator[str]:
    if ex.builtin == "pid" and ex.column is not None and isinstance(row.get(ex.column), int):
        yield str(row[ex.column])
        return
    pattern = _compiled(_BUILTIN_PATTERNS[ex.builtin])
    for text in _cells(row, ex.column):
        for match in pattern.finditer(text):  # type: ignore[attr-defined]
            idx = next((i for i, g in enumerate(match.groups(), 1) if g), None)
            if idx is None:
                continue
            value = _normalise(ex.builtin, match.group(idx), text, match.start(idx))
            if value:
                yield value


def _regex(ex: RegexExtractor, row: Mapping[str, object]) -> Iterator[str]:
    pattern = _compiled(ex.regex)
    names = pattern.groupindex  # type: ignore[attr-defined]
    group = "value" if "value" in names else next(iter(names))
    for text in _cells(row, ex.column):
        for match in pattern.finditer(text):  # type: ignore[attr-defined]
            value = match.group(group)
            if value:
                yield value


def _column(ex: ColumnExtractor, row: Mapping[str, object]) -> Iterator[str]:
    value = row.get(ex.column)
    if value is not None and value != "" and not isinstance(value, bool | float):
        yield str(value)


def _selected(where: Mapping[str, object], row: Mapping[str, object]) -> bool:
    """True when the row's columns equal every `where` value (or one of a listed set)."""
    for column, wanted in where.items():
        got = row.get(column)
        if isinstance(wanted, list):
            if got not in wanted:
                return False
        elif got != wanted:
            return False
    return True


def extract_findings(
    step: Step, rows: Sequence[Mapping[str, object]], *, every_row: bool = False
) -> list[ExtractedValue]:
    """Run every extractor of the step over the rows; values are de-duplicated per finding, first row kept.

    With `every_row`, a value is reported once per row that carries it (for counts and first/last seen);
    the number of distinct values per finding is bounded the same way.
    """
    out: list[ExtractedValue] = []
    for name, ex in step.extract.items():
        seen: set[str] = set()
        kind: ValueKind = ex.builtin if isinstance(ex, BuiltinExtractor) else "custom"
        for index, row in enumerate(rows):
            if ex.where and not _selected(ex.where, row):
                continue
            if isinstance(ex, BuiltinExtractor):
                values = _builtin(ex, row)
            elif isinstance(ex, RegexExtractor):
                values = _regex(ex, row)
            else:
                values = _column(ex, row)
            in_row: set[str] = set()
            for value in values:
                if value in in_row:
                    continue
                in_row.add(value)
                if value in seen and every_row:
                    out.append(ExtractedValue(finding=name, kind=kind, value=value, row=index))
                elif value not in seen and len(seen) < MAX_VALUES:
                    seen.add(value)
                    out.append(ExtractedValue(finding=name, kind=kind, value=value, row=index))
    return out


def findings_of(values: Sequence[ExtractedValue]) -> dict[str, list[str]]:
    """Group extracted values into the `Mapping[str, Sequence[str]]` the runtime functions take."""
    grouped: dict[str, list[str]] = {}
    for v in values:
        grouped.setdefault(v.finding, []).append(v.value)
    return grouped
