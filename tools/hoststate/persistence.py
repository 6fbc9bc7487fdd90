"""Where Linux persistence lives, and how found files and their lines become list_persistence rows."""

from __future__ import annotations

import time
from datetime import datetime

from tools.hoststate.common import RowModel, decode, has_hidden_component, in_temp_dir, join_flags
from tools.hoststate.entries import entry_flags, parse_grep_z
from tools.hoststate.files import FoundFileRow
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


class PersistenceRow(RowModel):
    """One persistence entry (a row of list_persistence): a line of a file, or a file that is an entry by
    itself."""

    kind: str
    """cron, cron_script, systemd, systemd_enabled, rc_local, ld_preload, profile_d, authorized_key."""
    path: str
    """File holding the entry (empty for systemd_enabled)."""
    line_no: int | None
    """Line number within the file, for line entries."""
    entry: str
    """The line (attacker-controlled text), or the file or unit name."""
    mtime: str | None
    """Modification time of the file, ISO 8601 UTC."""
    flags: str
    """Comma-separated: @reboot, runs_from_tmp, hidden_path, download_exec, network_tool,
    recently_modified, ld_preload, rc_local, key_options, symlink, vendor_unit."""
    key_type: str | None = None
    """authorized_key: key algorithm."""
    key_fingerprint: str | None = None
    """authorized_key: SHA256 fingerprint computed from the key blob."""
    key_comment: str | None = None
    """authorized_key: the comment (often user@host; attacker-controlled)."""


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


def lines_to_read(found: list[FoundFileRow]) -> list[str]:
    """Files whose lines are read: cron tables, rc.local, ld.so.preload, keys, admin-installed units."""
    paths: list[str] = []
    for f in found:
        kind = classify(f.path)
        if f.type not in ("file", "symlink") or kind not in _LINE_KINDS:
            continue
        if kind == "systemd" and (f.type != "file" or f.path.startswith(_VENDOR_UNIT_DIRS)):
            continue
        paths.append(f.path)
    return paths


def _recent(f: FoundFileRow, recent_days: int) -> bool:
    # mtime is whole seconds: a file changed within a second of the bound may fall either side of it.
    mtime = datetime.fromisoformat(f.mtime).timestamp() if f.mtime else None
    return mtime is not None and mtime >= time.time() - recent_days * 86400


def _file_row(kind: str, f: FoundFileRow, base_flags: list[str]) -> PersistenceRow:
    """A file that is an entry by itself (a cron script, a unit, rc.local without readable lines)."""
    flags = base_flags + (["vendor_unit"] if f.path.startswith(_VENDOR_UNIT_DIRS) else [])
    if f.type == "symlink" and kind != "systemd":  # every enabled unit is a link: no red sign
        flags.append("symlink")
    if kind in ("ld_preload", "rc_local") and f.size > 0:
        flags.append(kind)
    return PersistenceRow(
        kind=kind, path=f.path, line_no=None, entry=f.path.rsplit("/", 1)[-1], mtime=f.mtime,
        flags=join_flags(flags),
    )


def _line_row(kind: str, f: FoundFileRow, line_no: int, text: str, base_flags: list[str]) -> PersistenceRow:
    """One line of a cron table, unit, rc.local, ld.so.preload or authorized_keys file."""
    flags = base_flags + entry_flags(text)
    if kind == "ld_preload":
        flags.append("ld_preload")
    key = parse_authorized_key(text) if kind == "authorized_key" else None
    if key is not None and key.options:
        flags.append("key_options")
    return PersistenceRow(
        kind=kind, path=f.path, line_no=line_no, entry=text, mtime=f.mtime, flags=join_flags(flags),
        key_type=key.key_type if key else None,
        key_fingerprint=key.fingerprint if key else None,
        key_comment=key.comment if key else None,
    )


def build_entries(found: list[FoundFileRow], grep_out: bytes, recent_days: int) -> list[PersistenceRow]:
    """Turn found files and grep's lines into rows: one per line for line kinds, else one per file."""
    lines: dict[str, list[tuple[int, str]]] = {}
    for hit in parse_grep_z(grep_out):
        lines.setdefault(hit.path, []).append((hit.line_no, hit.text))
    entries: list[PersistenceRow] = []
    for f in found:
        kind = classify(f.path)
        if kind is None or f.type == "dir":
            continue
        base_flags = ["recently_modified"] if _recent(f, recent_days) else []
        if in_temp_dir(f.path) or has_hidden_component(f.path.split("/.ssh/")[0]):
            base_flags.append("hidden_path")
        if f.path not in lines:
            entries.append(_file_row(kind, f, base_flags))
            continue
        entries.extend(
            _line_row(kind, f, line_no, text, base_flags)
            for line_no, text in lines[f.path]
            if kind != "systemd" or text.lstrip().startswith("Exec")
        )
    return entries


def enabled_units(data: bytes) -> list[PersistenceRow]:
    """Rows of `systemctl list-unit-files --state=enabled --no-legend`: the unit name, first on each line."""
    return [
        PersistenceRow(kind="systemd_enabled", path="", line_no=None, entry=unit[0], mtime=None, flags="")
        for unit in (line.split() for line in decode(data).splitlines())
        if unit
    ]
