"""The OpenAI-compatible backend: vLLM, llama.cpp server, Ollama, `transformers serve` over plain HTTP.

The JSON-schema `response_format` is passed through, so the server constrains the output; the answer is
still checked to be JSON here (and validated by the caller).
"""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from agent.llm.errors import ModelOutputError, ModelRequestError, ModelUnavailableError
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
    timeout_s: float = Field(default=120.0, gt=0, le=3600)
    """Seconds to wait for an answer (connecting gives up after 10 s)."""
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
        fmt = parse_call_options(kwargs)
        payload: dict[str, object] = {
            "model": self.model_name,
            "messages": [_wire_turn(t) for t in to_turns(messages)],
            "max_tokens": int(kwargs.get("max_new_tokens", self.max_new_tokens)),
            "temperature": float(kwargs.get("temperature", self.temperature)),
            "stream": False,
        }
        if kwargs.get("seed") is not None:
            payload["seed"] = int(kwargs["seed"])
        if stop:
            payload["stop"] = stop
        if fmt is not None:
            payload["response_format"] = fmt.to_openai()
        body = self._post(payload)
        content, finish = _read_choice(body)
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

    def _post(self, payload: dict[str, object]) -> object:
        url = chat_completions_url(self.base_url)
        timeout = httpx.Timeout(self.timeout_s, connect=min(10.0, self.timeout_s))
        try:
            response = httpx.post(url, json=payload, headers=self._headers(), timeout=timeout)
        except httpx.TimeoutException:
            raise ModelUnavailableError(
                f"the model server at {url} did not answer within {self.timeout_s:g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise ModelUnavailableError(f"cannot reach the model server at {url}: {exc}") from None
        if response.status_code >= 400:
            raise ModelUnavailableError(
                f"the model server at {url} answered HTTP {response.status_code}: {response.text[:300]}"
            )
        try:
            return response.json()
        except ValueError:
            raise ModelOutputError(
                f"the model server at {url} sent a non-JSON reply: {response.text[:200]!r}"
            ) from None


def _read_choice(body: object) -> tuple[str, str]:
    """(content, finish_reason) of the first choice of a chat-completions reply."""
    try:
        choice = body["choices"][0]  # type: ignore[index]
        content = choice["message"]["content"]
        finish = str(choice.get("finish_reason") or "stop")
    except (KeyError, IndexError, TypeError, AttributeError):
        raise ModelOutputError(
            f"the server's reply has no choices[0].message.content: {str(body)[:200]}"
        ) from None
    if not isinstance(content, str):
        raise ModelOutputError("the server's reply has no text content")
    return content, finish
