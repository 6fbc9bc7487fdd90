"""Files whose content is a secret (password hashes, private keys, credentials): content-reading tools refuse
them, so such bytes never enter evidence, the ledger, a report or a model's prompt. Hashing or listing them
(hash_files, file_info, find_files) reveals no content and stays allowed.

This is the check by spelling, at validation (before anything runs); where a path really resolves on the
target, its inode and its bytes are checked at run time by tools.secrets.guard."""

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
    "*/.ssh/*",
    "*/.config/gcloud/*",
    "*/.azure/*",
    "/etc/NetworkManager/system-connections/*",
    "/etc/wpa_supplicant/*.conf",
    "/proc/*/environ",
    "/proc/*/task/*/environ",
    "/proc/*/mem",
    "/proc/*/task/*/mem",
    "/proc/*/root/*",
    "/proc/*/cwd/*",
    "/proc/*/fd/*",
    "/proc/*/map_files/*",
    "/proc/kcore",
    "/dev/mem",
    "/dev/kmem",
    "/dev/port",
)

# Files under a secret pattern that are public by design (keys' public halves, trust lists).
PUBLIC_NAMES: frozenset[str] = frozenset(
    {"authorized_keys", "authorized_keys2", "known_hosts", "known_hosts.old", "config"}
)

# Fixed places of secrets: a hard link to one of these elsewhere is caught by its inode.
SECRET_FILES: tuple[str, ...] = (
    "/etc/shadow",
    "/etc/shadow-",
    "/etc/gshadow",
    "/etc/gshadow-",
    "/etc/security/opasswd",
    "/etc/krb5.keytab",
)


def secret_reason(path: str) -> str | None:
    """Why a path is refused for content reading (None when it is not a known secret)."""
    normal = posixpath.normpath(_collapse(path))
    name = posixpath.basename(normal)
    if normal.endswith(".pub") or (name in PUBLIC_NAMES and "/.ssh/" in normal):
        return None
    for pattern in SECRET_PATTERNS:
        if fnmatchcase(normal, pattern):
            return (
                f"{path!r} holds secrets (matches {pattern}); its content must not enter evidence, "
                "the ledger or a model prompt — hash it with hash_files or stat it with file_info instead"
            )
    return None


def _collapse(path: str) -> str:
    """`//x` reads as `/x` on Linux (normpath keeps a leading `//`: POSIX leaves it to the system)."""
    return "/" + path.lstrip("/") if path.startswith("/") else path


def refuse_secret(path: str) -> str:
    """The path, or ValueError for a secret-bearing file (for pydantic validators)."""
    reason = secret_reason(path)
    if reason is not None:
        raise ValueError(reason)
    return path
