"""Typed records of the intel store: what a parser yields, what an import reports, what a lookup returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tools.intel.hashes import HashType

ImportFormat = Literal["plain", "csv", "misp"]
IMPORT_FORMATS: tuple[ImportFormat, ...] = ("plain", "csv", "misp")

# How many invalid lines an import names in its report; the count covers all of them.
MAX_INVALID_EXAMPLES = 5


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """One hash a parser found in an import file, already normalised."""

    hash: str
    hash_type: HashType
    family: str | None = None
    first_seen: str | None = None
    reference: str | None = None


@dataclass
class ParseTally:
    """What a parser skipped while reading a file: invalid entries (counted and located) and non-hash IOCs."""

    invalid: int = 0
    invalid_examples: list[str] = field(default_factory=list)
    not_hashes: int = 0

    def add_invalid(self, location: str, message: str) -> None:
        """Count one invalid entry; keep its location and message if it is among the first few."""
        self.invalid += 1
        if len(self.invalid_examples) < MAX_INVALID_EXAMPLES:
            self.invalid_examples.append(f"{location}: {message}")


class ImportReport(BaseModel):
    """The outcome of importing one file into one source."""

    model_config = ConfigDict(frozen=True)

    source: str
    """The source (feed) name the rows were stored under."""
    file: str
    """The imported file."""
    format: ImportFormat
    """The format the file was read as."""
    imported: int
    """Hashes new to this source."""
    duplicates: int
    """Hashes already in this source, or repeated in the file (stored once)."""
    skipped_empty_file: int
    """Hashes of the empty file, never stored (they would flag every empty file)."""
    invalid: int
    """Lines, rows or attributes that looked like a hash entry but were not a valid hash."""
    invalid_examples: tuple[str, ...]
    """The first few invalid entries, as `file:line: message`."""
    not_hashes: int
    """Entries of other IOC types (domains, IPs, URLs) that were ignored."""
    replaced: bool
    """True when the source's earlier rows were dropped first."""
    source_total: int
    """Rows the source holds after the import."""
    duration_s: float
    """Wall time of the import."""


class IntelRecord(BaseModel):
    """One stored row: a hash as one source knows it."""

    model_config = ConfigDict(frozen=True)

    hash: str
    """The hash, lowercase hex."""
    hash_type: HashType
    """Which algorithm the hash is."""
    source: str
    """The source (feed) it was imported from."""
    family: str | None = None
    """Malware family or label, when the source gives one."""
    first_seen: str | None = None
    """When the source first saw it, as the source wrote it."""
    reference: str | None = None
    """Where the source documents it (report, event, URL)."""
    imported_at: str
    """When it was imported (UTC, ISO 8601)."""


class SourceStats(BaseModel):
    """Row counts of one source, by hash type."""

    model_config = ConfigDict(frozen=True)

    source: str
    """The source name."""
    md5: int
    """md5 rows."""
    sha1: int
    """sha1 rows."""
    sha256: int
    """sha256 rows."""
    total: int
    """All rows of the source."""
    file: str | None = None
    """The file last imported into it."""
    format: str | None = None
    """The format of that file."""
    imported_at: str | None = None
    """When it was last imported (UTC, ISO 8601)."""


class StoreStats(BaseModel):
    """What the store holds: per-source counts and totals."""

    model_config = ConfigDict(frozen=True)

    path: str
    """The SQLite file."""
    schema_version: int
    """The store's schema version."""
    sources: tuple[SourceStats, ...]
    """One entry per source, by name."""
    rows: int
    """All rows (a hash known to two sources counts twice)."""
    distinct_hashes: int
    """Distinct hashes across all sources."""
