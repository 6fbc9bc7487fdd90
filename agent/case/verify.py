"""`verify(case_dir)`: recompute the whole chain, its links and its evidence, and name the first bad entry.

What is detected: any altered byte of any line (hash, canonical form, JSON or schema check),
deleted, duplicated or reordered entries (seq continuity and prev links), an execution with
no prior approving decision, missing or altered evidence, a bad signature. A truncated tail
leaves a valid shorter chain: it is detected only against a recorded head (the one in
case.json, written on close, or the one in ledger.sig); the report says which anchor it had.
Entries after a recorded head fail too: nothing is appended to a signed or closed record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, JsonValue, ValidationError

from agent.case.canonical import GENESIS_PREV, canonical_json
from agent.case.entry import LedgerEntry
from agent.case.errors import CaseError, CaseNotFoundError
from agent.case.evidence import EVIDENCE_DIR, EvidenceStore
from agent.case.ledger import LEDGER_FILE
from agent.case.links import LinkChecker
from agent.case.meta import CaseMeta, read_meta
from agent.case.payloads import LedgerKind
from agent.case.signing import (
    HeadSignature,
    key_fingerprint,
    read_signature,
    signature_problem,
    write_signature,
)


class Problem(BaseModel):
    """The first thing found wrong."""

    model_config = ConfigDict(frozen=True)

    seq: int | None
    """The seq of the bad entry (the seq that position should hold), None for a file-level problem."""
    line: int | None
    """1-based line number in ledger.jsonl, when the problem is a line."""
    reason: str
    """What is wrong."""


class VerifyReport(BaseModel):
    """The outcome of verifying one case."""

    case_dir: str
    """The case directory verified."""
    ok: bool
    """True when nothing is wrong."""
    entries: int
    """Entries checked (all of them when ok)."""
    head_seq: int
    """Seq of the last good entry."""
    head_hash: str
    """Hash of the last good entry."""
    problem: Problem | None = None
    """The first problem, when not ok."""
    warnings: list[str] = []
    """Things worth a look that do not break the record (clock steps, pending executions)."""
    signature: Literal["absent", "valid", "unverified", "invalid"] = "absent"
    """State of ledger.sig: `valid` only against a trusted (pinned) key; `unverified` when it is merely
    self-consistent (anyone who re-chains the ledger can re-sign it with a key of their own)."""
    signature_key: str | None = None
    """Fingerprint of the key ledger.sig was made with."""
    anchor: Literal["signature", "case.json", "none"] = "none"
    """What a truncated tail was checked against; with `none`, truncation cannot be detected."""


def _no_duplicates(pairs: list[tuple[str, JsonValue]]) -> dict[str, JsonValue]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(pairs)


class _Scan:
    """State of one pass over the ledger."""

    def __init__(self, case_dir: Path, meta: CaseMeta | None) -> None:
        self.meta = meta
        self.links = LinkChecker(EvidenceStore(case_dir / EVIDENCE_DIR))
        self.seq, self.hash, self.ts = 0, GENESIS_PREV, ""
        self.hashes_at: dict[int, str] = {}

    def line(self, number: int, raw: bytes, anchors: set[int]) -> Problem | None:
        expected = self.seq + 1

        def bad(reason: str) -> Problem:
            return Problem(seq=expected, line=number, reason=reason)

        if not raw.endswith(b"\n"):
            return bad("torn final line (no trailing newline; a crash mid-append?): `sleuth audit repair`")
        body = raw[:-1]
        try:
            obj = json.loads(body, object_pairs_hook=_no_duplicates)
        except (ValueError, UnicodeDecodeError):
            return bad("line is not valid JSON (altered or torn)")
        try:
            entry = LedgerEntry.model_validate(obj)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "entry"
            return bad(f"not a ledger entry: {where}: {err['msg']}")
        if entry.seq != expected:
            how = "missing or reordered" if entry.seq > expected else "duplicated or reordered"
            return bad(f"found seq {entry.seq} where {expected} was expected: entries {how}")
        if canonical_json(obj) != body:
            return bad("line is not in canonical form (edited by hand?)")
        computed = entry.computed_hash()
        if computed != entry.hash:
            return bad(f"hash mismatch: recorded {entry.hash[:16]}…, content hashes to {computed[:16]}…")
        if entry.prev != self.hash:
            return bad(f"prev {entry.prev[:16]}… does not link to the hash of entry {self.seq}")
        problem = self._meaning(entry)
        if problem:
            return bad(problem)
        if entry.ts < self.ts:
            self.links.warnings.append(f"seq {entry.seq}: timestamp {entry.ts} is earlier than the previous")
        if entry.seq in anchors:
            self.hashes_at[entry.seq] = entry.hash
        self.seq, self.hash, self.ts = entry.seq, entry.hash, entry.ts
        return None

    def _meaning(self, entry: LedgerEntry) -> str | None:
        if (entry.seq == 1) != (entry.kind is LedgerKind.CASE_OPENED):
            return "the first entry, and only it, must be case_opened"
        if self.meta is not None and entry.case != self.meta.id:
            return f"entry belongs to case {entry.case!r}, not {self.meta.id!r}"
        try:
            payload = entry.payload()
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "data"
            return f"data of a {entry.kind.value} entry is invalid: {where}: {err['msg']}"
        return self.links.check(entry, payload)


def _anchor_problem(report: VerifyReport, scan: _Scan, name: str, seq: int, digest: str) -> Problem | None:
    if scan.seq < seq:
        return Problem(seq=scan.seq + 1, line=None, reason=(
            f"ledger truncated: {name} records head seq {seq}, the ledger ends at seq {scan.seq}"))
    if scan.hashes_at.get(seq) != digest:
        return Problem(seq=seq, line=None, reason=f"entry {seq} does not match the head recorded in {name}")
    if scan.seq > seq:
        # A signed or closed head is the end of the record: anything after it was added behind its back.
        entries = f"entry {scan.seq} comes" if scan.seq == seq + 1 else f"entries {seq + 1}..{scan.seq} come"
        return Problem(seq=seq + 1, line=None, reason=(
            f"{entries} after the head recorded in {name} (seq {seq}): "
            "appended after the case was signed or closed"))
    return None


def verify(case_dir: Path, *, public_key: Ed25519PublicKey | None = None) -> VerifyReport:
    """Verify a case directory end to end; raises only when there is no ledger to verify."""
    path = case_dir / LEDGER_FILE
    if not path.is_file():
        raise CaseNotFoundError(f"no ledger at {path}")
    meta: CaseMeta | None
    problem: Problem | None = None
    try:
        meta = read_meta(case_dir)
    except CaseError as exc:
        meta, problem = None, Problem(seq=None, line=None, reason=str(exc))
    sig: HeadSignature | None = None
    try:
        sig = read_signature(case_dir)
    except CaseError as exc:
        problem = problem or Problem(seq=None, line=None, reason=str(exc))
    anchors = {a for a in (sig.head_seq if sig else None, meta.head_seq if meta else None) if a is not None}
    scan = _Scan(case_dir, meta)
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            found = scan.line(number, raw, anchors)
            if found:
                problem = problem or found
                break
    report = VerifyReport(case_dir=str(case_dir), ok=False, entries=scan.seq, head_seq=scan.seq,
                          head_hash=scan.hash, warnings=list(scan.links.warnings))
    if scan.seq == 0 and problem is None:
        problem = Problem(seq=1, line=None, reason="the ledger is empty")
    heads = _check_heads(report, scan, meta, sig, public_key)  # always run: it fills signature state
    problem = problem or heads
    for seq in scan.links.pending():
        report.warnings.append(f"execution {seq} started and never finished")
    report.problem = problem
    report.ok = problem is None
    return report


def _check_heads(report: VerifyReport, scan: _Scan, meta: CaseMeta | None, sig: HeadSignature | None,
                 public_key: Ed25519PublicKey | None) -> Problem | None:
    """Check the signature, then the chain against the heads recorded in ledger.sig and case.json."""
    if sig is None:
        if public_key is not None:
            return Problem(seq=None, line=None, reason="a public key was given but there is no ledger.sig")
    else:
        report.signature_key = key_fingerprint(sig.public_key)
        reason = signature_problem(sig, public_key)
        if reason is None and meta is not None and sig.case != meta.id:
            reason = f"ledger.sig is for case {sig.case!r}, not {meta.id!r}"
        report.signature = "invalid" if reason else ("valid" if public_key is not None else "unverified")
        if reason:
            return Problem(seq=sig.head_seq, line=None, reason=reason)
        if public_key is None:
            report.warnings.append(
                "signature unverified: it matches only the key inside ledger.sig; "
                "pin a trusted one (--public-key, or `audit_public_key` in config.yaml)"
            )
        report.anchor = "signature"
        problem = _anchor_problem(report, scan, "ledger.sig", sig.head_seq, sig.head_hash)
        if problem:
            return problem
    if meta is not None and meta.head_seq is not None and meta.head_hash is not None:
        report.anchor = "signature" if sig is not None else "case.json"
        return _anchor_problem(report, scan, "case.json", meta.head_seq, meta.head_hash)
    if report.anchor == "none":
        report.warnings.append("no recorded head (case open, unsigned): a truncated tail would go unnoticed")
    return None


def sign_case(case_dir: Path, key: Ed25519PrivateKey) -> HeadSignature:
    """Verify a case, then sign its head (a broken chain is never signed)."""
    report = verify(case_dir)
    if report.signature == "invalid":
        raise CaseError("refusing to sign: the existing ledger.sig does not verify (review, then remove it)")
    if report.problem is not None:
        where = f"seq {report.problem.seq}: " if report.problem.seq is not None else ""
        raise CaseError(f"refusing to sign a ledger that fails verification: {where}{report.problem.reason}")
    meta = read_meta(case_dir)
    return write_signature(case_dir, key, case=meta.id, head_seq=report.head_seq, head_hash=report.head_hash)
