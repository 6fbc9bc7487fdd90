"""Errors of playbook loading, linting and export."""

from __future__ import annotations

from collections.abc import Sequence

from playbooks.issues import Issue, Severity


class PlaybookError(Exception):
    """A playbook could not be loaded, found, or exported; the message is meant for its author."""


class PlaybookLoadError(PlaybookError):
    """A playbook file has problems; `issues` holds every one, located (`file:line:col`)."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        errors = [i for i in self.issues if i.severity == Severity.ERROR]
        head = f"{len(errors)} problem(s) in playbook:"
        super().__init__("\n".join([head, *(i.format() for i in self.issues)]))


class PlaybookNotFoundError(PlaybookError):
    """No playbook has that id or path."""


class CatalogueUnavailableError(PlaybookError):
    """The tool catalogue could not be loaded, so tools and args cannot be checked."""


class InputBindingError(PlaybookError):
    """A `--input k=v` value is unknown, missing, or not of the input's declared type."""


class UnresolvedReferenceError(PlaybookError):
    """A step's reference could not be resolved at run time (missing input or finding, unsafe value)."""


class ProposalRejectedError(PlaybookError):
    """A proposed tool call is outside what the current step allows."""


class ExportError(PlaybookError):
    """A playbook could not be exported to the requested format."""
