"""Playbooks: the YAML schema, loader, linter, test runner, and the library of investigations.

This package is the façade the agent imports (`from playbooks import Playbook, load_playbook`); the
modules under it are internal, which an import-linter contract in pyproject.toml enforces. Each name is
imported from its module on first use, so `import playbooks` or a light `from playbooks import
PlaybookError` does not load the models, the linter and the CACAO export: loading all of them adds 250 to
420 ms (by machine load) to `import agent.cli.main`, that is to every `sleuth` command, `--help` included.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playbooks.allowance import check_proposal, check_proposer_call
    from playbooks.binding import BoundInputs, bind_inputs, input_pairs, resolve_args
    from playbooks.cacao import export_cacao
    from playbooks.catalogue import Catalogue
    from playbooks.conclusions import CaseConclusion, StepExamination, conclude, examinations
    from playbooks.conditions import condition_text
    from playbooks.discovery import find_playbook, list_playbooks, schema_path
    from playbooks.errors import InputBindingError, PlaybookError, ProposalRejectedError
    from playbooks.extract import extract_findings
    from playbooks.issues import Severity
    from playbooks.jsonschema import render_schema
    from playbooks.lint import has_errors, lint_file
    from playbooks.loader import load_playbook_file
    from playbooks.model import Playbook, Step
    from playbooks.routing import condition_holds, fanout_items
    from playbooks.runtime import load_playbook
    from playbooks.scaffold import scaffold_playbook
    from playbooks.values import BoundValue
    from playbooks.window import CaseWindow, WindowError, describe_window, inherit, parse_window

# The module of each public name; the TYPE_CHECKING imports above say the same for mypy
# (tests/playbooks/test_facade.py checks that the two agree).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "playbooks.allowance": ("check_proposal", "check_proposer_call"),
    "playbooks.binding": ("BoundInputs", "bind_inputs", "input_pairs", "resolve_args"),
    "playbooks.cacao": ("export_cacao",),
    "playbooks.catalogue": ("Catalogue",),
    "playbooks.conclusions": ("CaseConclusion", "StepExamination", "conclude", "examinations"),
    "playbooks.conditions": ("condition_text",),
    "playbooks.discovery": ("find_playbook", "list_playbooks", "schema_path"),
    "playbooks.errors": ("InputBindingError", "PlaybookError", "ProposalRejectedError"),
    "playbooks.extract": ("extract_findings",),
    "playbooks.issues": ("Severity",),
    "playbooks.jsonschema": ("render_schema",),
    "playbooks.lint": ("has_errors", "lint_file"),
    "playbooks.loader": ("load_playbook_file",),
    "playbooks.model": ("Playbook", "Step"),
    "playbooks.routing": ("condition_holds", "fanout_items"),
    "playbooks.runtime": ("load_playbook",),
    "playbooks.scaffold": ("scaffold_playbook",),
    "playbooks.values": ("BoundValue",),
    "playbooks.window": ("CaseWindow", "WindowError", "describe_window", "inherit", "parse_window"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "BoundInputs",
    "BoundValue",
    "CaseConclusion",
    "CaseWindow",
    "Catalogue",
    "InputBindingError",
    "Playbook",
    "PlaybookError",
    "ProposalRejectedError",
    "Severity",
    "Step",
    "StepExamination",
    "WindowError",
    "bind_inputs",
    "check_proposal",
    "check_proposer_call",
    "conclude",
    "condition_holds",
    "condition_text",
    "describe_window",
    "examinations",
    "export_cacao",
    "extract_findings",
    "fanout_items",
    "find_playbook",
    "has_errors",
    "inherit",
    "input_pairs",
    "lint_file",
    "list_playbooks",
    "load_playbook",
    "load_playbook_file",
    "parse_window",
    "render_schema",
    "resolve_args",
    "scaffold_playbook",
    "schema_path",
]

if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept any name as `Any`

    def __getattr__(name: str) -> Any:
        """Import the module that defines a public name on first use and keep the name here."""
        module = _MODULE_OF.get(name)
        if module is None:
            raise AttributeError(f"module 'playbooks' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value
