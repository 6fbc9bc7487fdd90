"""What a case's SSH transports may need from the approver while a tool runs: a decision on a host key seen
for the first time, and the passphrase of an encrypted private key. Asked of the run's approver (in the
graph's thread: the tool run waits for the answer) and recorded in the ledger; never silent.

Host keys: pinned by --trust-new-host-key or on the approver's explicit answer (the TUI's `p`; on the console
the fingerprint's first characters, which no piped `yes` supplies); every decision, a refusal too, is a
`host_key` entry. An sshd drops a connection that waits too long before authenticating
(LoginGraceTime, 120 s by default); the key stays pinned and the next run connects.

Passphrases: kept in this process's memory for the case (asked again only after a wrong one) and never
written anywhere: the ledger records that one was given for a key file, not what it was.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Protocol, runtime_checkable

from agent.case.payloads import HostKeyDecision, Note
from agent.journal import Journal
from tools.transport.known_hosts import NewHostKey


@runtime_checkable
class HostKeyConfirmer(Protocol):
    """An approver that can be asked whether to pin a host key seen for the first time."""

    def confirm_host_key(self, key: NewHostKey) -> bool:
        """True pins the key; False (or no answer) refuses it."""
        ...


@runtime_checkable
class PassphraseAsker(Protocol):
    """An approver that can be asked for the passphrase of an encrypted private key."""

    def ask_passphrase(self, host: str, key_file: Path, attempt: int) -> str | None:
        """The passphrase (attempt > 1: the previous one was wrong); None gives up."""
        ...


class CredentialPrompts:
    """The `trust_new_host_keys` and `unlock_key` functions of one case's transports."""

    def __init__(self, journal: Journal, *, actor: str, trust_all_keys: bool) -> None:
        self.journal = journal
        self.actor = actor
        self.trust_all_keys = trust_all_keys
        self.approver: object | None = None
        """Who is asked: the run's approver (set by the runner), when it can answer such questions."""
        self._passphrases: dict[Path, str] = {}
        self._lock = threading.Lock()  # one question at a time, one ledger entry per answer

    def trust_new_key(self, key: NewHostKey) -> bool:
        """Decide on a host key seen for the first time and record the decision."""
        with self._lock:
            if self.trust_all_keys:
                pinned, by = True, "flag"
            elif isinstance(self.approver, HostKeyConfirmer):
                pinned, by = self.approver.confirm_host_key(key), "approver"
            else:
                pinned, by = False, "nobody"
            self.journal.record(
                HostKeyDecision(
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
            if not isinstance(self.approver, PassphraseAsker):
                return None
            passphrase = self.approver.ask_passphrase(host, key_file, attempt) or None
            given = "given" if passphrase is not None else "not given"
            self.journal.record(
                Note(text=f"passphrase of key file {key_file} {given} for host {host} (attempt {attempt})"),
                actor=self.actor,
            )
            if passphrase is not None:
                self._passphrases[key_file] = passphrase
            return passphrase
