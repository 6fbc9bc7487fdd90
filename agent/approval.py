"""What a human is asked and how an answer is parsed, shared by the console and the TUI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, JsonValue

from agent.state import Execution, Finding, Proposal, StepOutcome, Verdict


class ApprovalRequest(BaseModel):
    """The payload of the approval interrupt: one proposal, where it stands, and what was found so far."""

    model_config = ConfigDict(frozen=True)

    case_id: str
    """The case."""
    step_number: int
    """1-based position of the step."""
    step_count: int
    """Steps in the playbook."""
    step_title: str
    """The step's title."""
    proposal: Proposal
    """What would run."""
    validation_note: str | None = None
    """Why a previous answer was refused (bad edit), shown before asking again."""


class Answer(BaseModel):
    """A human's answer before it is recorded (the ledger gives it a seq and a time)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: Verdict
    """approve | edit | deny | skip | abort."""
    args: dict[str, JsonValue] | None = None
    """For edit: the complete new args."""
    reason: str | None = None
    """Why (required for deny)."""


class Approver(Protocol):
    """Anything that can answer an approval request (console, TUI, a test's scripted stdin)."""

    def ask(self, request: ApprovalRequest) -> Answer:
        """Return the human's answer; raise ApprovalUnavailableError when no answer can be had."""
        ...


@runtime_checkable
class Notified(Protocol):
    """An approver that also wants to hear how each approved run ended (the console, the TUI)."""

    def notify(self, text: str, *, error: bool = False) -> None:
        """Show what happened since the last question (a run's result, a tool error)."""
        ...


@runtime_checkable
class ProgressLineShown(Protocol):
    """An approver that shows one transient line of work in progress (the model's tokens and tokens/s)."""

    def progress_line(self, text: str | None) -> None:
        """Show `text` in place of the previous progress line; None: the work ended, clear the line."""
        ...


@dataclass(frozen=True)
class Progress:
    """What a node changed in the case's state: each list in full, None when the node left it alone."""

    outcomes: tuple[StepOutcome, ...] | None = None
    """Every finished step, in order."""
    findings: tuple[Finding, ...] | None = None
    """Every finding so far."""
    executions: tuple[Execution, ...] | None = None
    """Every run so far."""


@runtime_checkable
class ProgressShown(Protocol):
    """An approver that also shows the case's progress (the TUI's steps, findings and evidence)."""

    def progressed(self, progress: Progress) -> None:
        """A node changed the steps, findings or runs (called after each such node, and once on resume)."""
        ...


class ApprovalUnavailableError(Exception):
    """No human answer can be had now (stdin closed); the case stays paused and resumable."""


class AnswerSyntaxError(ValueError):
    """An answer line could not be understood."""


HELP = (
    "answers: a|approve, e|edit {json of changed args}, d|deny REASON, s|skip, b|abort, ?|help "
    "(edit merges the JSON over the proposed args; a key set to null is removed)"
)


def printable(text: str) -> str:
    """Text safe to show a human: control, format and bidi characters (attacker-chosen in log lines,
    process names, user names) are shown as escapes instead of moving the cursor or reordering text."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def parse_answer(line: str, proposal: Proposal) -> Answer:
    """Parse one answer line; edit merges a JSON object of changes over the proposed args."""
    word, _, rest = line.strip().partition(" ")
    word, rest = word.lower(), rest.strip()
    if word in ("a", "approve", "y", "yes"):
        return Answer(verdict="approve")
    if word in ("s", "skip"):
        return Answer(verdict="skip", reason=rest or None)
    if word in ("b", "abort"):
        return Answer(verdict="abort", reason=rest or None)
    if word in ("d", "deny", "n", "no"):
        if not rest:
            raise AnswerSyntaxError("deny needs a reason: d REASON")
        return Answer(verdict="deny", reason=rest)
    if word in ("e", "edit"):
        try:
            changes = json.loads(rest) if rest else None
        except json.JSONDecodeError as exc:
            raise AnswerSyntaxError(f"edit needs a JSON object of changed args: {exc.msg}") from exc
        if not isinstance(changes, dict) or not changes:
            raise AnswerSyntaxError('edit needs a non-empty JSON object, e.g. e {"max_matches": 50}')
        merged = {k: v for k, v in {**proposal.args, **changes}.items() if v is not None}
        return Answer(verdict="edit", args=merged)
    raise AnswerSyntaxError(f"unknown answer {word!r}; {HELP}")


def args_diff(before: dict[str, JsonValue], after: dict[str, JsonValue]) -> dict[str, dict[str, JsonValue]]:
    """The per-key difference an edit made, as recorded in the ledger."""
    keys = sorted(set(before) | set(after))
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in keys
        if before.get(key) != after.get(key)
    }
