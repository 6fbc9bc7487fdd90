"""`sleuth cases`: list the cases in the cases directory."""

from __future__ import annotations

import argparse
from typing import Any

from agent.case.store import CaseStore, CaseSummary
from agent.cli.main import EXIT_OK
from agent.cli.validate import dir_to_create
from agent.report.jsonsafe import dumps_inert

_COLUMNS = ("ID", "OPENED", "PLAYBOOK", "TARGET", "STATUS", "ENTRIES")


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the `cases` command."""
    p = commands.add_parser("cases", help="list cases (id, opened, playbook, target, status, entries)")
    p.add_argument(
        "--case-dir", type=dir_to_create, help="directory holding the cases (default: data dir/cases)"
    )
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=run_cases)


def _printable(text: str) -> str:
    # Names can come from inventories and playbooks: never let them move the cursor or recolour the terminal.
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _row(c: CaseSummary) -> tuple[str, ...]:
    opened = c.opened_at.strftime("%Y-%m-%d %H:%M")
    return (c.id, opened, c.playbook_id, c.target, c.status, str(c.entries))


def run_cases(args: argparse.Namespace) -> int:
    """Handler of `sleuth cases`."""
    cases = CaseStore(args.case_dir).summaries()
    if args.json:
        print(dumps_inert([c.model_dump(mode="json") for c in cases]))
        return EXIT_OK
    if not cases:
        print("no cases")
        return EXIT_OK
    rows = [_COLUMNS, *[tuple(_printable(v) for v in _row(c)) for c in cases]]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    return EXIT_OK
