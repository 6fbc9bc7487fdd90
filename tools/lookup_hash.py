"""lookup_hash: look hashes up in the offline intel store; runs nothing on the target."""

from __future__ import annotations

import hashlib
import json
import time

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tools.base import Row, Tool, ToolArgs, ToolContext, ToolResult, make_result
from tools.errors import IntelStoreError
from tools.intel.hashes import InvalidHashError, is_empty_file_hash, normalize_hash

COLUMNS = ("hash", "type", "known", "family", "sources")
MAX_HASHES = 1000
HASH_PATTERN = "^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$"


class LookupHashArgs(ToolArgs):
    """Which hashes to look up."""

    hashes: list[str] = Field(
        min_length=1,
        max_length=MAX_HASHES,
        # In the schema only (a model's grammar then emits only hashes); the validator gives the clear error.
        json_schema_extra={"items": {"type": "string", "pattern": HASH_PATTERN}},
    )
    """md5, sha1 or sha256 hashes in hex (any case), 1 to 1000."""

    @field_validator("hashes")
    @classmethod
    def _valid_hashes(cls, values: list[str]) -> list[str]:
        normalised: list[str] = []
        for index, value in enumerate(values):
            try:
                normalised.append(normalize_hash(value)[0])
            except InvalidHashError as exc:
                raise ValueError(f"hashes[{index}]: {exc}") from exc
        return normalised


class HashRow(BaseModel):
    """The verdict of the intel store on one hash."""

    model_config = ConfigDict(frozen=True)

    hash: str
    """The hash, lowercase hex."""
    type: str
    """md5, sha1 or sha256."""
    known: bool
    """True when at least one source lists it as malicious (or as a test sample)."""
    family: str
    """The family or label the sources give, comma-separated ('' when none)."""
    sources: str
    """The sources that list it, comma-separated ('' when unknown)."""


def _canonical(rows: list[Row]) -> bytes:
    return json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _render(rows: list[HashRow]) -> str:
    lines = [f"{len(rows)} hashes looked up, {sum(r.known for r in rows)} known to the intel store"]
    for row in rows:
        verdict = f"KNOWN  {row.family or '(no family)'}  [{row.sources}]" if row.known else "unknown"
        lines.append(f"{row.hash}  {row.type:<6}  {verdict}")
    return "\n".join(lines)


class LookupHashTool(Tool[LookupHashArgs]):
    """Looks hashes up in the local intel store (no command on the target, no network)."""

    name = "lookup_hash"
    description = (
        "Look up md5/sha1/sha256 hashes (e.g. from hash_files) in the offline intel store of known "
        "malware hashes; reports for each whether it is known, the family and the sources. Runs no "
        "command on the target."
    )
    args_model = LookupHashArgs
    row_model = HashRow

    def run(self, args: LookupHashArgs, ctx: ToolContext) -> ToolResult:
        """Batch-look the hashes up in ctx.intel; the evidence is the canonical JSON of the rows."""
        started = time.monotonic()
        if ctx.intel is None:
            raise IntelStoreError("no intel store configured: lookup_hash needs one (`sleuth intel import`)")
        wanted = list(dict.fromkeys(args.hashes))
        hits = ctx.intel.lookup(wanted)
        rows: list[HashRow] = []
        notes: list[str] = []
        for digest in wanted:
            found = [] if is_empty_file_hash(digest) else hits.get(digest, [])
            if is_empty_file_hash(digest):
                notes.append(f"{digest} is the hash of the empty file: never reported as malware")
            families = dict.fromkeys(h.family for h in found if h.family)
            rows.append(
                HashRow(
                    hash=digest,
                    type=normalize_hash(digest)[1],
                    known=bool(found),
                    family=", ".join(families),
                    sources=", ".join(dict.fromkeys(h.source for h in found)),
                )
            )
        dumped: list[Row] = [r.model_dump() for r in rows]
        result = make_result(
            self.name, (), dumped, _render(rows), host=ctx.transport.host,
            duration_s=time.monotonic() - started, notes=notes,
        )
        raw = _canonical(dumped)
        return result.model_copy(update={"raw": raw, "sha256": hashlib.sha256(raw).hexdigest()})


TOOL = LookupHashTool()
