"""Lint framework: small check classes, each returning located issues with a severity (pySigma style)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from playbooks.catalogue import Catalogue
from playbooks.issues import Issue, Severity, sort_issues
from playbooks.loader import ParsedPlaybook, read_source
from playbooks.parts import PlaybookParts
from playbooks.schema import Playbook, Step
from playbooks.yamlsource import Loc, SourceMap


@dataclass(frozen=True)
class LintContext:
    """What a check sees: the validated parts of the playbook, where its nodes are, its file, the catalogue.

    When the whole playbook validated, `parts.whole` is it; otherwise only checks marked `partial` run,
    on the inputs and steps that validated on their own.
    """

    parts: PlaybookParts
    smap: SourceMap
    catalogue: Catalogue | None
    path: Path | None = None

    @property
    def playbook(self) -> Playbook:
        """The whole playbook; only used by checks that are not `partial` (run when all of it validated)."""
        if self.parts.whole is None:
            raise RuntimeError("this check needs the whole playbook to have validated")
        return self.parts.whole

    @property
    def steps(self) -> tuple[tuple[int, Step], ...]:
        """The steps that validated, each with its index in the file."""
        return self.parts.steps

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
    partial: ClassVar[bool] = False
    """True when the rule works from validated parts (`ctx.steps`, `ctx.parts`) and stays silent where
    a part that failed validation could change its answer; other rules run only on a valid playbook."""

    @abstractmethod
    def run(self, ctx: LintContext) -> Iterator[Issue]:
        """Yield every issue this rule finds."""

    def issue(self, ctx: LintContext, loc: Loc, message: str, *, key: bool = False) -> Issue:
        """An issue of this check's code and severity at loc."""
        return ctx.at(loc, self.severity, self.code, message, key=key)


def run_checks(ctx: LintContext, checks: Iterable[Check]) -> list[Issue]:
    """Run checks, skipping catalogue rules without a catalogue and whole-playbook rules on mere parts."""
    issues: list[Issue] = []
    for check in checks:
        if check.needs_catalogue and ctx.catalogue is None:
            continue
        if not check.partial and ctx.parts.whole is None:
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
    ctx = LintContext(PlaybookParts.of(playbook), smap, catalogue, path)
    return run_checks(ctx, ALL_CHECKS if checks is None else checks)


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
    from playbooks.checks import ALL_CHECKS

    return lint_parsed(read_source(path), catalogue, ALL_CHECKS, path=path)


def has_errors(issues: Iterable[Issue]) -> bool:
    """True when any issue is an error."""
    return any(i.severity == Severity.ERROR for i in issues)
