"""What a case's SSH transports may need from the approver while a tool runs: a decision on a host key seen
for the first time, and the passphrase of an encrypted private key. Asked of the run's approver (in the
graph's thread: the tool run waits for the answer) and recorded in the ledger; never silent.

Host keys: pinned by --trust-new-host-key or on the approver's explicit answer (the TUI's `p`; on the console
the fingerprint's first characters, which no piped `yes` supplies); every decision, a refusal too, is a
`host_key` entry. An sshd drops a connection that waits too long before authenticating
(LoginGraceTime, 120 s by default); the key stays pinned and the next run connects.

Passphrases: kept in this process's memory for the case (asked again only after a wrong one) and never
written anywhere: the ledger records that one was given for a key file, not what it was.

Fan-out: a step on many hosts connects from worker threads. Their questions are serialised (one lock: a
worker whose question comes second waits, and finds a passphrase given meanwhile) and, while the graph's
thread is `answering()`, asked from that thread through `serve()`: the approver is always asked from the
thread that asked it before, so Ctrl-C at a console prompt still interrupts the run, and no worker is left
blocked on a prompt when the run stops (its question ends unanswered, an AuthFailedError).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar, cast

from agent.approval.request import Approver, capabilities_of
from agent.case.journal import Journal
from agent.case.payloads import HostKeyDecided, NoteRecorded
from tools.errors import AuthFailedError
from tools.transport.known_hosts import NewHostKey

T = TypeVar("T")


class _Question:
    """One approver call a worker thread waits on, made by the answering thread."""

    def __init__(self, ask: Callable[[], object]) -> None:
        self.ask = ask
        self.done = threading.Event()
        self.answer: object = None
        self.error: BaseException | None = None

    def end(self, *, answer: object = None, error: BaseException | None = None) -> None:
        """Hand the answer (or the error) to the waiting worker."""
        self.answer, self.error = answer, error
        self.done.set()


def _unanswered() -> AuthFailedError:
    return AuthFailedError("the run stopped before a host key or passphrase question was answered")


class CredentialPrompts:
    """The `trust_new_host_keys` and `unlock_key` functions of one case's transports."""

    def __init__(self, journal: Journal, *, actor: str, trust_all_keys: bool) -> None:
        self.journal = journal
        self.actor = actor
        self.trust_all_keys = trust_all_keys
        self.approver: Approver | None = None
        """Who is asked: the run's approver (set by the runner), when its capabilities say it answers."""
        self._passphrases: dict[Path, str] = {}
        self._lock = threading.Lock()  # one question at a time, one ledger entry per answer
        self._answerer: int | None = None
        self._relay_lock = threading.Lock()
        self._questions: queue.SimpleQueue[_Question] = queue.SimpleQueue()

    @contextmanager
    def answering(self) -> Iterator[None]:
        """While open, questions from other threads wait for this thread's `serve()` calls."""
        with self._relay_lock:
            self._answerer = threading.get_ident()
        try:
            yield
        finally:
            with self._relay_lock:
                self._answerer = None
                while not self._questions.empty():
                    self._questions.get_nowait().end(error=_unanswered())

    def serve(self, timeout_s: float) -> None:
        """Ask the approver the questions waiting (waiting up to `timeout_s` for the first one)."""
        try:
            question = self._questions.get(timeout=timeout_s)
        except queue.Empty:
            return
        while True:
            try:
                question.end(answer=question.ask())
            except Exception as exc:  # the approver's own failure reaches the worker, as it would have
                question.end(error=exc)
            except BaseException:  # Ctrl-C at the prompt: the worker's question ends, the run stops
                question.end(error=_unanswered())
                raise
            try:
                question = self._questions.get_nowait()
            except queue.Empty:
                return

    def _ask(self, ask: Callable[[], T]) -> T:
        """`ask()` on the answering thread (here, when none is answering or this is it)."""
        with self._relay_lock:
            answerer = self._answerer
            if answerer is None or answerer == threading.get_ident():
                question = None
            else:
                question = _Question(ask)
                self._questions.put(question)
        if question is None:
            return ask()
        question.done.wait()
        if question.error is not None:
            raise question.error
        return cast(T, question.answer)  # what `ask` returned, handed over by `serve`

    def trust_new_key(self, key: NewHostKey) -> bool:
        """Decide on a host key seen for the first time and record the decision."""
        with self._lock:
            if self.trust_all_keys:
                pinned, by = True, "flag"
            elif self.approver is not None and capabilities_of(self.approver).confirms_host_keys:
                confirmer = self.approver
                pinned, by = self._ask(lambda: confirmer.confirm_host_key(key)), "approver"
            else:
                pinned, by = False, "nobody"
            self.journal.record(
                HostKeyDecided(
                    host=key.host,
                    known_hosts_name=key.known_hosts_name,
                    key_type=key.key_type,
                    fingerprint=key.fingerprint,
                    known_hosts=str(key.known_hosts),
                    pinned=pinned,
                    by=by,
                ),
                actor=self.actor if by != "nobody" else "system",
            )
            return pinned

    def unlock_key(self, host: str, key_file: Path, attempt: int) -> str | None:
        """The passphrase of `key_file`: the one given earlier in this case, else asked of the approver."""
        with self._lock:
            if attempt == 1 and key_file in self._passphrases:
                return self._passphrases[key_file]
            self._passphrases.pop(key_file, None)
            asker = self.approver
            if asker is None or not capabilities_of(asker).asks_passphrases:
                return None
            passphrase = self._ask(lambda: asker.ask_passphrase(host, key_file, attempt)) or None
            given = "given" if passphrase is not None else "not given"
            self.journal.record(
                NoteRecorded(
                    text=f"passphrase of key file {key_file} {given} for host {host} (attempt {attempt})"
                ),
                actor=self.actor,
            )
            if passphrase is not None:
                self._passphrases[key_file] = passphrase
            return passphrase
