"""Playbook lint: every rule over a file in one pass (schema problems first, then each rule that can run on
what validated). `base` is the framework; `structure_rules` (with `conclusion_rules`) need only the
playbook, `catalogue_rules` read the tool catalogue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from playbooks.catalogue import Catalogue
from playbooks.issues import Issue, Severity, sort_issues
from playbooks.lint.base import Check, LintContext, run_checks
from playbooks.lint.catalogue_rules import (
    ArgsMatchTool,
    ExtractorColumns,
    FollowupArgs,
    SearchRegexes,
    UnboundedFollowup,
    UnknownTool,
)
from playbooks.lint.structure_rules import STRUCTURE_CHECKS
from playbooks.loader import ParsedPlaybook, read_source

__all__ = ["ALL_CHECKS", "STRUCTURE_CHECKS", "Check", "LintContext", "has_errors", "lint_file", "lint_parsed"]

ALL_CHECKS: tuple[Check, ...] = (
    *STRUCTURE_CHECKS,
    SearchRegexes(),
    UnknownTool(),
    ArgsMatchTool(),
    FollowupArgs(),
    UnboundedFollowup(),
    ExtractorColumns(),
)
"""Every rule `sleuth playbook lint` runs, in order."""


def lint_parsed(
    parsed: ParsedPlaybook, catalogue: Catalogue | None, checks: Sequence[Check], *, path: Path | None = None
) -> list[Issue]:
    """Schema issues plus every rule that can still run on what validated, in file order."""
    if parsed.parts is None:
        return parsed.issues
    found = run_checks(LintContext(parsed.parts, parsed.smap, catalogue, path), checks)
    return sort_issues([*parsed.issues, *found])


def lint_file(path: Path, catalogue: Catalogue | None) -> list[Issue]:
    """Load and lint one file in one pass: schema problems and every rule that can run on what validated."""
    return lint_parsed(read_source(path), catalogue, ALL_CHECKS, path=path)


def has_errors(issues: Iterable[Issue]) -> bool:
    """True when any issue is an error."""
    return any(i.severity == Severity.ERROR for i in issues)
