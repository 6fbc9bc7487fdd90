"""Crash points for the crash/resume harness: SIGKILL the process at a named point, when asked.

`SLEUTH_CRASH_AT=<point>[#<n>]` kills the process the n-th time (default 1st) it passes `<point>`.
Points: `after:<node>` (a node's update was checkpointed), `execute:started` (execution_started is in
the ledger, the tool has not run), `execute:ran` (the tool ran, its result is not in the ledger yet),
`report:recorded` (the report's hashes are in the ledger, the case is not closed yet).
Read once at start-up into a CrashPlan; nothing here runs unless the variable is set.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass, field

ENV_VAR = "SLEUTH_CRASH_AT"


@dataclass
class CrashPlan:
    """Where to die, if anywhere; counts passes per point."""

    point: str | None = None
    nth: int = 1
    _seen: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> CrashPlan:
        """The plan named by $SLEUTH_CRASH_AT (none when unset)."""
        spec = os.environ.get(ENV_VAR, "").strip()
        if not spec:
            return cls()
        point, _, nth = spec.partition("#")
        return cls(point=point, nth=int(nth) if nth.isdigit() else 1)

    def reached(self, point: str) -> None:
        """Mark a pass through `point`; SIGKILL ourselves when it is the planned one."""
        if self.point is None or point != self.point:
            return
        self._seen[point] = self._seen.get(point, 0) + 1
        if self._seen[point] == self.nth:
            os.kill(os.getpid(), signal.SIGKILL)
