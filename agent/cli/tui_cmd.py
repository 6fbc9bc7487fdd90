"""`sleuth tui`: the full-screen home: every case (resume, read the report) and new cases."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from agent.cli.main import EXIT_OK


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the `tui` command."""
    p = commands.add_parser(
        "tui",
        help="full-screen home: cases (resume one, read a report) and new cases",
        description="Open the TUI on the list of cases: Enter resumes an open case or shows a closed one's "
        "report, n opens a new case (playbook, target, inputs, proposer), q quits (running cases pause).",
    )
    p.add_argument("--inventory", type=Path, help="inventory offered for new cases")
    p.add_argument(
        "--backend",
        choices=["auto", "guided", "local", "openai"],
        default="auto",
        help="proposer offered for new cases (auto: the default local model when present, else guided)",
    )
    p.add_argument("--model", help="model directory or Hugging Face id (local), or model name (openai)")
    p.add_argument("--base-url", help="OpenAI-compatible server URL (openai backend)")
    p.add_argument("--approver", help="who approves (default: $USER@host)")
    p.add_argument("--timeout", type=float, default=30.0, help="per-command timeout in seconds")
    p.add_argument("--trust-new-host-key", action="store_true", help="pin host keys seen for the first time")
    p.add_argument("--replay", type=Path, metavar="DIR", help="answer tool calls from recorded fixtures")
    p.add_argument("--case-dir", type=Path, help="directory holding the cases (default: data dir/cases)")
    p.set_defaults(func=_tui)


def _tui(args: argparse.Namespace) -> int:
    from agent.session import default_approver
    from agent.tui.app import run_home
    from agent.tui.home import HomeOptions

    run_home(
        HomeOptions(
            approver=args.approver or default_approver(),
            case_dir=args.case_dir,
            inventory=args.inventory,
            backend=args.backend,
            model=args.model,
            base_url=args.base_url,
            timeout_s=args.timeout,
            trust_new_host_keys=args.trust_new_host_key,
            replay_dir=args.replay,
        )
    )
    return EXIT_OK
