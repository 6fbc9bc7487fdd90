"""Deadlines and progress of model calls: one overall deadline per proposal, and what the model did so far.

A server that never answers, or trickles a byte a second, must not hold a case for longer than its budget:
a per-read timeout restarts on every byte, so the backends check one monotonic deadline across the whole
exchange instead. Progress (tokens so far, tokens/s) is reported through a callback, at most a few times a
second, so the human sees the model work instead of silence.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from agent.llm.errors import ModelRequestError

DEFAULT_DEADLINE_S = 120.0
"""Seconds one proposal may take with every model call and retry together, unless configured."""

PROGRESS_INTERVAL_S = 0.25
"""Least seconds between two progress reports of one call (a GPU decodes hundreds of tokens a second)."""


class Deadline:
    """A moment on the monotonic clock by which some work must end; `seconds` is its whole length."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        """Start the clock now: the work must end within `seconds` (a positive, finite number)."""
        if not (isinstance(seconds, int | float) and math.isfinite(seconds) and seconds > 0):
            raise ModelRequestError(f"a model deadline must be a positive number of seconds, got {seconds!r}")
        self.seconds = float(seconds)
        self._clock = clock
        self._start = clock()
        self.end = self._start + self.seconds
        """Monotonic time at which the deadline passes."""

    def remaining(self) -> float:
        """Seconds left (0 once passed)."""
        return max(0.0, self.end - self._clock())

    def elapsed(self) -> float:
        """Seconds since the clock started."""
        return self._clock() - self._start

    @property
    def expired(self) -> bool:
        """Whether the deadline has passed."""
        return self._clock() >= self.end

    def sooner(self, other: Deadline | None) -> Deadline:
        """Whichever of the two passes first (self when `other` is None)."""
        return other if other is not None and other.end < self.end else self

    def __repr__(self) -> str:
        return f"Deadline({self.seconds:g} s, {self.remaining():.1f} s left)"


@dataclass(frozen=True)
class GenerationProgress:
    """How far one model call has come."""

    tokens: int
    """Tokens generated so far (streamed chunks for a server); 0 when the backend cannot count them."""
    elapsed_s: float
    """Seconds since the call started."""
    counted: bool = True
    """False when the server does not stream: only the elapsed time is known."""

    @property
    def tokens_per_s(self) -> float:
        """Average tokens a second so far (0 before the first second's worth)."""
        return self.tokens / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def describe(self) -> str:
        """One line for the human: `model: 42 tokens, 12.5 tokens/s (3.4 s)`."""
        if not self.counted:
            return f"model: waiting for the server's answer ({self.elapsed_s:.0f} s)"
        return f"model: {self.tokens} tokens, {self.tokens_per_s:.1f} tokens/s ({self.elapsed_s:.1f} s)"


ProgressCallback = Callable[[GenerationProgress], None]
"""Receives a call's progress (from the thread doing the call)."""


class ProgressMeter:
    """Reports one call's progress to a callback, at most every `interval_s` seconds."""

    def __init__(
        self,
        callback: ProgressCallback | None,
        *,
        interval_s: float = PROGRESS_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Start timing the call now; `callback` None reports nothing."""
        self._callback = callback
        self._interval = interval_s
        self._clock = clock
        self._start = clock()
        self._last = -math.inf

    def update(self, tokens: int, *, counted: bool = True, force: bool = False) -> None:
        """`tokens` so far; reported when the interval has passed since the last report (or `force`)."""
        if self._callback is None:
            return
        now = self._clock()
        if not force and now - self._last < self._interval:
            return
        self._last = now
        self._callback(GenerationProgress(tokens=tokens, elapsed_s=now - self._start, counted=counted))


def call_deadline(options: dict[str, object], own_seconds: float | None) -> Deadline | None:
    """The deadline of one backend call: the caller's (`deadline=`) or the backend's own limit, the sooner.

    Pops `deadline` from the call options; a value that is not a Deadline is refused.
    """
    given = options.pop("deadline", None)
    if given is not None and not isinstance(given, Deadline):
        raise ModelRequestError(f"deadline must be an agent.llm.budget.Deadline, got {type(given).__name__}")
    own = Deadline(own_seconds) if own_seconds is not None else None
    if own is None:
        return given
    return own.sooner(given)


def progress_callback(options: dict[str, object]) -> ProgressCallback | None:
    """Pop the `on_progress` call option (a callable taking GenerationProgress, or None)."""
    given = options.pop("on_progress", None)
    if given is None:
        return None
    if not callable(given):
        raise ModelRequestError(f"on_progress must be callable, got {type(given).__name__}")
    return cast(ProgressCallback, given)
