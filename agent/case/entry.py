"""One ledger entry: a frozen record whose hash covers every other field and links to the previous entry."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StrictInt

from agent.case.canonical import entry_hash
from agent.case.errors import LedgerError
from agent.case.payloads import PAYLOAD_MODELS, SHA256_PATTERN, LedgerKind, Payload

TS_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
TS_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"

P = TypeVar("P", bound=Payload)


def utc_timestamp(now: datetime | None = None) -> str:
    """An entry timestamp: UTC, microseconds, `Z` suffix (kept as text so it hashes as written)."""
    return (now or datetime.now(UTC)).astimezone(UTC).strftime(TS_FORMAT)


class LedgerEntry(BaseModel):
    """One line of `ledger.jsonl`: `{seq, ts, case, kind, actor, data, prev, hash}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: StrictInt = Field(ge=1)
    """Position in the ledger, from 1, without gaps."""
    ts: str = Field(pattern=TS_PATTERN)
    """When it was appended (UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`)."""
    case: str
    """The case id."""
    kind: LedgerKind
    """What the entry records."""
    actor: str
    """Who caused it: a user name, `system`, `model`, or `playbook`."""
    data: dict[str, JsonValue]
    """The kind's payload (see agent.case.payloads)."""
    prev: str = Field(pattern=SHA256_PATTERN)
    """Hash of the previous entry (64 zeros for the first)."""
    hash: str = Field(pattern=SHA256_PATTERN)
    """sha256 of the canonical JSON of this entry without `hash`."""

    def as_json(self) -> dict[str, JsonValue]:
        """The entry as the JSON object it is hashed and written as."""
        return {
            "seq": self.seq, "ts": self.ts, "case": self.case, "kind": self.kind.value,
            "actor": self.actor, "data": self.data, "prev": self.prev, "hash": self.hash,
        }

    def computed_hash(self) -> str:
        """The hash this entry's content gives (equal to `hash` unless tampered)."""
        return entry_hash(self.as_json())

    def payload(self) -> Payload:
        """The data parsed into the kind's payload model (raises pydantic.ValidationError if invalid)."""
        return PAYLOAD_MODELS[self.kind].model_validate(self.data)

    def payload_as(self, model: type[P]) -> P:
        """The data parsed as `model`, which must be this entry's kind (raises LedgerError otherwise)."""
        if PAYLOAD_MODELS[self.kind] is not model:
            raise LedgerError(f"ledger entry {self.seq} is a {self.kind.value}, not a {model.kind.value}")
        return model.model_validate(self.data)

    @property
    def when(self) -> datetime:
        """The timestamp as an aware datetime."""
        return datetime.strptime(self.ts, TS_FORMAT).replace(tzinfo=UTC)
