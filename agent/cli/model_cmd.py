"""`sleuth model info|pull`: what local model is loaded where, and fetching it into the HF cache."""

from __future__ import annotations

import argparse
import json

from agent.cli.validate import positive_seconds
from agent.llm.resolve import DEFAULT_MODEL


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `sleuth model info` and `sleuth model pull`."""
    group = commands.add_parser(
        "model", help="the local model: info, pull", description="Manage the local model."
    )
    sub = group.add_subparsers(dest="model_command", metavar="SUBCOMMAND", required=True)

    info = sub.add_parser(
        "info",
        help="load the model offline and show device, dtype, size, memory",
        description="Load the model (offline: a directory or the HF cache) and describe it.",
    )
    info.add_argument("--model", default=DEFAULT_MODEL, help=f"hub id or directory (default {DEFAULT_MODEL})")
    info.add_argument("--device", default="auto", help="auto, cuda, cuda:N, mps or cpu (default auto)")
    info.add_argument("--dtype", default="auto", help="auto, bfloat16, float16 or float32 (default auto)")
    info.add_argument(
        "--weights",
        choices=["model", "int8"],
        default="model",
        help="as stored (default), or int8 weight-only linear layers",
    )
    info.add_argument("--json", action="store_true", help="print the record as JSON")
    info.set_defaults(func=_info)

    pull = sub.add_parser(
        "pull",
        help="download a model into the Hugging Face cache (progress bar)",
        description="Download a model into the Hugging Face cache; fails fast when the hub is unreachable.",
    )
    pull.add_argument("model", nargs="?", default=DEFAULT_MODEL, help=f"hub id (default {DEFAULT_MODEL})")
    pull.add_argument(
        "--timeout", type=positive_seconds, default=15.0, help="seconds before a hub request gives up"
    )
    pull.set_defaults(func=_pull)


def _info(args: argparse.Namespace) -> int:
    from agent.cli.main import CliError
    from agent.llm.errors import ModelError
    from agent.llm.local import load_local_model

    try:
        record = load_local_model(
            args.model, device=args.device, dtype=args.dtype, weights=args.weights
        ).info()
    except ModelError as exc:
        raise CliError(str(exc)) from exc
    if args.json:
        print(record.model_dump_json(indent=2))
        return 0
    gib = 1024**3
    lines = [
        f"model         {record.model}",
        f"path          {record.path}",
        f"architecture  {record.architecture}",
        f"device        {record.device} ({record.accelerator})",
        f"dtype         {record.dtype}",
        f"parameters    {record.parameters:,}",
        f"weights       {_WEIGHTS_WORDS[record.weights]}: {record.weight_bytes / gib:.2f} GiB in memory, "
        f"{record.decode_weight_bytes / gib:.2f} GiB read per decoded token",
        f"vocab         {record.vocab_size} rows, tokenizer {record.tokenizer_size}, "
        f"stop ids {record.stop_token_ids}",
        f"context       {record.max_position_embeddings} tokens",
        f"fast path     static cache {'on' if record.static_cache else 'off'}, "
        f"compiled step {'on' if record.compiled_step else 'off'}",
    ]
    if record.device_memory_bytes is not None:
        lines.append(f"GPU memory    {record.device_memory_bytes / gib:.2f} GiB allocated")
    if record.warning:
        lines.append(f"warning       {record.warning}")
    print("\n".join(lines))
    return 0


_WEIGHTS_WORDS = {"model": "as stored", "int8": "int8 weight-only linear layers"}


def _pull(args: argparse.Namespace) -> int:
    from agent.cli.main import EXIT_TARGET, CliError
    from agent.llm.errors import ModelError
    from agent.llm.resolve import pull_model

    try:
        path = pull_model(args.model, timeout_s=args.timeout)
    except ModelError as exc:
        raise CliError(str(exc), exit_code=EXIT_TARGET) from exc
    print(json.dumps({"model": args.model, "path": str(path)}))
    return 0
