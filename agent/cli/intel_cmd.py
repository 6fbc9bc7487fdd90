"""`sleuth intel`: import public hash lists into the offline intel store, look hashes up, count them."""

from __future__ import annotations

import argparse
import sys

from pydantic import BaseModel, ConfigDict, TypeAdapter

from agent.cli.validate import existing_file, file_to_create
from tools.errors import InvalidToolArgsError
from tools.intel.hashes import HashType, InvalidHashError, is_empty_file_hash, normalize_hash
from tools.intel.models import IMPORT_FORMATS, ImportReport, IntelRecord, StoreStats
from tools.intel.store import IntelStore, default_path

_LOOKUP_EPILOG = (
    "Exit status: 0 when the lookup ran (known or not: the verdict is in the output), "
    "2 for an invalid hash, 4 when the store cannot be read."
)


class HashVerdict(BaseModel):
    """What the store knows about one looked-up hash (the JSON output of `sleuth intel lookup`)."""

    model_config = ConfigDict(frozen=True)

    hash: str
    """The hash, lowercase hex."""
    hash_type: HashType
    """md5, sha1 or sha256."""
    known: bool
    """True when at least one source lists it."""
    empty_file: bool
    """True for the empty file's hash, which is never reported as malware."""
    records: list[IntelRecord]
    """Every source's record of it."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `sleuth intel import|lookup|stats`."""
    intel = subparsers.add_parser(
        "intel",
        help="the offline intel store of known-bad hashes",
        description="The offline intel store: known-bad md5/sha1/sha256 hashes by source, in SQLite.",
    )
    commands = intel.add_subparsers(dest="intel_command", metavar="SUBCOMMAND", required=True)

    imp = commands.add_parser(
        "import",
        help="import a hash list (plain, CSV, MISP JSON) into a source",
        description=(
            "Import a hash list into the store under a source name, in one transaction: plain "
            "(one hash per line, # comments), CSV with a header (MalwareBazaar, vendor IOC CSVs) or "
            "MISP event JSON; the format is detected from the content unless --format says. "
            "Re-importing a source updates it in place; the empty file's hashes are never stored."
        ),
    )
    imp.add_argument("file", type=existing_file, metavar="FILE", help="the file to import")
    imp.add_argument("--source", required=True, help="source (feed) name, e.g. malwarebazaar")
    imp.add_argument("--format", choices=IMPORT_FORMATS, help="file format (default: detect from content)")
    imp.add_argument("--replace", action="store_true", help="drop the source's earlier rows first")
    _common(imp)
    imp.set_defaults(func=_import)

    look = commands.add_parser(
        "lookup",
        help="look hashes up",
        description="Look md5/sha1/sha256 hashes (any case) up in the store.",
        epilog=_LOOKUP_EPILOG,
    )
    look.add_argument("hashes", nargs="+", metavar="HASH", help="a hash in hex")
    _common(look)
    look.set_defaults(func=_lookup)

    stats = commands.add_parser(
        "stats",
        help="count hashes per source and type",
        description="Count stored hashes per source and type.",
    )
    _common(stats)
    stats.set_defaults(func=_stats)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=file_to_create, help=f"the store file (default: {default_path()})")
    parser.add_argument("--json", action="store_true", help="print JSON")


def _import(args: argparse.Namespace) -> int:
    with IntelStore.open(args.db) as store:
        report = store.import_file(args.file, args.source, fmt=args.format, replace=args.replace)
    if args.json:
        print(report.model_dump_json(indent=2))
        return 0
    print(_describe(report))
    for example in report.invalid_examples:
        print(f"sleuth: warning: invalid entry: {example}", file=sys.stderr)
    return 0


def _describe(r: ImportReport) -> str:
    action = "replaced source" if r.replaced else "source"
    return (
        f"{action} {r.source!r} from {r.file} ({r.format}) in {r.duration_s:.2f}s:\n"
        f"  imported: {r.imported}\n"
        f"  duplicates: {r.duplicates}\n"
        f"  skipped empty-file hashes: {r.skipped_empty_file}\n"
        f"  invalid entries: {r.invalid}\n"
        f"  other IOC types ignored: {r.not_hashes}\n"
        f"  source now holds: {r.source_total}"
    )


def _lookup(args: argparse.Namespace) -> int:
    wanted = _normalised(args.hashes)
    with IntelStore.open(args.db) as store:
        found = store.records([h for h, _ in wanted])
    verdicts = [
        HashVerdict(
            hash=h,
            hash_type=t,
            known=bool(found.get(h)),
            empty_file=is_empty_file_hash(h),
            records=found.get(h, []),
        )
        for h, t in wanted
    ]
    if args.json:
        print(TypeAdapter(list[HashVerdict]).dump_json(verdicts, indent=2).decode())
        return 0
    for v in verdicts:
        if not v.known:
            why = " (the empty file's hash: never reported as malware)" if v.empty_file else ""
            print(f"{v.hash}  {v.hash_type}  not in the intel store{why}")
            continue
        for rec in v.records:
            extra = "".join(
                f"  {label}: {value}"
                for label, value in (("first seen", rec.first_seen), ("ref", rec.reference))
                if value
            )
            family = rec.family or "(no family)"
            print(f"{v.hash}  {v.hash_type}  KNOWN  {family}  source: {rec.source}{extra}")
    return 0


def _normalised(hashes: list[str]) -> list[tuple[str, HashType]]:
    out: list[tuple[str, HashType]] = []
    for text in hashes:
        try:
            out.append(normalize_hash(text))
        except InvalidHashError as exc:
            raise InvalidToolArgsError(f"invalid hash: {exc}") from exc
    return list(dict.fromkeys(out))


def _stats(args: argparse.Namespace) -> int:
    with IntelStore.open(args.db) as store:
        stats = store.stats()
    print(stats.model_dump_json(indent=2) if args.json else _render_stats(stats))
    return 0


def _render_stats(stats: StoreStats) -> str:
    lines = [f"intel store {stats.path} (schema {stats.schema_version})"]
    lines.append(f"{'source':<24} {'md5':>9} {'sha1':>9} {'sha256':>9} {'total':>9}  imported")
    for s in stats.sources:
        counts = f"{s.md5:>9} {s.sha1:>9} {s.sha256:>9} {s.total:>9}"
        lines.append(f"{s.source:<24} {counts}  {s.imported_at or ''}")
    lines.append(f"{stats.rows} rows, {stats.distinct_hashes} distinct hashes")
    return "\n".join(lines)
