"""Where Linux persistence lives, and how found files and their lines become persistence records."""

from __future__ import annotations

import time
from dataclasses import dataclass

from tools.hoststate.common import has_hidden_component, in_temp_dir, iso_from_epoch, join_flags
from tools.hoststate.entries import entry_flags, parse_grep_z
from tools.hoststate.files import FoundFile
from tools.hoststate.keys import parse_authorized_key

# Roots searched by one find; what each file found under them means is decided by `classify`.
SYSTEM_ROOTS: tuple[str, ...] = (
    "/etc/crontab",
    "/etc/cron.d",
    "/etc/cron.hourly",
    "/etc/cron.daily",
    "/etc/cron.weekly",
    "/etc/cron.monthly",
    "/var/spool/cron",
    "/etc/rc.local",
    "/etc/ld.so.preload",
    "/etc/profile.d",
    "/etc/systemd/system",
    "/lib/systemd/system",
    "/usr/lib/systemd/system",
)
KEY_ROOTS: tuple[str, ...] = ("/root", "/home")
# Files whose lines are entries (read with grep); the others are entries by themselves.
_LINE_KINDS = frozenset({"cron", "rc_local", "ld_preload", "authorized_key", "systemd"})
_UNIT_SUFFIXES = (".service", ".timer", ".socket", ".path")
_VENDOR_UNIT_DIRS = ("/lib/systemd/system/", "/usr/lib/systemd/system/")


@dataclass(frozen=True)
class PersistenceEntry:
    """One persistence record before it becomes a row."""

    kind: str
    path: str
    line_no: int | None
    entry: str
    mtime: str | None
    flags: str
    key_type: str | None = None
    key_fingerprint: str | None = None
    key_comment: str | None = None


def classify(path: str) -> str | None:
    """The persistence kind of a found file, or None when it is not persistence (a README)."""
    name = path.rsplit("/", 1)[-1]
    if path == "/etc/crontab" or path.startswith(("/etc/cron.d/", "/var/spool/cron/")):
        return None if name.startswith(".placeholder") else "cron"
    if path.startswith(("/etc/cron.hourly/", "/etc/cron.daily/", "/etc/cron.weekly/", "/etc/cron.monthly/")):
        return None if name.startswith(".placeholder") else "cron_script"
    if path == "/etc/rc.local":
        return "rc_local"
    if path == "/etc/ld.so.preload":
        return "ld_preload"
    if path.startswith("/etc/profile.d/"):
        return "profile_d"
    if "/.ssh/authorized_keys" in path:
        return "authorized_key"
    if path.startswith(("/etc/systemd/system/", *_VENDOR_UNIT_DIRS)) and name.endswith(_UNIT_SUFFIXES):
        return "systemd"
    return None


def lines_to_read(found: list[FoundFile]) -> list[str]:
    """Files whose lines are read: cron tables, rc.local, ld.so.preload, keys, admin-installed units."""
    paths: list[str] = []
    for f in found:
        kind = classify(f.path)
        if f.type not in ("f", "l") or kind not in _LINE_KINDS:
            continue
        if kind == "systemd" and (f.type != "f" or f.path.startswith(_VENDOR_UNIT_DIRS)):
            continue
        paths.append(f.path)
    return paths


def _recent(f: FoundFile, recent_days: int) -> bool:
    return f.mtime_epoch >= time.time() - recent_days * 86400


def build_entries(found: list[FoundFile], grep_out: bytes, recent_days: int) -> list[PersistenceEntry]:
    """Turn found files and grep's lines into records: one per line for line kinds, else one per file."""
    lines: dict[str, list[tuple[int, str]]] = {}
    for hit in parse_grep_z(grep_out):
        lines.setdefault(hit.path, []).append((hit.line_no, hit.text))
    entries: list[PersistenceEntry] = []
    for f in found:
        kind = classify(f.path)
        if kind is None or f.type == "d":
            continue
        base_flags = ["recently_modified"] if _recent(f, recent_days) else []
        if in_temp_dir(f.path) or has_hidden_component(f.path.split("/.ssh/")[0]):
            base_flags.append("hidden_path")
        mtime = iso_from_epoch(f.mtime_epoch)
        if f.path not in lines:
            target = f.path.rsplit("/", 1)[-1]
            flags = base_flags + (["vendor_unit"] if f.path.startswith(_VENDOR_UNIT_DIRS) else [])
            if f.type == "l" and kind != "systemd":  # every enabled unit is a link: no red sign
                flags.append("symlink")
            if kind in ("ld_preload", "rc_local") and f.size > 0:
                flags.append(kind)
            entries.append(PersistenceEntry(kind, f.path, None, target, mtime, join_flags(flags)))
            continue
        for line_no, text in lines[f.path]:
            if kind == "systemd" and not text.lstrip().startswith("Exec"):
                continue
            flags = base_flags + entry_flags(text)
            if kind == "ld_preload":
                flags.append("ld_preload")
            if kind == "authorized_key":
                key = parse_authorized_key(text)
                if key is not None and key.options:
                    flags.append("key_options")
                entries.append(
                    PersistenceEntry(
                        kind, f.path, line_no, text, mtime, join_flags(flags),
                        key_type=key.key_type if key else None,
                        key_fingerprint=key.fingerprint if key else None,
                        key_comment=key.comment if key else None,
                    )
                )
                continue
            entries.append(PersistenceEntry(kind, f.path, line_no, text, mtime, join_flags(flags)))
    return entries
