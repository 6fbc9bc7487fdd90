"""The lint framework: a check class per rule, each yielding located issues with a severity (pySigma style).

Rules live beside it (structure, conclusion and catalogue rules) and import only this module; the package
`playbooks.lint` puts them together and lints files."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from playbooks.catalogue import Catalogue, ToolSpec
from playbooks.issues import Issue, Severity, sort_issues
from playbooks.model import Followup, Playbook, Step
from playbooks.parts import PlaybookParts
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

    def steps_with_tools(self) -> Iterator[tuple[int, Step, ToolSpec]]:
        """The steps that validated and name a tool of the catalogue: index, step, the tool's spec."""
        catalogue = self.tools()
        for i, step in self.steps:
            spec = catalogue.get(step.tool)
            if spec is not None:
                yield i, step, spec

    def followups_with_tools(self) -> Iterator[tuple[Loc, Step, Followup, ToolSpec]]:
        """The follow-ups of those steps that name a tool of the catalogue: where, step, follow-up, spec."""
        catalogue = self.tools()
        for i, step in self.steps:
            for j, follow in enumerate(step.followups):
                spec = catalogue.get(follow.tool)
                if spec is not None:
                    yield ("steps", i, "followups", j), step, follow, spec

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


def supported_techniques(pb: Playbook) -> set[str]:
    """The ATT&CK ids the conclusions and the extractors claim: what supports the playbook's own `attack`."""
    supported = {t for rule in pb.conclusions for t in rule.attack}
    return supported | {t for s in pb.steps for ex in s.extract.values() for t in ex.attack}


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
