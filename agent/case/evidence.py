"""Content-addressed evidence: `evidence/<sha256>`, written atomically, read-only, verified on read."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from agent.case.canonical import sha256_hex
from agent.case.errors import EvidenceError
from agent.case.fsutil import atomic_write
from agent.case.payloads import SHA256_PATTERN
from tools.base import ToolResult

EVIDENCE_DIR = "evidence"
_SHA256 = re.compile(SHA256_PATTERN)


class EvidenceRef(BaseModel):
    """Where a stored blob is and what it hashes to."""

    model_config = ConfigDict(frozen=True)

    sha256: str = Field(pattern=SHA256_PATTERN)
    """sha256 of the content (also the file name)."""
    size: int = Field(ge=0)
    """Content size in bytes."""
    path: Path
    """Absolute path of the blob."""

    @property
    def relpath(self) -> str:
        """The path relative to the case directory, as recorded in the ledger."""
        return f"{EVIDENCE_DIR}/{self.sha256}"


class EvidenceStore:
    """Blobs of one case, named by their sha256."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        """The path a blob with this hash has (whether or not it exists)."""
        if not _SHA256.match(sha256):
            raise EvidenceError(f"not a sha256 (64 lowercase hex digits): {sha256!r}")
        return self.root / sha256

    def put(self, content: bytes) -> EvidenceRef:
        """Store a blob (temp file + fsync + rename, then read-only); storing it again is a no-op."""
        digest = sha256_hex(content)
        final = self.path_for(digest)
        ref = EvidenceRef(sha256=digest, size=len(content), path=final)
        if final.exists():
            return ref
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            # Same content => same name: a concurrent writer of the same blob wins harmlessly.
            atomic_write(final, content, mode=0o444)
        except OSError as exc:
            raise EvidenceError(f"could not store evidence {digest}: {exc.strerror}") from exc
        return ref

    def get(self, sha256: str) -> bytes:
        """Read a blob back, checking that it still hashes to its name."""
        path = self.path_for(sha256)
        try:
            content = path.read_bytes()
        except FileNotFoundError as exc:
            raise EvidenceError(f"evidence {sha256} is missing") from exc
        actual = sha256_hex(content)
        if actual != sha256:
            raise EvidenceError(f"evidence {sha256} has been altered: its content hashes to {actual}")
        return content

    def hash_of(self, sha256: str) -> str | None:
        """The actual sha256 of the stored file named `sha256` (None when missing), read in chunks."""
        path = self.path_for(sha256)
        h = hashlib.sha256()
        try:
            with path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
            return h.hexdigest()
        except FileNotFoundError:
            return None

def load_result(store: EvidenceStore, sha256: str) -> ToolResult:
    """A run's parsed result as stored beside its raw output (content-addressed, hash-checked on read)."""
    return ToolResult.model_validate_json(store.get(sha256))


def result_cells(store: EvidenceStore, sha256: str) -> list[str]:
    """Every non-empty cell of a stored result's rows as text (values a tool derived, e.g. fingerprints)."""
    return [str(v) for row in load_result(store, sha256).rows for v in row.values() if v is not None]
