"""One HTTP exchange with a chat-completions server under an overall deadline, streamed when it can be.

httpx has no total timeout: its read timeout restarts on every chunk, so a server trickling a byte a second
never times out. A watchdog thread therefore shuts the connection's socket down when the deadline passes,
whatever the exchange is blocked in (waiting for headers, reading the body); the read then fails at once.
While no token has arrived, the watchdog also reports the elapsed time as progress.

The answer is read as server-sent events when the server streams (`stream: true`, `text/event-stream`),
counting one token per content chunk; a server that answers in one JSON body is read the same way.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType

import httpx

from agent.llm.budget import PROGRESS_INTERVAL_S, Deadline, ProgressMeter
from agent.llm.errors import ModelDeadlineError, ModelOutputError, ModelUnavailableError

MAX_REPLY_BYTES = 8 * 1024 * 1024
"""A reply longer than this is refused (a max_tokens answer is a few kB; a runaway server is not read on)."""

CONNECT_TIMEOUT_S = 10.0
"""Connecting gives up after this many seconds (or the deadline, if sooner)."""


@dataclass(frozen=True)
class Reply:
    """What the server answered: the first choice's text and why it ended."""

    content: str
    """The answer text."""
    finish: str
    """`stop`, `length`, ... as the server said (`stop` when it did not say)."""


class _Watchdog:
    """Shuts the exchange's socket down at the deadline; reports elapsed time until tokens arrive."""

    def __init__(self, deadline: Deadline, meter: ProgressMeter) -> None:
        self.deadline = deadline
        self.meter = meter
        self.fired = False
        """True once the deadline passed and the connection was shut."""
        self.streaming = False
        """True once tokens are being counted (the reader reports progress itself then)."""
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sleuth-model-deadline", daemon=True)

    def trace(self, name: str, info: dict[str, object]) -> None:
        """httpcore's trace hook: keep the socket of the connection it opens (TCP, then TLS over it)."""
        if name not in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            return
        get = getattr(info.get("return_value"), "get_extra_info", None)
        sock = get("socket") if callable(get) else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sock = sock
                if self.fired:
                    _shut(sock)

    def __enter__(self) -> _Watchdog:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(timeout=min(PROGRESS_INTERVAL_S * 4, self.deadline.remaining())):
            if self.deadline.expired:
                with self._lock:
                    self.fired = True
                    if self._sock is not None:
                        _shut(self._sock)
                return
            if not self.streaming:
                self.meter.update(0, counted=False)


def _shut(sock: socket.socket) -> None:
    # shutdown (not close) wakes a recv blocked in the other thread; the client closes the socket after.
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed by the client: the exchange is over anyway
        return


def post_chat(
    url: str, payload: dict[str, object], headers: dict[str, str], deadline: Deadline, meter: ProgressMeter
) -> Reply:
    """POST `payload` to `url` and read the reply, all within `deadline`; typed errors, one line each."""
    remaining = deadline.remaining()
    if remaining <= 0:
        raise ModelDeadlineError(
            f"the model server at {url} was not asked: the {deadline.seconds:g} s deadline had passed"
        )
    timeout = httpx.Timeout(remaining, connect=min(CONNECT_TIMEOUT_S, remaining))
    received = _Received()
    watchdog = _Watchdog(deadline, meter)
    hooks = {"trace": watchdog.trace}
    try:
        with (
            watchdog,
            httpx.Client(timeout=timeout) as client,
            client.stream("POST", url, json=payload, headers=headers, extensions=hooks) as response,
        ):
            if response.status_code >= 400:
                body = b"".join(_chunks(response, received))
                text = body.decode("utf-8", "replace")
                raise ModelUnavailableError(
                    f"the model server at {url} answered HTTP {response.status_code}: {text[:300]}"
                )
            # The watchdog's shutdown reads as the end of the reply: a reply cut that way is late, not bad.
            if response.headers.get("content-type", "").startswith("text/event-stream"):
                watchdog.streaming = True
                reply, complete = _read_events(response, received, deadline, meter, url)
                if not complete and watchdog.fired:
                    raise ModelDeadlineError(_late(url, deadline, received))
                return reply
            body = b"".join(_chunks(response, received))
            try:
                return _read_body(body, url)
            except ModelOutputError:
                if watchdog.fired:
                    raise ModelDeadlineError(_late(url, deadline, received)) from None
                raise
    except httpx.ConnectTimeout:
        if deadline.expired:
            raise ModelDeadlineError(_late(url, deadline, received)) from None
        raise ModelUnavailableError(
            f"cannot reach the model server at {url}: no connection within {CONNECT_TIMEOUT_S:g} s"
        ) from None
    except httpx.TimeoutException:
        raise ModelDeadlineError(_late(url, deadline, received)) from None
    except httpx.HTTPError as exc:
        if watchdog.fired or deadline.expired:
            raise ModelDeadlineError(_late(url, deadline, received)) from None
        raise ModelUnavailableError(f"cannot reach the model server at {url}: {exc}") from None


