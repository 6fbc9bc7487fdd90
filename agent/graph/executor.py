"""How an approved call reaches a host: live (tools + transports), recorded to fixtures, or replayed.

Every executor may be called from several threads at once (a step fans out over its hosts), one thread per
host at a time; `fanout_concurrency` says how many hosts a step runs on at once.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from pydantic import JsonValue, ValidationError

from tools.base import IntelLookup, ToolContext, ToolResult
from tools.errors import InvalidToolArgsError, ToolError
from tools.registry import get_tool
from tools.targets import Targets

DEFAULT_FANOUT_CONCURRENCY = 16
"""Hosts one step runs on at once unless the executor says otherwise (connections are I/O, not CPU)."""


def fanout_concurrency(executor: object) -> int:
    """Hosts a step runs on at once with this executor: its `fanout_concurrency`, else the default."""
    value = getattr(executor, "fanout_concurrency", DEFAULT_FANOUT_CONCURRENCY)
    return value if isinstance(value, int) and value >= 1 else DEFAULT_FANOUT_CONCURRENCY


class ReplayMissError(ToolError):
    """A replayed case asked for a tool call that has no recorded output."""


class Executor(Protocol):
    """Runs one tool call on one host; raises a ToolError subclass on failure."""

    def run(self, tool: str, args: Mapping[str, JsonValue], host: str) -> ToolResult:
        """Run and return the typed result."""
        ...


class LiveExecutor:
    """The real thing: the tool catalogue over local or SSH transports."""

    def __init__(
        self,
        targets: Targets,
        *,
        intel: IntelLookup | None,
        timeout_s: float = 30.0,
        fanout_concurrency: int = DEFAULT_FANOUT_CONCURRENCY,
    ) -> None:
        if fanout_concurrency < 1:
            raise ValueError(f"fanout_concurrency must be at least 1, not {fanout_concurrency}")
        self.targets = targets
        self.intel = intel
        self.timeout_s = timeout_s
        self.fanout_concurrency = fanout_concurrency
        """Hosts one step runs on at once (each host's runs stay one after another)."""

    def run(self, tool: str, args: Mapping[str, JsonValue], host: str) -> ToolResult:
        """Validate args against the tool's model, then run it on the host."""
        spec = get_tool(tool)
        try:
            parsed = spec.args_model.model_validate(dict(args))
        except (
            ValidationError
        ) as exc:  # approved args are validated before; this guards replayed/edited paths
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "args"
            raise InvalidToolArgsError(f"invalid arguments for {tool}: {where}: {first['msg']}") from exc
        ctx = ToolContext(
            transport=self.targets.transport(host),
            profile=self.targets.profile(host),
            intel=self.intel,
            timeout_s=self.timeout_s,
        )
        return spec.run(parsed, ctx)


def fixture_key(tool: str, args: Mapping[str, JsonValue], host: str) -> str:
    """A stable file stem for one call: tool, host and a hash of the canonical args."""
    canonical = json.dumps(dict(args), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    return f"{tool}.{host}.{digest}"


class RecordingExecutor:
    """Runs live and saves every result (rows and raw output) as a replay fixture."""

    def __init__(self, inner: Executor, directory: Path) -> None:
        self.inner = inner
        self.directory = directory
        self.fanout_concurrency = fanout_concurrency(inner)
        """As the inner executor's (each call writes its own fixture file)."""

    def run(self, tool: str, args: Mapping[str, JsonValue], host: str) -> ToolResult:
        """Run through the inner executor, then write `<key>.json` with the result and raw bytes."""
        result = self.inner.run(tool, args, host)
        self.directory.mkdir(parents=True, exist_ok=True)
        record = {
            "tool": tool,
            "host": host,
            "args": dict(args),
            "result": result.model_dump(mode="json"),
            "raw_base64": base64.b64encode(result.raw).decode("ascii"),
        }
        path = self.directory / f"{fixture_key(tool, args, host)}.json"
        path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        return result


class ReplayExecutor:
    """Answers calls from recorded fixtures; an unrecorded call is a clear error, never a live run."""

    def __init__(self, directory: Path, *, host_alias: Mapping[str, str] | None = None) -> None:
        self.directory = directory
        self.host_alias = dict(host_alias or {})

    def run(self, tool: str, args: Mapping[str, JsonValue], host: str) -> ToolResult:
        """The recorded result of exactly this call (tool, canonical args, host)."""
        recorded_host = self.host_alias.get(host, host)
        path = self.directory / f"{fixture_key(tool, args, recorded_host)}.json"
        if not path.is_file():
            raise ReplayMissError(
                f"no recorded output for {tool} on {recorded_host} with args "
                f"{json.dumps(dict(args), sort_keys=True)}"
                f" (looked for {path.name}; record it with `sleuth run --record`)"
            )
        record = json.loads(path.read_text(encoding="utf-8"))
        raw = base64.b64decode(record["raw_base64"])
        result = ToolResult.model_validate({**record["result"], "raw": raw})
        return result.model_copy(update={"host": host})
