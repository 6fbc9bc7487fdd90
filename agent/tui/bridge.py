"""The approver the graph's worker thread talks to: it posts a message to the app and waits for the answer.

The graph runs in a thread worker; each approval interrupt becomes an `ApprovalRequested` message (Textual's
`post_message` is thread-safe) carrying a future the approval modal resolves. Closing the TUI resolves a
pending question with no answer: the runner then pauses the case, which stays resumable.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError

from textual.message import Message
from textual.message_pump import MessagePump

from agent.approval import Answer, ApprovalRequest, ApprovalUnavailableError, Progress

_POLL_S = 0.25  # how often a waiting question checks whether the TUI was closed


class ApprovalRequested(Message):
    """The graph paused on a proposal; resolve `answer` with the human's answer (None: no answer)."""

    def __init__(self, request: ApprovalRequest, answer: Future[Answer | None]) -> None:
        super().__init__()
        self.request = request
        self.answer = answer


class RunReported(Message):
    """An approved run ended: its rows, or the error that became an observation."""

    def __init__(self, text: str, error: bool) -> None:
        super().__init__()
        self.text = text
        self.error = error


class Progressed(Message):
    """The case's steps, findings or runs changed."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


class TuiApprover:
    """The runner's approver (also Notified, ProgressShown), answered in the TUI; called from the worker."""

    def __init__(self, target: MessagePump) -> None:
        self.target = target
        self._closed = threading.Event()
        self._pending: Future[Answer | None] | None = None
        self._lock = threading.Lock()

    def ask(self, request: ApprovalRequest) -> Answer:
        """Show `request` in the TUI and block until the human answers; raise when the TUI closes first."""
        answer: Future[Answer | None] = Future()
        with self._lock:
            if self._closed.is_set():
                raise ApprovalUnavailableError("the TUI was closed")
            self._pending = answer
        try:
            if not self.target.post_message(ApprovalRequested(request, answer)):
                raise ApprovalUnavailableError("the TUI is closing")
            while True:
                try:
                    result = answer.result(timeout=_POLL_S)
                    break
                except FutureTimeoutError:
                    if self._closed.is_set():
                        raise ApprovalUnavailableError("the TUI was closed before an answer") from None
        finally:
            with self._lock:
                self._pending = None
        if result is None:
            raise ApprovalUnavailableError("the question was left without an answer")
        return result

    def notify(self, text: str, *, error: bool = False) -> None:
        """Show a run's outcome in the activity log."""
        self.target.post_message(RunReported(text, error))

    def progressed(self, progress: Progress) -> None:
        """Update the step list, the findings and the runs."""
        self.target.post_message(Progressed(progress))

    def close(self) -> None:
        """No more answers: a pending question ends unanswered, later ones fail at once."""
        with self._lock:
            self._closed.set()
            if self._pending is not None and not self._pending.done():
                self._pending.set_result(None)
