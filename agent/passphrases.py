"""Passphrases of encrypted private keys, asked of the approver when a case's transports need one.

The passphrase stays in this process's memory for the case (asked again only after a wrong one) and is
never written anywhere: the ledger records that a passphrase was given for a key file, not what it was.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

from agent.case.payloads import Note
from agent.journal import Journal


@runtime_checkable
class PassphraseAsker(Protocol):
    """An approver that can be asked for the passphrase of an encrypted private key."""

    def ask_passphrase(self, host: str, key_file: Path, attempt: int) -> str | None:
        """The passphrase (attempt > 1: the previous one was wrong); None gives up."""
        ...


class PassphraseGate:
    """The `unlock_key` function of a case's transports."""

    def __init__(self, journal: Journal, *, approver: str) -> None:
        self.journal = journal
        self.approver = approver
        self.asker: PassphraseAsker | None = None
        """Who is asked (set by the runner to its approver when that approver can be asked)."""
        self._known: dict[Path, str] = {}
        self._lock = threading.Lock()

    def __call__(self, host: str, key_file: Path, attempt: int) -> str | None:
        """The passphrase of `key_file`: the one given earlier in this case, else asked of the approver."""
        with self._lock:
            if attempt == 1 and key_file in self._known:
                return self._known[key_file]
            self._known.pop(key_file, None)
            if self.asker is None:
                return None
            passphrase = self.asker.ask_passphrase(host, key_file, attempt) or None
            given = "given" if passphrase is not None else "not given"
            self.journal.record(
                Note(text=f"passphrase of key file {key_file} {given} for host {host} (attempt {attempt})"),
                actor=self.approver,
            )
            if passphrase is not None:
                self._known[key_file] = passphrase
            return passphrase
