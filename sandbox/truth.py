"""Every scenario's ground-truth model in one type, told apart by its `kind` field."""

from __future__ import annotations

from typing import Annotated

from pydantic import Discriminator, Tag

from sandbox.bruteforce_findings import FailedBruteForceFindings
from sandbox.findings import ExpectedFindings
from sandbox.web_findings import WebShellFindings


def _kind(value: object) -> str:
    found = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    # A state file written before kinds existed holds the only model there was then.
    return found if isinstance(found, str) else "bruteforce-compromise"


HostTruth = Annotated[
    Annotated[ExpectedFindings, Tag("bruteforce-compromise")]
    | Annotated[WebShellFindings, Tag("webshell")]
    | Annotated[FailedBruteForceFindings, Tag("bruteforce-failed")],
    Discriminator(_kind),
]
"""The ground truth of one host, whichever scenario it runs."""
