"""`sleuth tool NAME --target HOST|local key=value ...`: run one tool outside a case (authors, debugging)."""

from __future__ import annotations

import argparse
import json
import sys
import time
import typing

from pydantic import ValidationError

from agent.approval.request import printable
from agent.cli.validate import existing_file, file_to_create, positive_seconds
from agent.report.jsonsafe import dumps_inert, inert_json
from tools.base import ToolArgs, ToolContext
from tools.errors import InvalidToolArgsError
from tools.inventory import load_inventory
from tools.registry import all_tools, get_tool
from tools.settings import data_dir


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `sleuth tool` and `sleuth tools`."""
    run = commands.add_parser(
        "tool",
        help="run one read-only tool against a target, outside a case",
        description="Run one read-only tool against a target. Args are key=value; a key given twice, "
        "or a JSON list value, fills a list argument.",
        epilog="example: sleuth tool search_logs --target local paths=/var/log/auth.log "
        "pattern='Failed password' --json",
    )
    run.add_argument("name", help="tool name (see `sleuth tools`)")
    run.add_argument("args", nargs="*", metavar="key=value", help="tool arguments")
    run.add_argument("--target", required=True, help="inventory host name, or `local`")
    run.add_argument("--inventory", type=existing_file, help="inventory YAML (hosts, keys, pinned host keys)")
    run.add_argument(
        "--trust-new-host-key",
        action="store_true",
        help="pin a host key seen for the first time (reported); a changed key is always refused",
    )
    run.add_argument(
        "--intel-db", type=file_to_create, help="intel store (default: the data dir's intel.sqlite)"
    )
    run.add_argument(
        "--timeout", type=positive_seconds, default=30.0, help="command timeout in seconds (default 30)"
    )
    run.add_argument("--json", action="store_true", help="print the ToolResult as JSON")
    run.set_defaults(func=_run_tool, extras_dest="args")

    listing = commands.add_parser("tools", help="list the tool catalogue", description="List every tool.")
    listing.add_argument("--json", action="store_true", help="print each tool's args JSON Schema")
    listing.set_defaults(func=_list_tools)


def parse_key_values(pairs: list[str], model: type[ToolArgs]) -> dict[str, object]:
    """Turn CLI `key=value` pairs into raw args: repeated keys or JSON lists fill list fields."""
    raw: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InvalidToolArgsError(f"argument {pair!r} is not key=value")
        field = model.model_fields.get(key)
        if field is None:
            known = ", ".join(model.model_fields) or "none"
            raise InvalidToolArgsError(f"unknown argument {key!r} (this tool takes: {known})")
        if _is_collection(field.annotation):
            items = _as_list(value)
            previous = raw.get(key, [])
            raw[key] = [*previous, *items] if isinstance(previous, list) else items
        elif key in raw:
            raise InvalidToolArgsError(f"argument {key!r} given twice")
        else:
            raw[key] = value
    return raw


def _is_collection(annotation: object) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    return any(_is_collection(arg) for arg in typing.get_args(annotation))


def _as_list(value: str) -> list[object]:
    if value.startswith("["):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InvalidToolArgsError(f"list value {value!r} is not valid JSON: {exc.msg}") from exc
        if isinstance(parsed, list):
            return list(parsed)
    return [value]


def _format_validation(name: str, exc: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in err['loc']) or 'args'}: {err['msg']}" for err in exc.errors()
    )
    return f"invalid arguments for {name}: {problems}"


def _run_tool(args: argparse.Namespace) -> int:
    from tools.intel.store import IntelStore
    from tools.targets import Targets

    tool = get_tool(args.name)
    raw = parse_key_values(args.args, tool.args_model)
    try:
        tool_args = tool.parse_args(raw)
    except ValidationError as exc:
        raise InvalidToolArgsError(_format_validation(tool.name, exc)) from exc
    inventory = load_inventory(args.inventory) if args.inventory else None
    intel = IntelStore.open(args.intel_db or data_dir() / "intel.sqlite")
    started = time.monotonic()
    with Targets(inventory, trust_new_host_keys=args.trust_new_host_key) as targets:
        transport = targets.transport(args.target)
        ctx = ToolContext(
            transport=transport, profile=targets.profile(args.target), intel=intel, timeout_s=args.timeout
        )
        result = tool.run(tool_args, ctx)
        trusted = targets.trusted_new_keys()
    for host, fingerprint in trusted.items():
        print(f"sleuth: trusted and pinned a new host key for {host}: {fingerprint}", file=sys.stderr)
    if args.json:
        print(inert_json(result.model_dump_json(indent=2)))  # raw bytes stay in the evidence
    else:
        # Log lines and process names are attacker-chosen: never let them drive the terminal.
        print("\n".join(printable(line) for line in result.text.split("\n")))
        flags = " (truncated)" if result.truncated else ""
        print(
            f"-- {result.tool} on {result.host}: {len(result.rows)} rows, {result.bytes} bytes{flags}, "
            f"sha256 {result.sha256[:16]}…, {time.monotonic() - started:.2f}s",
            file=sys.stderr,
        )
        for note in result.notes:
            print(f"-- note: {printable(note)}", file=sys.stderr)
    return 0


def _list_tools(args: argparse.Namespace) -> int:
    tools = all_tools()
    if args.json:
        print(dumps_inert({name: t.args_model.model_json_schema() for name, t in tools.items()}))
        return 0
    width = max(len(name) for name in tools)
    for name, tool in tools.items():
        print(f"{name:<{width}}  {tool.description.splitlines()[0]}")
    return 0
