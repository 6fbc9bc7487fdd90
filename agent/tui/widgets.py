"""Widgets of the main screen: the playbook's steps with their state, and the activity log of the case."""

from __future__ import annotations

import time
from collections.abc import Sequence

from rich.text import Text
from textual.widgets import RichLog, Static

from agent.approval.request import ApprovalRequest
from agent.case.state import Finding, StepOutcome
from agent.tui.text import safe

_MARKS: dict[str, tuple[str, str]] = {
    "done": ("✓", "green"),
    "skipped": ("↷", "yellow"),
    "denied": ("✗", "red"),
    "condition_false": ("–", "dim"),
    "failed": ("!", "red"),
    "aborted": ("■", "red"),
}


class StepList(Static):
    """The playbook's steps: finished ones with how they ended, the one being decided, the ones to come."""

    def __init__(self, steps: Sequence[tuple[str, str]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.steps = list(steps)
        self.outcomes: dict[str, StepOutcome] = {}
        self.current: str | None = None

    def on_mount(self) -> None:
        """First drawing."""
        self._draw()

    def show_outcomes(self, outcomes: Sequence[StepOutcome]) -> None:
        """Mark the finished steps."""
        self.outcomes = {o.step_id: o for o in outcomes}
        if self.current in self.outcomes:
            self.current = None
        self._draw()

    def show_current(self, step_id: str | None) -> None:
        """Mark the step whose proposal is being decided."""
        self.current = step_id
        self._draw()

    def _draw(self) -> None:
        lines = []
        for step_id, title in self.steps:
            outcome = self.outcomes.get(step_id)
            if outcome is not None:
                mark, style = _MARKS.get(outcome.status, ("?", ""))
                line = Text.assemble((f"{mark} ", style), safe(title), (f"  {outcome.status}", "dim"))
            elif step_id == self.current:
                line = Text.assemble(("▶ ", "bold cyan"), safe(title, "bold"))
            else:
                line = Text.assemble(("· ", "dim"), safe(title, "dim"))
            lines.append(line)
        self.update(Text("\n").join(lines))


class FindingsPanel(Static):
    """What was found so far, by finding list: each value once, with its count and host."""

    SHOWN_PER_NAME = 6

    def show(self, findings: Sequence[Finding]) -> None:
        """Redraw from every finding so far."""
        by_name: dict[str, list[Finding]] = {}
        for finding in findings:
            by_name.setdefault(finding.name, []).append(finding)
        lines = []
        for name, group in by_name.items():
            lines.append(Text.assemble(safe(name, "bold"), (f"  {len(group)}", "dim")))
            for finding in group[: self.SHOWN_PER_NAME]:
                count = f" ×{finding.count}" if finding.count > 1 else ""
                model = " (model)" if finding.source == "model" else ""
                lines.append(Text.assemble("  ", safe(finding.value), (f"{count}{model}", "dim")))
            if len(group) > self.SHOWN_PER_NAME:
                lines.append(Text(f"  … {len(group) - self.SHOWN_PER_NAME} more in the report", "dim"))
        self.border_title = f"findings ({len(findings)})"
        self.update(Text("\n").join(lines) if lines else Text("none yet", "dim"))


class ActivityLog(RichLog):
    """What happened, in order: proposals, decisions, runs and errors (all untrusted text shown literally)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, wrap=True, markup=False, highlight=False, auto_scroll=True)

    def proposal(self, request: ApprovalRequest) -> None:
        """A proposal was put to the human."""
        p = request.proposal
        where = ", ".join(p.hosts) + (f" × {len(p.items)} items" if p.items else "")
        self.write(Text.assemble(("? ", "bold cyan"), safe(f"{p.id}: {p.tool} on {where}")))

    def decision(self, verdict: str, detail: str | None) -> None:
        """The human answered."""
        style = {"approve": "green", "edit": "cyan", "deny": "red", "abort": "red"}.get(verdict, "yellow")
        line = Text.assemble(("→ ", "bold"), (verdict, f"bold {style}"))
        if detail:
            line.append_text(safe(f" ({detail})"))
        self.write(line)

    def run(self, text: str, *, error: bool) -> None:
        """A run ended."""
        self.write(Text.assemble(("  ! " if error else "  ✓ ", "red" if error else "green"), safe(text)))

    def note(self, text: str, style: str = "dim") -> None:
        """Anything else worth a line (case opened, paused, closed)."""
        self.write(safe(text, style))


class StatusLine(Static):
    """What the case is doing now (waiting for you, running a tool, the proposer at work), and since when."""

    def on_mount(self) -> None:
        """Tick once a second."""
        self._since = time.monotonic()
        self._text = "starting"
        self._style = "dim"
        self._detail: str | None = None
        self.set_interval(1.0, self._draw)
        self._draw()

    def show(self, text: str, style: str = "") -> None:
        """A new state: its clock starts now."""
        self._since = time.monotonic()
        self._text = text
        self._style = style
        self._detail = None
        self._draw()

    def detail(self, text: str | None) -> None:
        """How the current state is going (the model's tokens so far), beside it; None removes it."""
        self._detail = text
        self._draw()

    @property
    def text(self) -> str:
        """What the line says now, without its clock (for tests and the log)."""
        return self._text + (f" · {self._detail}" if self._detail else "")

    def _draw(self) -> None:
        seconds = int(time.monotonic() - self._since)
        line = Text.assemble(safe(self._text, self._style))
        if self._detail:
            line.append_text(safe(f" · {self._detail}", "cyan"))
        line.append(f"  {seconds // 60}:{seconds % 60:02d}", "dim")
        self.update(line)
