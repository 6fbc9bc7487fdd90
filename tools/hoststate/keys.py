"""Read one authorized_keys line: options, key type, comment, and the SHA256 fingerprint of its blob."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

KEY_TYPES: frozenset[str] = frozenset(
    {
        "ssh-rsa",
        "ssh-dss",
        "ssh-ed25519",
        "ssh-ed448",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
        "ssh-rsa-cert-v01@openssh.com",
        "ssh-ed25519-cert-v01@openssh.com",
    }
)


@dataclass(frozen=True)
class AuthorizedKey:
    """One parsed authorized_keys entry."""

    key_type: str
    fingerprint: str
    comment: str
    options: str


def fingerprint(blob_b64: str) -> str | None:
    """OpenSSH-style `SHA256:...` fingerprint of a base64 key blob, None when it is not base64."""
    try:
        blob = base64.b64decode(blob_b64, validate=True)
    except (binascii.Error, ValueError):
        return None
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")
    return f"SHA256:{digest}"


def _split_options(line: str) -> tuple[str, str]:
    # Options come first and may hold quoted spaces (command="a b"); they end at the first
    # unquoted space.
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char in " \t" and not quoted:
            return line[:index], line[index:].lstrip()
    return line, ""


def parse_authorized_key(line: str) -> AuthorizedKey | None:
    """Parse one non-comment authorized_keys line; None when no known key type and blob are found."""
    text = line.strip()
    options = ""
    if not text:
        return None
    if text.split(None, 1)[0] not in KEY_TYPES:
        options, text = _split_options(text)
    parts = text.split(None, 2)
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        return None
    fp = fingerprint(parts[1])
    if fp is None:
        return None
    return AuthorizedKey(
        key_type=parts[0], fingerprint=fp, comment=parts[2] if len(parts) == 3 else "", options=options
    )
