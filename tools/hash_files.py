"""hash_files: sha256 (optionally sha1/md5) of given files, with size, mtime and an offline intel lookup."""

from __future__ import annotations

import time
from typing import Literal

from pydantic import Field

from tools.base import IntelHit, Row, Tool, ToolContext, ToolResult
from tools.file_info import stat_argv
from tools.hoststate.common import (
    HostStateArgs,
    RowModel,
    stderr_lines,
    table_result,
)
from tools.hoststate.files import parse_stat, parse_sums, stat_wording
from tools.hoststate.paths import AbsPath
from tools.intel.hashes import is_empty_file_hash
from tools.transport.base import CommandOutput

COLUMNS = ("path", "sha256", "size", "mtime", "intel_match", "intel_family", "intel_source")
Algorithm = Literal["sha256", "sha1", "md5"]
_PROGRAMS: dict[Algorithm, str] = {"sha256": "sha256sum", "sha1": "sha1sum", "md5": "md5sum"}


class HashFilesArgs(HostStateArgs):
    """Which files to hash, with which algorithms."""

    paths: list[AbsPath] = Field(min_length=1, max_length=100)
    """Absolute paths of regular files (a symlink is not followed: it gets a note; hash its target)."""
    algorithms: tuple[Algorithm, ...] = Field(default=("sha256",), min_length=1, max_length=3)
    """Digests to compute; sha256 is always computed."""


class HashRow(RowModel):
    """One file's digests and what the intel store knows about them."""

    path: str
    """The path as given."""
    sha256: str | None
    """sha256, lowercase hex (None when the file could not be read)."""
    sha1: str | None
    """sha1 when asked for."""
    md5: str | None
    """md5 when asked for."""
    size: int | None
    """Size in bytes."""
    mtime: str | None
    """Modification time, ISO 8601 UTC."""
    intel_match: bool
    """True when any digest is in the intel store (never for the empty file)."""
    intel_family: str | None
    """Malware family or label of the first hit."""
    intel_source: str | None
    """Feed(s) of the hits, comma-separated."""
    note: str | None
    """Why a digest is missing (unreadable, missing, not a regular file), if it is."""


def hash_argv(algorithm: Algorithm, paths: list[str]) -> tuple[str, ...]:
    """The hasher for one algorithm over these files, NUL after each record so any file name survives."""
    return (_PROGRAMS[algorithm], "-z", "--", *paths)


def _hits_for(digests: list[str], found: dict[str, list[IntelHit]]) -> list[IntelHit]:
    # The empty file's hashes are in some feeds (failed downloads hashed); never report them.
    return [hit for d in digests if not is_empty_file_hash(d) for hit in found.get(d, [])]


class HashFilesTool(Tool[HashFilesArgs]):
    """Hashes files on the target and looks the digests up in the local intel store."""

    name = "hash_files"
    description = (
        "Compute sha256 (and optionally sha1, md5) of up to 100 files on the target, with size and "
        "mtime, and look each digest up in the offline intel store (family, source)."
    )
    args_model = HashFilesArgs
    row_model = HashRow

    def run(self, args: HashFilesArgs, ctx: ToolContext) -> ToolResult:
        """stat the files, hash them once per algorithm, then look the digests up."""
        started = time.monotonic()
        paths = list(args.paths)
        algorithms: list[Algorithm] = list(dict.fromkeys(("sha256", *args.algorithms)))
        # stat and the hashers exit 1 when some file is missing: the rest is still valid.
        ok = frozenset({0, 1})
        stat_out = ctx.run(stat_argv(paths), ok_exit=ok)
        stats = {e.path: e for e in parse_stat(stat_out.stdout)[0]}
        outputs: list[CommandOutput] = [stat_out]
        sums: dict[str, dict[str, str]] = {}
        errors: list[str] = stderr_lines(stat_out.stderr)
        hashable = [p for p in paths if p in stats and stats[p].type == "file"]
        for algorithm in algorithms if hashable else []:
            out = ctx.run(hash_argv(algorithm, hashable), ok_exit=ok)
            outputs.append(out)
            sums[algorithm] = parse_sums(out.stdout)
            errors.extend(stderr_lines(out.stderr))
        notes = list(dict.fromkeys(errors))
        all_digests = sorted({d for by_path in sums.values() for d in by_path.values()})
        found: dict[str, list[IntelHit]] = {}
        if ctx.intel is None:
            notes.append("no intel store: digests were not looked up")
        elif all_digests:
            found = ctx.intel.lookup(all_digests)
        rows: list[Row] = []
        for path in paths:
            entry = stats.get(path)
            digests = {a: sums.get(a, {}).get(path) for a in ("sha256", "sha1", "md5")}
            hits = _hits_for([d for d in digests.values() if d], found)
            note = None
            if entry is None:
                note = "missing or unreadable (see notes)"
            elif entry.type != "file":
                note = f"not a regular file ({stat_wording(entry.type)})"
            elif digests["sha256"] is None:
                note = "could not be read (see notes)"
            rows.append(
                HashRow(
                    path=path,
                    sha256=digests["sha256"],
                    sha1=digests["sha1"],
                    md5=digests["md5"],
                    size=entry.size if entry else None,
                    mtime=entry.mtime if entry else None,
                    intel_match=bool(hits),
                    intel_family=next((h.family for h in hits if h.family), None),
                    intel_source=",".join(dict.fromkeys(h.source for h in hits)) or None,
                    note=note,
                ).model_dump()
            )
        return table_result(
            self.name, ctx, outputs, rows, COLUMNS, started=started, notes=notes
        )


TOOL = HashFilesTool()
