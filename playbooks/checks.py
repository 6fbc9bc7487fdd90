"""The lint rule set: structural rules plus the rules that read the tool catalogue."""

from __future__ import annotations

from playbooks.checks_structure import STRUCTURE_CHECKS
from playbooks.checks_tools import (
    ArgsMatchTool,
    ExtractorColumns,
    FollowupArgs,
    SearchRegexes,
    UnboundedFollowup,
    UnknownTool,
)
from playbooks.lint import Check

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
