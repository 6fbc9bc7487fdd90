"""A scripted human at the approval prompt: answers from a list, then approves; keeps every request seen."""

from __future__ import annotations

from collections.abc import Iterable

from agent.approval.request import Answer, ApprovalRequest


class ScriptedApprover:
    """Answers approvals from a script (a person at the console), approving once the script runs out."""

    def __init__(self, answers: Iterable[Answer] = ()) -> None:
        self.answers = list(answers)
        self.asked: list[ApprovalRequest] = []

    def ask(self, request: ApprovalRequest) -> Answer:
        """The next scripted answer, else approve."""
        self.asked.append(request)
        return self.answers.pop(0) if self.answers else Answer(verdict="approve")
