"""`sleuth tui`: the full-screen home: every case (resume, read the report) and new cases."""

from __future__ import annotations

import argparse
from typing import Any

from agent.cli.main import EXIT_OK, EXIT_USAGE, CliError
from agent.cli.run_cmd import add_case_options
from agent.cli.validate import existing_file


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the `tui` command."""
    p = commands.add_parser(
        "tui",
        help="full-screen home: cases (resume one, read a report) and new cases",
        description="Open the TUI on the list of cases: Enter resumes an open case or shows a closed one's "
        "report, n opens a new case (playbook, target, inputs, proposer), q quits (running cases pause).",
    )
    p.add_argument("--inventory", type=existing_file, help="inventory offered for new cases")
    add_case_options(p)
    p.set_defaults(func=_tui)


def _tui(args: argparse.Namespace) -> int:
    from agent.run.session import default_approver
    from agent.tui.app import run_home
    from agent.tui.home import HomeOptions

    if args.backend == "openai" and not args.base_url:
        raise CliError("the openai backend needs --base-url (e.g. http://127.0.0.1:8000/v1)", EXIT_USAGE)
    run_home(
        HomeOptions(
            approver=args.approver or default_approver(),
            case_dir=args.case_dir,
            inventory=args.inventory,
            backend=args.backend,
            model=args.model,
            base_url=args.base_url,
            timeout_s=args.timeout,
            fanout_concurrency=args.concurrency,
            model_deadline_s=args.model_deadline,
            trust_new_host_keys=args.trust_new_host_key,
            replay_dir=args.replay,
        )
    )
    return EXIT_OK
