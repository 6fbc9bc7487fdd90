"""The typed runtime API the graph uses to run a playbook; everything here is pure and side-effect free.

How a playbook runs (the model the graph implements):

1. ``pb = load_playbook(find_playbook("linux.ssh.bruteforce"), catalogue=Catalogue.default())``
   raises PlaybookLoadError (every located issue) unless the file is schema-valid and lint has no errors.
2. ``inputs = bind_inputs(pb, {"recent_days": "3"})`` parses `--input k=v` strings to typed values,
   fills defaults, and raises InputBindingError naming every unknown, missing or ill-typed input.
3. ``findings: dict[str, list[str]] = {}``; then for each ``step`` in ``pb.steps`` **in order**:
   - ``condition_holds(step, findings)`` false -> the step is skipped (record the skip; nothing runs);
   - ``items = fanout_items(step, findings)``: None -> one call with ``resolve_args(step, inputs, findings)``;
     a list -> one call per item with ``resolve_args(step, inputs, findings, item)`` (empty: nothing runs);
   - each call is approved by a human, run, and its rows go through ``extract_findings(step, rows)``;
     merge the values into ``findings`` (``findings_of`` groups them by name);
   - the model may then propose more calls: ``allowed_actions(step)`` is what it may choose from (the
     grammar), and ``check_proposal(step, tool, args, catalogue)`` validates what it proposed (the step's
     own tool with args its model accepts, or a declared follow-up within its bounds), raising
     ProposalRejectedError otherwise.
4. There are no jumps: the next step is always the next in the list; a false condition is a recorded skip.

Findings are named lists of strings (``Mapping[str, Sequence[str]]``); references are typed and their values
are encoded (regex-escaped, path-segment-checked) when resolved, never templated into code.
"""

from __future__ import annotations

from pathlib import Path

from playbooks.allowance import AllowedAction, allowed_actions, check_proposal
from playbooks.binding import BoundInputs, bind_inputs, regex_literal, resolve_args
from playbooks.catalogue import Catalogue, ToolSpec
from playbooks.discovery import PlaybookEntry, find_playbook, list_playbooks
from playbooks.errors import PlaybookLoadError
from playbooks.extract import ExtractedValue, extract_findings, findings_of
from playbooks.issues import Issue, Severity
from playbooks.lint import ALL_CHECKS, STRUCTURE_CHECKS, lint_parsed
from playbooks.loader import read_source
from playbooks.model import Playbook, Step
from playbooks.routing import condition_holds, fanout_items

__all__ = [
    "AllowedAction",
    "BoundInputs",
    "Catalogue",
    "ExtractedValue",
    "Issue",
    "Playbook",
    "PlaybookEntry",
    "Step",
    "ToolSpec",
    "allowed_actions",
    "bind_inputs",
    "check_proposal",
    "condition_holds",
    "extract_findings",
    "fanout_items",
    "find_playbook",
    "findings_of",
    "list_playbooks",
    "load_playbook",
    "regex_literal",
    "resolve_args",
]


def load_playbook(path: Path, *, catalogue: Catalogue | None = None) -> Playbook:
    """A playbook that is schema-valid and free of lint errors (tool checks too when a catalogue is given)."""
    parsed = read_source(path)
    checks = ALL_CHECKS if catalogue is not None else STRUCTURE_CHECKS
    found = lint_parsed(parsed, catalogue, checks, path=path)
    errors = [i for i in found if i.severity == Severity.ERROR]
    if errors or parsed.playbook is None:
        raise PlaybookLoadError(errors or found)
    return parsed.playbook
