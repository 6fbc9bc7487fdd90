"""The approver the graph's worker thread talks to: it posts a message to the app and waits for the answer.

The graph runs in a thread worker; each approval interrupt becomes an `ApprovalRequested` message (Textual's
`post_message` is thread-safe) carrying a future the approval modal resolves. Closing the TUI resolves a
pending question with no answer: the runner then pauses the case, which stays resumable.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from pathlib import Path
from typing import Any, Generic, TypeVar

from textual.message import Message
from textual.message_pump import MessagePump

from agent.approval.request import (
    Answer,
    ApprovalRequest,
    ApprovalUnavailableError,
    ApproverCapabilities,
    Progress,
)
from tools.transport.known_hosts import NewHostKey

T = TypeVar("T")
_POLL_S = 0.25  # how often a waiting question checks whether the TUI was closed


class Question(Message, Generic[T]):
    """A question from the worker thread; the screen that asks the human resolves it (None: no answer)."""

    def __init__(self) -> None:
        super().__init__()
        self.answer: Future[T | None] = Future()

    def resolve(self, value: T | None) -> None:
        """Give the answer (the first one counts: closing the TUI may have ended the question already)."""
        if not self.answer.done():
            self.answer.set_result(value)


class ApprovalRequested(Question[Answer]):
    """The graph paused on a proposal; the answer is the human's (None: no answer)."""

    def __init__(self, request: ApprovalRequest) -> None:
        super().__init__()
        self.request = request


class HostKeyRequested(Question[bool]):
    """A host offered a key seen for the first time; True pins it."""

    def __init__(self, key: NewHostKey) -> None:
        super().__init__()
        self.key = key


class PassphraseRequested(Question[str]):
    """An encrypted private key needs its passphrase (None gives up)."""

    def __init__(self, host: str, key_file: Path, attempt: int) -> None:
        super().__init__()
        self.host = host
        self.key_file = key_file
        self.attempt = attempt


class RunReported(Message):
    """An approved run ended: its rows, or the error that became an observation."""

    def __init__(self, text: str, error: bool) -> None:
        super().__init__()
        self.text = text
        self.error = error


class ModelProgressed(Message):
    """The model's progress while it works (tokens so far, tokens/s); None: it stopped."""

    def __init__(self, text: str | None) -> None:
        super().__init__()
        self.text = text


class Progressed(Message):
    """The case's steps, findings or runs changed."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


class TuiApprover:
    """The runner's approver: the TUI, which answers, shows and is asked everything."""

    capabilities = ApproverCapabilities(
        notifies=True,
        shows_progress_line=True,
        shows_progress=True,
        confirms_host_keys=True,
        asks_passphrases=True,
    )

    def __init__(self, target: MessagePump) -> None:
        self.target = target
        self._closed = threading.Event()
        self._pending: Question[Any] | None = None
        self._lock = threading.Lock()

    def ask(self, request: ApprovalRequest) -> Answer:
        """Show `request` in the TUI and block until the human answers; raise when the TUI closes first."""
        result = self._wait(ApprovalRequested(request))
        if result is None:
            raise ApprovalUnavailableError("the question was left without an answer")
        return result

    def confirm_host_key(self, key: NewHostKey) -> bool:
        """Ask whether to pin a host key seen for the first time; no answer (TUI closed) refuses it."""
        try:
            return self._wait(HostKeyRequested(key)) is True
        except ApprovalUnavailableError:
            return False

    def ask_passphrase(self, host: str, key_file: Path, attempt: int) -> str | None:
        """Ask for the passphrase of an encrypted key; no answer (TUI closed) gives up."""
        try:
            return self._wait(PassphraseRequested(host, key_file, attempt))
        except ApprovalUnavailableError:
            return None

    def _wait(self, question: Question[T]) -> T | None:
        """Post `question` and block until it is answered or the TUI closes."""
        with self._lock:
            if self._closed.is_set():
                raise ApprovalUnavailableError("the TUI was closed")
            self._pending = question
        try:
            if not self.target.post_message(question):
                raise ApprovalUnavailableError("the TUI is closing")
            while True:
                try:
                    return question.answer.result(timeout=_POLL_S)
                except FutureTimeoutError:
                    if self._closed.is_set():
                        raise ApprovalUnavailableError("the TUI was closed before an answer") from None
        finally:
            with self._lock:
                self._pending = None

    def notify(self, text: str, *, error: bool = False) -> None:
        """Show a run's outcome in the activity log."""
        self.target.post_message(RunReported(text, error))

    def progress_line(self, text: str | None) -> None:
        """Show the model's progress in the status line."""
        self.target.post_message(ModelProgressed(text))

    def progressed(self, progress: Progress) -> None:
        """Update the step list, the findings and the runs."""
        self.target.post_message(Progressed(progress))

    def close(self) -> None:
        """No more answers: a pending question ends unanswered, later ones fail at once."""
        with self._lock:
            self._closed.set()
            if self._pending is not None:
                self._pending.resolve(None)
