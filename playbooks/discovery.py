"""The shipped playbook library (package data) and optional extra folders: list playbooks, find one by id."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from playbooks.errors import PlaybookNotFoundError


def library_dir() -> Path:
    """The folder of shipped playbooks (`playbooks/library`)."""
    return Path(str(files("playbooks").joinpath("library")))


def schema_path() -> Path:
    """The committed JSON Schema of playbooks."""
    return Path(str(files("playbooks").joinpath("schema", "playbook.schema.json")))


@dataclass(frozen=True)
class PlaybookEntry:
    """A playbook file and the id its path gives it."""

    id: str
    path: Path


def _entries(root: Path) -> list[PlaybookEntry]:
    if not root.is_dir():
        return []
    # `<playbook>.tests/` folders beside a playbook hold its replay test cases, not playbooks.
    return [
        PlaybookEntry(".".join(p.relative_to(root).with_suffix("").parts), p)
        for p in sorted(root.rglob("*.yaml"))
        if not any(part.endswith(".tests") for part in p.relative_to(root).parts)
    ]


def list_playbooks(extra_dirs: Iterable[Path] = ()) -> list[PlaybookEntry]:
    """Every playbook under the library and the extra folders (ids from their paths), sorted by id."""
    found: dict[str, PlaybookEntry] = {}
    for root in [*extra_dirs, library_dir()]:  # an extra folder may shadow a shipped playbook of the same id
        for entry in _entries(root):
            found.setdefault(entry.id, entry)
    return sorted(found.values(), key=lambda e: e.id)


def find_playbook(id_or_path: str, extra_dirs: Iterable[Path] = ()) -> Path:
    """A playbook file from an id (linux.ssh.bruteforce) or a path to a YAML file."""
    candidate = Path(id_or_path)
    if candidate.suffix in (".yaml", ".yml") or "/" in id_or_path:
        if candidate.is_file():
            return candidate
        raise PlaybookNotFoundError(f"no playbook file {id_or_path!r}")
    for entry in list_playbooks(extra_dirs):
        if entry.id == id_or_path:
            return entry.path
    known = ", ".join(e.id for e in list_playbooks(extra_dirs)) or "none"
    raise PlaybookNotFoundError(f"no playbook with id {id_or_path!r} (known: {known})")
