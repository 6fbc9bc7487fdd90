"""The run context: every dependency of the graph's nodes. It never goes into a checkpoint."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.approval.credentials import CredentialPrompts
from agent.case.journal import Journal
from agent.graph.events import RunEvents
from agent.graph.executor import Executor
from agent.graph.faults import CrashPlan
from agent.proposers.base import Analyst, Proposer
from playbooks import Catalogue, Playbook


@dataclass(frozen=True)
class RunSettings:
    """Limits of one run."""

    max_refusals: int = 3
    """Model proposals refused in a row before the playbook's own proposal is used."""
    max_followups: int = 5
    """Follow-up calls the model may propose per step, beyond each follow-up's own max_calls."""
    approval_ttl_s: float | None = None
    """An approval older than this is not executed (asked again); None: no expiry."""
    evidence_chars: int = 6000
    """Characters of evidence shown to the model per step (the rest is summarised)."""


@dataclass
class RunContext:
    """What nodes need: the case journal, the playbook, how to propose and run, who approves."""

    journal: Journal
    playbook: Playbook
    catalogue: Catalogue
    executor: Executor
    proposer: Proposer
    approver: str
    analyst: Analyst | None = None
    """Model analysis of each proposal's evidence (None in guided mode: extractors only)."""
    settings: RunSettings = field(default_factory=RunSettings)
    crash: CrashPlan = field(default_factory=CrashPlan)
    credentials: CredentialPrompts | None = None
    """Host keys seen for the first time, key passphrases: asked of the run's approver (None: the executor
    never connects, e.g. replay)."""
    events: RunEvents = field(default_factory=RunEvents)
    """Progress lines for the human while nodes work (bound to the approver by `drive()`)."""
