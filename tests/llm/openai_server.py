"""A small real OpenAI-compatible server (stdlib http.server) that serves a LocalChatModel on 127.0.0.1.

`transformers serve` needs fastapi, uvicorn, openai and accelerate on top of our dependencies; this
server speaks the same `/v1/chat/completions` protocol (including `response_format` json_schema) over
real HTTP, so the OpenAI-compatible backend is tested end to end without a mock.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from agent.llm.errors import ModelError
from agent.llm.local import LocalChatModel

_ROLES: dict[str, type[BaseMessage]] = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}


@dataclass
class ServedModel:
    """A running server: its base URL and the requests it saw (for assertions)."""

    base_url: str
    requests: list[dict[str, object]]


def _handler(
    chat: LocalChatModel, api_key: str, seen: list[dict[str, object]]
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            if self.path.startswith("/html/"):  # a misconfigured proxy answering with a web page
                self._send(200, b"<html>gateway</html>", "text/html")
                return
            if self.path != "/v1/chat/completions":
                self._send(404, b'{"error": {"message": "not found"}}')
                return
            if self.headers.get("Authorization") != f"Bearer {api_key}":
                self._send(401, b'{"error": {"message": "bad api key"}}')
                return
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(request)
            messages = [_ROLES[m["role"]](content=m["content"]) for m in request["messages"]]
            limit = min(int(request.get("max_tokens") or chat.max_new_tokens), chat.max_new_tokens)
            options: dict[str, object] = {"max_new_tokens": limit}
            for key in ("response_format", "temperature", "seed"):
                if request.get(key) is not None:
                    options[key] = request[key]
            try:
                answer = chat.invoke(messages, **options)
            except ModelError as exc:
                self._send(400, json.dumps({"error": {"message": str(exc)}}).encode())
                return
            body = {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "model": request.get("model"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer.content},
                        "finish_reason": answer.response_metadata.get("finish_reason", "stop"),
                    }
                ],
            }
            self._send(200, json.dumps(body).encode())

    return Handler


@contextmanager
def serve(chat: LocalChatModel, *, api_key: str) -> Iterator[ServedModel]:
    """Run the server on a free loopback port for the duration of the block."""
    seen: list[dict[str, object]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(chat, api_key, seen))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ServedModel(base_url=f"http://127.0.0.1:{server.server_address[1]}", requests=seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
