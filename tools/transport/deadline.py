"""One monotonic deadline per remote call, and the short slices every blocking wait takes from it.

paramiko's own timeouts are per read or per step (a host trickling one byte a second never trips them, and
`exec_command` waits with none at all), so each SSH call carries one `Deadline` from TCP connect to the
last read. Waits take at most `POLL_S` at a time: a KeyboardInterrupt in the main thread is raised between
slices (within a second), and a pool's cancel event is seen by worker threads just as fast.
"""

from __future__ import annotations

import threading
import time

from tools.errors import CallCancelledError

POLL_S = 0.2
"""The longest single blocking wait; a signal or a cancel is acted on within this (<= 0.25 s)."""


class Deadline:
    """The end of one call's budget (time.monotonic), with an optional cancel event shared by a pool."""

    def __init__(self, seconds: float, *, cancel: threading.Event | None = None) -> None:
        self.budget_s = max(seconds, 0.0)
        """The whole budget, in seconds, for messages ("within 5s")."""
        self.end = time.monotonic() + self.budget_s
        """time.monotonic() at which the call must have ended."""
        self.cancel = cancel
        """Set by the pool to stop every call in flight (CallCancelledError at the next slice)."""

    def remaining(self) -> float:
        """Seconds left (0 once passed)."""
        return max(self.end - time.monotonic(), 0.0)

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return time.monotonic() >= self.end

    def slice(self, what: str) -> float:
        """The next wait: at most POLL_S and what is left; raises CallCancelledError when cancelled."""
        if self.cancel is not None and self.cancel.is_set():
            raise CallCancelledError(f"{what}: cancelled before it finished")
        return min(self.remaining(), POLL_S)

    def within(self, seconds: float) -> Deadline:
        """A deadline ending `seconds` from now or at this one's end, whichever is first (same cancel)."""
        return Deadline(min(seconds, self.remaining()), cancel=self.cancel)

    def wait(self, event: threading.Event, what: str) -> bool:
        """Wait for `event` in slices until it is set (True) or the deadline passes (False)."""
        while not event.is_set():
            step = self.slice(what)
            if step <= 0:
                return event.is_set()
            event.wait(step)
        return True
