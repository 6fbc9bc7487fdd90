"""Host keys seen for the first time during a case: pinned by flag, or decided by the approver when asked,
and recorded in the ledger either way (a refused key too). Never pinned silently.

The transports call the gate inside a tool run (in the graph's thread): asking blocks that run until the
human answers. An sshd drops a connection that waits too long before authenticating (LoginGraceTime,
120 s by default); the key stays pinned and the next run connects.
"""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable

from agent.case.payloads import HostKeyDecision
from agent.journal import Journal
from tools.transport.known_hosts import NewHostKey


@runtime_checkable
class HostKeyConfirmer(Protocol):
    """An approver that can be asked whether to pin a host key seen for the first time."""

    def confirm_host_key(self, key: NewHostKey) -> bool:
        """True pins the key; False (or no answer) refuses it."""
        ...


class HostKeyGate:
    """The `trust_new_host_keys` decision function of a case's transports."""

    def __init__(self, journal: Journal, *, approver: str, trust_all: bool) -> None:
        self.journal = journal
        self.approver = approver
        self.trust_all = trust_all
        self.confirmer: HostKeyConfirmer | None = None
        """Who is asked (set by the runner to its approver when that approver can be asked)."""
        self._lock = threading.Lock()  # one question at a time, one ledger entry per decision

    def __call__(self, key: NewHostKey) -> bool:
        """Decide on `key` and record the decision."""
        with self._lock:
            if self.trust_all:
                pinned, by = True, "flag"
            elif self.confirmer is not None:
                pinned, by = self.confirmer.confirm_host_key(key), "approver"
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
                actor=self.approver if by != "nobody" else "system",
            )
            return pinned
