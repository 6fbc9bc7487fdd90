"""Secret content recognised by its format: private keys, shadow lines, credentials, environ blocks.

Every pattern is anchored to a whole line (or a line's start), so a log line, which opens with a time
and a host, never matches because of attacker text inside it: a planted username cannot make a search
refuse. The patterns run in re2 (linear time) over bytes, at most `MAX_LINE` bytes of each line.
"""

from __future__ import annotations

from collections.abc import Iterable

import re2

MAX_LINE = 4096
_CRYPT = rb"(?:\$[0-9a-z]{1,8}\$[./0-9A-Za-z$=,+-]{4,}|[!*]{1,2}\$?[./0-9A-Za-z$=+-]*)"
_KINDS: tuple[tuple[str, bytes], ...] = (
    ("a private key", rb"^\s*-----(?:BEGIN|END) [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"),
    ("an OpenSSH private key", rb"^\s*b3BlbnNzaC1rZXktdjE"),
    ("a PuTTY private key", rb"^PuTTY-User-Key-File-\d+:"),
    ("a shadow entry", rb"^[^:\s]{1,64}:" + _CRYPT + rb":\d*:\d*:\d*:\d*:\d*:\d*:[^:]*$"),
    ("a shadow entry", rb"^[^:\s]{1,64}:[^:\s]*:\d*:\d*:\d*:\d*:\d*:\d*:\d*$"),
    ("a gshadow entry", rb"^[^:\s]{1,64}:" + _CRYPT + rb":[^:]*:[^:]*$"),
    ("a password hash", rb"^[^:\s]{1,64}:\$(?:1|2[abxy]?|5|6|7|y|gy|sha1|md5)\$[^:\s]{4,}(?::|$)"),
    ("a .pgpass entry", rb"^[^:\s]{1,255}:(?:\d{1,5}|\*):[^:\s]{1,255}:[^:\s]{1,255}:[^:\s]+$"),
    ("a .netrc entry", rb"^\s*(?:machine\s+\S+|default)(?:\s+\S+\s+\S+)*\s+password\s+\S"),
    ("a .netrc entry", rb"^\s*password\s+\S+\s*$"),
    ("a cloud credential", rb"^\s*(?:aws_secret_access_key|aws_session_token|aws_security_token)\s*="),
    ("a registry credential", rb"^\s*\"(?:auth|identitytoken)\"\s*:\s*\"[A-Za-z0-9+/=._-]{8,}\""),
    ("a kubeconfig credential", rb"^\s*(?:client-key-data|token|password):\s+\S{8,}\s*$"),
    ("a stored git credential", rb"^[a-z][a-z0-9+.-]{0,20}://[^\s:/@]+:[^\s@]+@\S+$"),
)
_PATTERNS = tuple((kind, re2.compile(pattern)) for kind, pattern in _KINDS)
_ENVIRON = re2.compile(rb"^[A-Za-z_][A-Za-z0-9_]{0,255}=")


def line_secret(line: bytes) -> str | None:
    """What secret one line (without its newline) is, or None."""
    head = line[:MAX_LINE].removesuffix(b"\r")
    if b"\0" in head:
        parts = [p for p in head.split(b"\0") if p]
        if parts and all(_ENVIRON.search(p) for p in parts):
            return "a process environment (NUL-separated NAME=value)"
    for kind, pattern in _PATTERNS:
        if pattern.search(head):
            return kind
    return None


def content_secret(lines: Iterable[bytes]) -> str | None:
    """What secret the first secret-looking line of these is, or None."""
    for line in lines:
        kind = line_secret(line)
        if kind is not None:
            return kind
    return None


def blob_secret(data: bytes) -> str | None:
    """What secret a file's bytes (or part of them) show, line by line, or None."""
    return content_secret(data.split(b"\n"))
