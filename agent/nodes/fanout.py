"""Fan-out: one piece of work per host on a bounded thread pool, the calling thread waiting in short slices.

Why threads: a step's cost on a fleet is network round trips and the hosts' own commands, not this
process's CPU, so hosts one after another cost the sum of their times (and every dead host its whole
connect timeout); at once they cost about the slowest. The caller's thread (the graph's) never blocks
longer than POLL_S: Ctrl-C reaches it within that, and it answers the workers' credential questions
(`serve`) so the approver is asked from the thread that always asked it. Results come back in the order
of the keys, whatever order the workers finish in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

K = TypeVar("K")
T = TypeVar("T")

POLL_S = 0.1
"""Longest the calling thread waits at once (bounds how late Ctrl-C and a worker's question are seen)."""


class FanOutStoppedError(Exception):
    """A worker saw the fan-out stop (Ctrl-C or another worker's crash) and did not start its next run."""


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
    (any BaseException in this thread) sets `stop`, cancels what has not started, and propagates at once.
    One key, or a concurrency of 1, runs in this thread, exactly as a plain loop would.
    """
    if len(keys) <= 1 or concurrency <= 1:
        results = []
        for key in keys:
            result = work(key)
            if on_done is not None:
                on_done(key, result)
            results.append(result)
        return results
    pool = ThreadPoolExecutor(max_workers=min(concurrency, len(keys)), thread_name_prefix="fanout")
    futures: dict[Future[T], int] = {pool.submit(work, key): index for index, key in enumerate(keys)}
    try:
        results_by_index, failure = _collect(keys, futures, stop, serve, on_done)
    except BaseException:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    if failure is not None:
        raise failure
    return [results_by_index[index] for index in range(len(keys))]


def _collect(
    keys: Sequence[K],
    futures: dict[Future[T], int],
    stop: threading.Event,
    serve: Callable[[float], None] | None,
    on_done: Callable[[K, T], None] | None,
) -> tuple[dict[int, T], BaseException | None]:
    results: dict[int, T] = {}
    failure: BaseException | None = None
    pending: set[Future[T]] = set(futures)
    while pending:
        if serve is not None:
            serve(POLL_S)
        done, pending = wait(pending, timeout=0 if serve is not None else POLL_S, return_when=FIRST_COMPLETED)
        for future in sorted(done, key=futures.__getitem__):
            if future.cancelled():
                continue
            error = future.exception()
            if error is not None:
                if failure is None and not isinstance(error, FanOutStoppedError):
                    failure = error
                    stop.set()
                    for other in pending:
                        other.cancel()
                continue
            index = futures[future]
            results[index] = future.result()
            if on_done is not None and failure is None:
                on_done(keys[index], results[index])
    return results, failure
