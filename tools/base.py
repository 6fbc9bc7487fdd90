"""What every tool is: a name, strict args, a row model, a read-only run that returns a ToolResult."""

from __future__ import annotations

import builtins
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from tools.coverage import Coverage, coverage_of
from tools.inventory import HostProfile
from tools.transport.base import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_S, CommandOutput, Transport

Scalar = str | int | float | bool | None
Row = dict[str, Scalar]


class ToolArgs(BaseModel):
    """Base of every tool's args: unknown keys rejected, values immutable, docstrings describe fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class CommandRecord(BaseModel):
    """One command a tool ran, exactly as it ran."""

    model_config = ConfigDict(frozen=True)

    argv: tuple[str, ...]
    """The exact argv sent to the target (before quoting)."""
    exit_status: int
    """The command's exit status."""
    bytes: int
    """Bytes of stdout read (after the cap)."""
    truncated: bool
    """True when the output cap cut the output."""
    sha256: str
    """sha256 of the raw stdout bytes."""


class ToolResult(BaseModel):
    """A tool's typed result: rows for machines, text for humans, and the provenance of the raw output."""

    model_config = ConfigDict(frozen=True)

    tool: str
    """Name of the tool that produced this."""
    host: str
    """The target's name."""
    host_key_fingerprint: str | None = None
    """SHA256 fingerprint of the host key the SSH connection verified (None for local)."""
    commands: tuple[CommandRecord, ...]
    """Every command run, in order."""
    rows: list[Row]
    """Structured rows; each tool documents its columns with a row model."""
    text: str
    """Human-readable rendering of the rows (bounded)."""
    truncated: bool
    """True when any output cap or row limit cut the result."""
    bytes: int
    """Total raw bytes read from the target."""
    sha256: str
    """sha256 of `raw` (the evidence this result was parsed from)."""
    duration_s: float
    """Wall time of the whole tool run."""
    notes: tuple[str, ...] = ()
    """Non-fatal remarks (a missing file, a fallback engine) a responder should see."""
    coverage: Coverage | None = None
    """What the run examined (sources, lines, time span, window); None in results recorded before it."""
    raw: builtins.bytes = Field(default=b"", exclude=True, repr=False)
    """The raw output (all commands' stdout, framed), stored as evidence; not serialised with the result."""

    @property
    def argv(self) -> tuple[str, ...]:
        """The argv of the first command (most tools run one)."""
        return self.commands[0].argv if self.commands else ()


class IntelHit(BaseModel):
    """One intel-store record matching a hash."""

    model_config = ConfigDict(frozen=True)

    hash: str
    """The hash, lowercase hex."""
    hash_type: Literal["md5", "sha1", "sha256"]
    """Which algorithm the hash is."""
    source: str
    """The import source name (feed)."""
    family: str | None = None
    """Malware family or label, when the source gives one."""


class IntelLookup(Protocol):
    """What tools need from the intel store."""

    def lookup(self, hashes: Sequence[str]) -> dict[str, list[IntelHit]]:
        """Map each given hash (normalised lowercase) to its hits (absent or empty when unknown)."""
        ...


@dataclass
class ToolContext:
    """Dependencies of a tool run: where to run, with which limits, and the intel store."""

    transport: Transport
    profile: HostProfile = field(default_factory=HostProfile)
    intel: IntelLookup | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    max_bytes: int = DEFAULT_MAX_BYTES

    def run(
        self, argv: Sequence[str], *, ok_exit: frozenset[int] = frozenset({0}), max_bytes: int | None = None
    ) -> CommandOutput:
        """Run one argv a tool built on the target, with this run's timeout and byte cap (or a smaller cap);
        the transport checks it against the read-only allowlist before anything runs."""
        cap = self.max_bytes if max_bytes is None else max_bytes
        return self.transport.run(argv, timeout_s=self.timeout_s, max_bytes=cap, ok_exit=ok_exit)


A = TypeVar("A", bound=ToolArgs)


class Tool(ABC, Generic[A]):
    """A read-only investigation tool. Subclasses set the class vars and implement `run`."""

    name: ClassVar[str]
    description: ClassVar[str]
    args_model: ClassVar[type[ToolArgs]]
    row_model: ClassVar[type[BaseModel]]
    read_only: ClassVar[Literal[True]] = True

    @abstractmethod
    def run(self, args: A, ctx: ToolContext) -> ToolResult:
        """Run the tool; raise a ToolError subclass on failure, never return an error string."""

    def arg_columns(self, args: Mapping[str, object]) -> frozenset[str] | None:
        """Row columns beyond the row model that these (literal, playbook) args add; None when they cannot
        be known before the run. Lint checks extractor columns against them."""
        return frozenset()

    def parse_args(self, raw: dict[str, object]) -> A:
        """Validate raw args (from the CLI, a playbook or a model) into this tool's args model."""
        return self.args_model.model_validate(raw)  # type: ignore[return-value]


def frame_outputs(outputs: Sequence[CommandOutput]) -> bytes:
    """Concatenate several commands' stdout into one evidence blob, each part headed by its argv."""
    if len(outputs) == 1:
        return outputs[0].stdout
    parts: list[bytes] = []
    for out in outputs:
        header = "### " + " ".join(out.argv) + f" (exit {out.exit_status})\n"
        parts.append(header.encode("utf-8", "backslashreplace"))
        parts.append(out.stdout if out.stdout.endswith(b"\n") or not out.stdout else out.stdout + b"\n")
    return b"".join(parts)


def make_result(
    tool: str,
    outputs: Sequence[CommandOutput],
    rows: list[Row],
    text: str,
    *,
    host: str,
    duration_s: float,
    truncated: bool = False,
    notes: Sequence[str] = (),
    coverage: Coverage | None = None,
) -> ToolResult:
    """Build a ToolResult from the commands a tool ran: records, hashes and flags computed in one place."""
    raw = frame_outputs(outputs)
    records = tuple(
        CommandRecord(
            argv=o.argv,
            exit_status=o.exit_status,
            bytes=len(o.stdout),
            truncated=o.truncated,
            sha256=hashlib.sha256(o.stdout).hexdigest(),
        )
        for o in outputs
    )
    fingerprint = next((o.host_key_fingerprint for o in outputs if o.host_key_fingerprint), None)
    cut = truncated or any(o.truncated for o in outputs)
    return ToolResult(
        tool=tool,
        host=host,
        host_key_fingerprint=fingerprint,
        commands=records,
        rows=rows,
        text=text,
        truncated=cut,
        bytes=sum(len(o.stdout) for o in outputs),
        sha256=hashlib.sha256(raw).hexdigest(),
        duration_s=duration_s,
        notes=tuple(notes),
        coverage=coverage if coverage is not None else coverage_of(truncated=cut),
        raw=raw,
    )
