"""A loopback chat-completions server that misbehaves on purpose: silent, trickling, or streaming slowly.

Each mode is a real TCP server on 127.0.0.1 speaking just enough HTTP/1.1 for the OpenAI-compatible backend:
- `silent`: reads the request, never answers (holds the connection open);
- `trickle`: the whole response, status line included, one byte a second;
- `trickle_body`: the headers at once, then a JSON body one byte a second;
- `sse`: a proper server-sent event stream of `tokens` chunks, `gap_s` apart, then `[DONE]`;
- `sse_forever`: chunks `gap_s` apart that never end.
It counts the requests it saw, so a test can tell how many tries a proposal made.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["silent", "trickle", "trickle_body", "sse", "sse_forever"]

ANSWER = json.dumps(
    {
        "id": "chatcmpl-stall",
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": '{"x": 1}'}, "finish_reason": "stop"}
        ],
    }
).encode()


@dataclass
class StallServer:
    """A running server: its base URL (with `/v1`) and how many requests reached it."""

    base_url: str
    requests: list[float] = field(default_factory=list)
    """Monotonic time of each request's arrival."""


def _read_request(conn: socket.socket) -> bool:
    """Read one request's head and body (Content-Length); False when the client went away."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return False
        body += chunk
    return True


def _chunk(text: str) -> bytes:
    event = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": text}}]}
    return f"data: {json.dumps(event)}\n\n".encode()


def _serve_one(conn: socket.socket, mode: Mode, stop: threading.Event, tokens: int, gap_s: float) -> None:
    def send_slowly(data: bytes) -> None:
        for i in range(len(data)):
            if stop.wait(1.0):
                return
            conn.sendall(data[i : i + 1])

    if mode == "silent":
        stop.wait(120)
    elif mode == "trickle":
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(ANSWER)}\r\n\r\n"
        send_slowly(head.encode() + ANSWER)
    elif mode == "trickle_body":
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(ANSWER)}\r\n\r\n"
        conn.sendall(head.encode())
        send_slowly(ANSWER)
    else:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
        sent = 0
        while mode == "sse_forever" or sent < tokens:
            if stop.wait(gap_s):
                return
            conn.sendall(_chunk(f"t{sent} "))
            sent += 1
        final = {
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        }
        conn.sendall(f"data: {json.dumps(final)}\n\ndata: [DONE]\n\n".encode())


@contextmanager
def stall_server(mode: Mode, *, tokens: int = 20, gap_s: float = 0.05) -> Iterator[StallServer]:
    """Run a misbehaving server on a free loopback port for the duration of the block."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()
    server = StallServer(base_url=f"http://127.0.0.1:{listener.getsockname()[1]}/v1")
    workers: list[threading.Thread] = []

    def handle(conn: socket.socket) -> None:
        with conn:
            try:
                if _read_request(conn):
                    server.requests.append(time.monotonic())
                    _serve_one(conn, mode, stop, tokens, gap_s)
            except OSError:  # the client gave up (its deadline): that is the point
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=handle, args=(conn,), daemon=True)
            worker.start()
            workers.append(worker)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield server
    finally:
        stop.set()
        acceptor.join(timeout=5)
        listener.close()
        for worker in workers:
            worker.join(timeout=5)
