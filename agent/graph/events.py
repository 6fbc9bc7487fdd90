"""What the nodes tell the human while they work: one sink per run, bound to the approver by `drive()`.

Nodes (and the tools' worker threads they start) call `ctx.events.notify(...)`; the approver shows it if it
shows anything (the console prints a line, the TUI adds it to the case log). While the model works, its
progress (tokens so far, tokens/s) goes to `progress(...)`, one transient line the approver redraws in
place. Calls are serialised, so threads may report at once.
"""

from __future__ import annotations

import threading

from agent.approval.request import Approver, capabilities_of
from agent.llm.budget import GenerationProgress


class RunEvents:
    """The run's progress channel to the human; silent until bound."""

    def __init__(self) -> None:
        self._sink: Approver | None = None
        self._line: Approver | None = None
        self._lock = threading.Lock()

    def bind(self, approver: Approver) -> None:
        """Send what follows to this approver (what it shows, by its capabilities)."""
        can = capabilities_of(approver)
        self._sink = approver if can.notifies else None
        self._line = approver if can.shows_progress_line else None

    def notify(self, text: str, *, error: bool = False) -> None:
        """Show one line to the human, if anyone is shown anything."""
        with self._lock:
            if self._sink is not None:
                self._sink.notify(text, error=error)

    def progress(self, text: str | None) -> None:
        """Redraw the transient progress line (None clears it), if the approver shows one."""
        with self._lock:
            if self._line is not None:
                self._line.progress_line(text)

    def model_progress(self, progress: GenerationProgress) -> None:
        """The model's progress as the transient line (a `ProgressCallback` for model calls)."""
        self.progress(progress.describe())
