"""The OpenAI-compatible backend: vLLM, llama.cpp server, Ollama, `transformers serve` over plain HTTP.

The JSON-schema `response_format` is passed through, so the server constrains the output; the answer is
still checked to be JSON here (and validated by the caller). Every call has one overall deadline and reports
its progress (`agent.llm.exchange`).
"""

from __future__ import annotations

import json
import os
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from agent.llm.budget import DEFAULT_DEADLINE_S, Deadline, ProgressMeter, call_deadline, progress_callback
from agent.llm.errors import ModelOutputError, ModelRequestError
from agent.llm.exchange import post_chat
from agent.llm.formats import parse_call_options
from agent.llm.messages import ChatTurn, to_turns


def chat_completions_url(base_url: str) -> str:
    """`<base>/v1/chat/completions`, whether or not `base_url` already ends in `/v1`."""
    base = base_url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ModelRequestError(f"base URL {base_url!r} must start with http:// or https://")
    return f"{base}/chat/completions" if base.endswith("/v1") else f"{base}/v1/chat/completions"


def _wire_turn(turn: ChatTurn) -> dict[str, str]:
    # A bare `tool` role needs a tool_call_id in the OpenAI protocol; we send tool output as user text.
    if turn.role == "tool":
        return {"role": "user", "content": f"Tool output:\n{turn.content}"}
    return {"role": turn.role, "content": turn.content}


class OpenAICompatChatModel(BaseChatModel):
    """A chat model behind an OpenAI-compatible `/v1/chat/completions` endpoint."""

    base_url: str
    """Server root (`http://127.0.0.1:8000` or `.../v1`)."""
    model_name: str
    """The `model` field sent to the server."""
    api_key_env: str | None = None
    """Name of the environment variable holding the API key (the key itself is never stored or logged)."""
    timeout_s: float = Field(default=DEFAULT_DEADLINE_S, gt=0, le=3600)
    """Overall seconds one call may take: connecting, waiting and reading together (connecting gives up after
    10 s). A caller's `deadline=` (a proposal's, across its retries) applies when it passes sooner."""
    stream_answer: bool = True
    """Ask for the answer as server-sent events (`stream: true`), to show tokens as they come; a server that
    answers in one JSON body anyway is read the same way."""
    max_new_tokens: int = Field(default=512, ge=1, le=32768)
    """`max_tokens` per call."""
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    """Sampling temperature (0 = greedy)."""

    @property
    def _llm_type(self) -> str:
        return "sleuth-openai-compatible"

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.api_key_env:
            key = os.environ.get(self.api_key_env)
            if not key:
                raise ModelRequestError(f"environment variable {self.api_key_env} (the API key) is not set")
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        options: dict[str, Any] = dict(kwargs)
        deadline = call_deadline(options, self.timeout_s) or Deadline(self.timeout_s)
        meter = ProgressMeter(progress_callback(options))
        fmt = parse_call_options(options)
        payload: dict[str, object] = {
            "model": self.model_name,
            "messages": [_wire_turn(t) for t in to_turns(messages)],
            "max_tokens": int(options.get("max_new_tokens", self.max_new_tokens)),
            "temperature": float(options.get("temperature", self.temperature)),
            "stream": self.stream_answer,
        }
        if options.get("seed") is not None:
            payload["seed"] = int(options["seed"])
        if stop:
            payload["stop"] = stop
        if fmt is not None:
            payload["response_format"] = fmt.to_openai()
        url = chat_completions_url(self.base_url)
        reply = post_chat(url, payload, self._headers(), deadline, meter)
        content, finish = reply.content, reply.finish
        if fmt is not None:
            if finish == "length":
                raise ModelOutputError("the server cut the JSON answer off at max_tokens")
            try:
                json.loads(content)
            except json.JSONDecodeError as exc:
                raise ModelOutputError(
                    f"the server's answer is not JSON ({exc}); does it honour response_format json_schema? "
                    f"answer starts {content[:120]!r}"
                ) from None
        message = AIMessage(
            content=content, response_metadata={"model_name": self.model_name, "finish_reason": finish}
        )
        return ChatResult(generations=[ChatGeneration(message=message)])
