"""Lint framework: small check classes, each returning located issues with a severity (pySigma style)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from playbooks.catalogue import Catalogue
from playbooks.issues import Issue, Severity, sort_issues
from playbooks.loader import read_playbook
from playbooks.schema import Playbook
from playbooks.yamlsource import Loc, SourceMap


@dataclass(frozen=True)
class LintContext:
    """What a check sees: the playbook, where its nodes are, its file, and (maybe) the tool catalogue."""

    playbook: Playbook
    smap: SourceMap
    catalogue: Catalogue | None
    path: Path | None = None

    def tools(self) -> Catalogue:
        """The catalogue; only called by checks that declare `needs_catalogue`."""
        if self.catalogue is None:
            raise RuntimeError("this check needs the tool catalogue")
        return self.catalogue

    def at(self, loc: Loc, severity: Severity, code: str, message: str, *, key: bool = False) -> Issue:
        """An issue located at the value (or the key) at loc."""
        pos = self.smap.key_pos(loc) if key else self.smap.value_pos(loc)
        return Issue(
            file=self.smap.file, line=pos.line, col=pos.col, severity=severity, code=code, message=message
        )


class Check(ABC):
    """One lint rule. Subclasses set `code`, `severity`, `summary` and implement `run`."""

    code: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    summary: ClassVar[str]
    needs_catalogue: ClassVar[bool] = False

    @abstractmethod
    def run(self, ctx: LintContext) -> Iterator[Issue]:
        """Yield every issue this rule finds."""

    def issue(self, ctx: LintContext, loc: Loc, message: str, *, key: bool = False) -> Issue:
        """An issue of this check's code and severity at loc."""
        return ctx.at(loc, self.severity, self.code, message, key=key)


def run_checks(ctx: LintContext, checks: Iterable[Check]) -> list[Issue]:
    """Run checks; those needing the catalogue are skipped when there is none."""
    issues: list[Issue] = []
    for check in checks:
        if check.needs_catalogue and ctx.catalogue is None:
            continue
        issues.extend(check.run(ctx))
    return sort_issues(issues)


def lint_playbook(
    playbook: Playbook,
    catalogue: Catalogue | None,
    *,
    path: Path | None = None,
    checks: Sequence[Check] | None = None,
) -> list[Issue]:
    """Every lint issue of a loaded playbook (tool checks need a catalogue)."""
    from playbooks.checks import ALL_CHECKS

    smap = playbook.source or SourceMap(str(path) if path else playbook.id)
    ctx = LintContext(playbook, smap, catalogue, path)
    return run_checks(ctx, ALL_CHECKS if checks is None else checks)


def lint_file(path: Path, catalogue: Catalogue | None) -> list[Issue]:
    """Load and lint one file: schema problems first (then nothing more can be checked), else every rule."""
    playbook, issues = read_playbook(path)
    if playbook is None:
        return issues
    return lint_playbook(playbook, catalogue, path=path)


def has_errors(issues: Iterable[Issue]) -> bool:
    """True when any issue is an error."""
    return any(i.severity == Severity.ERROR for i in issues)
