"""A located problem in a playbook: file, line, column, severity, code, message (one grep-friendly line)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Severity(StrEnum):
    """How bad an issue is: errors fail lint and loading, warnings only inform."""

    ERROR = "error"
    WARNING = "warning"


class Issue(BaseModel):
    """One problem found in a playbook, located by 1-based line and column."""

    model_config = ConfigDict(frozen=True)

    file: str
    """The playbook file (as the user named it)."""
    line: int
    """1-based line of the offending node."""
    col: int
    """1-based column of the offending node."""
    severity: Severity
    """error or warning."""
    code: str
    """Stable check code, e.g. PB012."""
    message: str
    """What is wrong and, where possible, how to fix it."""

    def format(self) -> str:
        """`path:line:col: severity[CODE] message`, one line (newlines in the message are flattened)."""
        text = " ".join(self.message.split())
        return f"{self.file}:{self.line}:{self.col}: {self.severity.value}[{self.code}] {text}"


def sort_issues(issues: list[Issue]) -> list[Issue]:
    """Issues in file order (line, column), errors before warnings at the same place."""
    return sorted(issues, key=lambda i: (i.file, i.line, i.col, i.severity != Severity.ERROR, i.code))
