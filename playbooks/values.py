"""Typed playbook values: input types, parsing from YAML or `--input k=v`, lint samples."""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum

import re2

BoundValue = str | int | list[str]

_DURATION = re.compile(r"^[1-9][0-9]{0,5}[smhdw]$")
_HOST = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,252}$")
_HASH = re.compile(r"^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$")
_DURATION_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class InputType(StrEnum):
    """The types a playbook input may have."""

    STRING = "string"
    INT = "int"
    DURATION = "duration"
    HOST = "host"
    PATH = "path"
    IP = "ip"
    HASH = "hash"
    REGEX = "regex"
    LIST = "list"


def regex_problem(pattern: str) -> str | None:
    """Why RE2 (linear time, no backreferences, like the search tool) rejects a pattern, or None."""
    if re.search(r"\\[1-9]|\(\?P=|\\k<", pattern):
        return "backreferences are not supported (patterns run in linear time)"
    if re.search(r"\(\?[=!]|\(\?<[=!]", pattern):
        return "lookaround is not supported (patterns run in linear time)"
    options = re2.Options()
    options.log_errors = False  # the reason comes back in the exception; keep stderr clean
    try:
        re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        return f"invalid regex: {reason}"
    return None


def duration_seconds(text: str) -> int:
    """Seconds in a duration such as `30m`, `7d`, `2w`."""
    return int(text[:-1]) * _DURATION_S[text[-1]]


def _text(value: object, kind: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"expected a {kind}, got {type(value).__name__}")
    return str(value)


def parse_value(kind: InputType, value: object) -> BoundValue:
    """Parse and check one value of a type; raise ValueError with a message for the author."""
    if kind == InputType.LIST:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [str(v) for v in value]
        raise ValueError("expected a list of strings (or a comma-separated string)")
    if kind == InputType.INT:
        text = _text(value, "whole number").strip()
        if not re.fullmatch(r"-?[0-9]{1,18}", text):
            raise ValueError(f"expected a whole number, got {text!r}")
        return int(text)
    text = _text(value, str(kind))
    if "\x00" in text or "\n" in text:
        raise ValueError("NUL and newline characters are not allowed")
    if kind == InputType.DURATION and not _DURATION.fullmatch(text):
        raise ValueError(f"expected a duration like 30m, 12h, 7d or 2w, got {text!r}")
    if kind == InputType.HOST and not _HOST.fullmatch(text):
        raise ValueError(f"expected a host name or address, got {text!r}")
    if kind == InputType.PATH and not text.startswith("/"):
        raise ValueError(f"expected an absolute path, got {text!r}")
    if kind == InputType.IP:
        try:
            return str(ipaddress.ip_address(text))
        except ValueError:
            raise ValueError(f"expected an IPv4 or IPv6 address, got {text!r}") from None
    if kind == InputType.HASH:
        if not _HASH.fullmatch(text.lower()):
            raise ValueError("expected an MD5, SHA-1 or SHA-256 hash in hex")
        return text.lower()
    if kind == InputType.REGEX and (problem := regex_problem(text)):
        raise ValueError(problem)
    return text


SAMPLES: dict[str, BoundValue] = {
    "string": "sample",
    "int": 1,
    "duration": "1h",
    "host": "web01",
    "path": "/var/log/sample.log",
    "ip": "192.0.2.1",
    "hash": "0" * 64,
    "regex": "sample",
    "list": ["sample"],
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "domain": "example.org",
    "url": "http://example.org/a",
    "md5": "0" * 32,
    "sha1": "0" * 40,
    "sha256": "0" * 64,
    "user": "root",
    "pid": "1",
    "custom": "sample",
    "column": "sample",
}
"""A plausible value of each input type or finding kind, to check args against a tool's model in lint."""
