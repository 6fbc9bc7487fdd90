"""Files whose content is a secret (password hashes, private keys, credentials): content-reading tools refuse
them, so such bytes never enter evidence, the ledger, a report or a model's prompt. Hashing or listing them
(hash_files, file_info, find_files) reveals no content and stays allowed."""

from __future__ import annotations

import posixpath
from fnmatch import fnmatchcase

SECRET_PATTERNS: tuple[str, ...] = (
    "/etc/shadow",
    "/etc/shadow-",
    "/etc/gshadow",
    "/etc/gshadow-",
    "/etc/security/opasswd",
    "/etc/ssh/ssh_host_*_key",
    "/etc/ssl/private/*",
    "/etc/krb5.keytab",
    "*/.ssh/id_*",
    "*/.gnupg/*",
    "*/.aws/credentials",
    "*/.docker/config.json",
    "*/.netrc",
    "*/.pgpass",
    "*/.git-credentials",
    "*/.kube/config",
)


def secret_reason(path: str) -> str | None:
    """Why a path is refused for content reading (None when it is not a known secret)."""
    normal = posixpath.normpath(path)
    if normal.endswith(".pub"):
        return None
    for pattern in SECRET_PATTERNS:
        if fnmatchcase(normal, pattern):
            return (
                f"{path!r} holds secrets (matches {pattern}); its content must not enter evidence, "
                "the ledger or a model prompt — hash it with hash_files or stat it with file_info instead"
            )
    return None


def refuse_secret(path: str) -> str:
    """The path, or ValueError for a secret-bearing file (for pydantic validators)."""
    reason = secret_reason(path)
    if reason is not None:
        raise ValueError(reason)
    return path