@dataclass
class _Received:
    """What has come back so far (for the deadline's message)."""

    bytes: int = 0
    tokens: int = 0


def _late(url: str, deadline: Deadline, received: _Received) -> str:
    if received.bytes == 0:
        return f"the model server at {url} did not answer within {deadline.seconds:g} s"
    got = f"{received.tokens} tokens" if received.tokens else f"{received.bytes} bytes"
    return (
        f"the model server at {url} did not finish its answer within {deadline.seconds:g} s ({got} received)"
    )


def _chunks(response: httpx.Response, received: _Received) -> Iterator[bytes]:
    """The body's chunks as they come, bounded in size."""
    for chunk in response.iter_bytes():
        received.bytes += len(chunk)
        if received.bytes > MAX_REPLY_BYTES:
            raise ModelOutputError(f"the model server's reply exceeds {MAX_REPLY_BYTES} bytes: not read on")
        yield chunk


def _read_body(body: bytes, url: str) -> Reply:
    """A whole chat-completions JSON body."""
    try:
        data = json.loads(body)
    except ValueError:
        raise ModelOutputError(
            f"the model server at {url} sent a non-JSON reply: {body[:200].decode('utf-8', 'replace')!r}"
        ) from None
    try:
        choice = data["choices"][0]
        content = choice["message"]["content"]
        finish = str(choice.get("finish_reason") or "stop")
    except (KeyError, IndexError, TypeError, AttributeError):
        raise ModelOutputError(
            f"the server's reply has no choices[0].message.content: {str(data)[:200]}"
        ) from None
    if not isinstance(content, str):
        raise ModelOutputError("the server's reply has no text content")
    return Reply(content=content, finish=finish)


def _read_events(
    response: httpx.Response, received: _Received, deadline: Deadline, meter: ProgressMeter, url: str
) -> tuple[Reply, bool]:
    """Server-sent `chat.completion.chunk` events up to `data: [DONE]` (or the end of the stream); whether
    `[DONE]` came."""
    parts: list[str] = []
    finish = "stop"
    pending = b""
    for chunk in _chunks(response, received):
        if deadline.expired:  # a server trickling whole events: the watchdog would end it a moment later
            raise ModelDeadlineError(_late(url, deadline, received))
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            event = _event(line.strip(), url)
            if event is None:
                continue
            if event is _DONE:
                meter.update(received.tokens, force=True)
                return Reply(content="".join(parts), finish=finish), True
            text, reason = event
            if text:
                parts.append(text)
                received.tokens += 1
                meter.update(received.tokens)
            finish = reason or finish
    meter.update(received.tokens, force=True)
    return Reply(content="".join(parts), finish=finish), False


_DONE = ("", "[DONE]")


def _event(line: bytes, url: str) -> tuple[str, str | None] | None:
    """One `data:` line as (content delta, finish reason); None for comments and other fields."""
    if not line.startswith(b"data:"):
        return None
    data = line[5:].strip()
    if data == b"[DONE]":
        return _DONE
    try:
        event = json.loads(data)
        choice = event["choices"][0] if event.get("choices") else {}
        delta = choice.get("delta") or {}
        text = delta.get("content") or ""
        reason = choice.get("finish_reason")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise ModelOutputError(
            f"the model server at {url} sent an unreadable event: {data[:200].decode('utf-8', 'replace')!r}"
        ) from None
    if isinstance(event, dict) and event.get("error"):
        error = str(event["error"])[:300]
        raise ModelUnavailableError(f"the model server at {url} reported an error: {error}")
    if not isinstance(text, str):
        raise ModelOutputError(f"the model server at {url} sent a non-text delta")
    return text, (str(reason) if reason else None)
