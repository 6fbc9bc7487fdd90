"""`case.json`: a case's metadata, and the ledger head recorded when the case is closed."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.case.errors import CaseError, first_problem
from agent.case.fsutil import atomic_write
from agent.case.payloads import SHA256_PATTERN, ClosedStatus

META_FILE = "case.json"
CASE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
_CASE_ID = re.compile(CASE_ID_PATTERN)


def new_case_id(now: datetime | None = None) -> str:
    """A sortable, unique case id: UTC time to the second, then 6 random hex digits."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"


def check_case_id(case_id: str) -> str:
    """Return the id if it is a safe directory name (no path separators, no leading dot), else raise."""
    if not _CASE_ID.match(case_id) or case_id in (".", ".."):
        raise CaseError(f"invalid case id {case_id!r}: letters, digits, '.', '_' and '-' only")
    return case_id


class CaseMeta(BaseModel):
    """What `case.json` holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=CASE_ID_PATTERN)
    """The case id (also the directory name)."""
    playbook_id: str
    """The playbook the case follows."""
    target: str
    """The target host or group."""
    opened_at: datetime
    """When the case was opened (UTC)."""
    approver: str | None = None
    """Who approves steps, when known."""
    status: Literal["open"] | ClosedStatus = "open"
    """Where the case stands."""
    closed_at: datetime | None = None
    """When it was closed."""
    head_seq: int | None = None
    """Ledger head seq recorded at close: lets verify detect a truncated tail."""
    head_hash: str | None = Field(default=None, pattern=SHA256_PATTERN)
    """Ledger head hash recorded at close."""


def read_meta(case_dir: Path) -> CaseMeta:
    """Load `case.json` of a case directory."""
    path = case_dir / META_FILE
    try:
        return CaseMeta.model_validate_json(path.read_bytes())
    except FileNotFoundError as exc:
        raise CaseError(f"{path} is missing") from exc
    except ValidationError as exc:
        raise CaseError(f"{path}: {first_problem(exc)}") from exc


def write_meta(case_dir: Path, meta: CaseMeta) -> None:
    """Write `case.json` atomically."""
    atomic_write(case_dir / META_FILE, meta.model_dump_json(indent=2).encode("utf-8") + b"\n")
