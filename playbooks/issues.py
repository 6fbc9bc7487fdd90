"""A located problem in a playbook: file, line, column, severity, code, message (one grep-friendly line)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
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


def error_issue(file: str, code: str, message: str, *, line: int = 1, col: int = 1) -> Issue:
    """An error at line:col of `file` (line 1, column 1 when it is about the whole file)."""
    return Issue(file=file, line=line, col=col, severity=Severity.ERROR, code=code, message=message)


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` naming the choice closest to a misspelt name, or "" when none is close."""
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def sort_issues(issues: list[Issue]) -> list[Issue]:
    """Issues in file order (line, column), errors before warnings at the same place."""
    return sorted(issues, key=lambda i: (i.file, i.line, i.col, i.severity != Severity.ERROR, i.code))
