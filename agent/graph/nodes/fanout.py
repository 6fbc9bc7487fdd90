"""Fan-out: one piece of work per host on a bounded set of worker threads, the caller waiting in slices.

Why threads: a step's cost on a fleet is network round trips and the hosts' own commands, not this
process's CPU, so hosts one after another cost the sum of their times (and every dead host its whole
connect timeout); at once they cost about the slowest. The caller's thread (the graph's) never blocks
longer than POLL_S: Ctrl-C reaches it within that, and it answers the workers' credential questions
(`serve`) so the approver is asked from the thread that always asked it. Results come back in the order
of the keys, whatever order the workers finish in.

Why not `concurrent.futures.ThreadPoolExecutor`: its threads are joined when the interpreter exits, so after
Ctrl-C the process would wait for a worker stuck in a connect (up to the host's timeout) before it could
exit. These workers are daemon threads: they start no new run once `stop` is set, record nothing after it,
and a process that is exiting does not wait for them.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

K = TypeVar("K")
T = TypeVar("T")

POLL_S = 0.1
"""Longest the calling thread waits at once (bounds how late Ctrl-C and a worker's question are seen)."""


class FanOutStoppedError(Exception):
    """A worker saw the fan-out stop (Ctrl-C or another worker's crash) and did not go on."""


@dataclass(frozen=True)
class _Finished(Generic[T]):
    index: int
    result: T | None
    error: BaseException | None


def fan_out(
    keys: Sequence[K],
    work: Callable[[K], T],
    *,
    concurrency: int,
    stop: threading.Event,
    serve: Callable[[float], None] | None = None,
    on_done: Callable[[K, T], None] | None = None,
) -> list[T]:
    """`work(key)` for every key, at most `concurrency` at once; results in key order.

    `work` should check `stop` between its runs. A worker's exception (our bug: tool errors are results)
    stops the others from starting anything new, waits for the ones running, and is raised here. Ctrl-C
    (any BaseException in this thread) sets `stop` and propagates at once. One key, or a concurrency of 1,
    runs in this thread, exactly as a plain loop would.
    """
    if len(keys) <= 1 or concurrency <= 1:
        results = []
        for key in keys:
            result = work(key)
            if on_done is not None:
                on_done(key, result)
            results.append(result)
        return results
    jobs: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(keys)):
        jobs.put(index)
    finished: queue.SimpleQueue[_Finished[T]] = queue.SimpleQueue()

    def worker() -> None:
        while not stop.is_set():
            try:
                index = jobs.get_nowait()
            except queue.Empty:
                return
            try:
                finished.put(_Finished(index, work(keys[index]), None))
            except BaseException as exc:  # handed to the caller's thread, raised there
                finished.put(_Finished(index, None, exc))

    threads = [
        threading.Thread(target=worker, name=f"fanout-{n}", daemon=True)
        for n in range(min(concurrency, len(keys)))
    ]
    try:
        for thread in threads:
            thread.start()
        return _collect(keys, threads, finished, stop, serve, on_done)
    except BaseException:
        stop.set()
        raise


def _collect(
    keys: Sequence[K],
    threads: list[threading.Thread],
    finished: queue.SimpleQueue[_Finished[T]],
    stop: threading.Event,
    serve: Callable[[float], None] | None,
    on_done: Callable[[K, T], None] | None,
) -> list[T]:
    results: dict[int, T] = {}
    failure: BaseException | None = None
    while True:
        running = any(thread.is_alive() for thread in threads)
        if serve is not None:
            serve(POLL_S)
        for done in _drain(finished, 0 if serve is not None else POLL_S):
            if done.error is not None:
                if failure is None and not isinstance(done.error, FanOutStoppedError):
                    failure = done.error
                    stop.set()
                continue
            results[done.index] = cast(T, done.result)  # no error: what work() returned
            if on_done is not None and failure is None:
                on_done(keys[done.index], results[done.index])
        if not running and finished.empty():
            break
    if failure is not None:
        raise failure
    if len(results) != len(keys):
        raise FanOutStoppedError(f"{len(keys) - len(results)} of {len(keys)} hosts did not run")
    return [results[index] for index in range(len(keys))]


def _drain(finished: queue.SimpleQueue[_Finished[T]], timeout_s: float) -> list[_Finished[T]]:
    """What finished: waits up to `timeout_s` for the first one, then takes the rest without waiting."""
    out: list[_Finished[T]] = []
    try:
        out.append(finished.get(timeout=timeout_s) if timeout_s > 0 else finished.get_nowait())
        while True:
            out.append(finished.get_nowait())
    except queue.Empty:
        return out
