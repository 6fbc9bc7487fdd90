"""The local backend: a langchain-core chat model over a transformers model with grammar-constrained JSON.

torch, transformers and xgrammar are imported only when a model is loaded (`import agent` stays light).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field, PrivateAttr

from agent.llm.budget import DEFAULT_DEADLINE_S, ProgressMeter, call_deadline, progress_callback
from agent.llm.errors import ModelRequestError
from agent.llm.formats import parse_call_options
from agent.llm.messages import to_turns
from agent.llm.resolve import resolve_model_dir

if TYPE_CHECKING:
    from agent.llm.info import ModelInfo, WeightsMode
    from agent.llm.runtime import LocalRuntime


class LocalChatModel(BaseChatModel):
    """A chat model running in this process; `response_format` JSON schemas are enforced by grammar."""

    model_name: str
    """The model asked for (hub id or path)."""
    max_new_tokens: int = Field(default=512, ge=1, le=8192)
    """Upper bound on new tokens per call (a call may lower it)."""
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    """0 = greedy (reproducible); above 0 samples."""
    timeout_s: float = Field(default=DEFAULT_DEADLINE_S, gt=0, le=3600)
    """Overall seconds one call's generation may take; it stops at the deadline (ModelDeadlineError). A
    caller's `deadline=` (a proposal's, across its retries) applies when it passes sooner."""
    _runtime: LocalRuntime | None = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "sleuth-local"

    @property
    def runtime(self) -> LocalRuntime:
        """The loaded model; set by `load_local_model`."""
        if self._runtime is None:
            raise ModelRequestError("LocalChatModel has no loaded model: build it with load_local_model()")
        return self._runtime

    def info(self) -> ModelInfo:
        """What is loaded, device, dtype, memory."""
        return self.runtime.info()

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        options: dict[str, Any] = dict(kwargs)
        deadline = call_deadline(options, self.timeout_s)
        meter = ProgressMeter(progress_callback(options))
        fmt = parse_call_options(options)
        max_new = int(options.get("max_new_tokens", self.max_new_tokens))
        if not 1 <= max_new <= self.max_new_tokens:
            raise ModelRequestError(f"max_new_tokens must be in 1..{self.max_new_tokens}, got {max_new}")
        seed = options.get("seed")
        completion = self.runtime.complete(
            to_turns(messages),
            response_format=fmt,
            max_new_tokens=max_new,
            temperature=float(options.get("temperature", self.temperature)),
            seed=None if seed is None else int(seed),
            stop=stop,
            deadline=deadline,
            meter=meter,
        )
        gen = completion.generation
        message = AIMessage(
            content=completion.text,
            response_metadata={
                "model_name": self.model_name,
                "finish_reason": completion.finish,
                "reused_prompt_tokens": gen.reused_tokens,
                "ttft_s": round(gen.ttft_s, 4),
                "decode_s": round(gen.decode_s, 4),
            },
            usage_metadata={
                "input_tokens": gen.prompt_tokens,
                "output_tokens": len(gen.token_ids),
                "total_tokens": gen.prompt_tokens + len(gen.token_ids),
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


def load_local_model(
    model: str | Path,
    *,
    device: str = "auto",
    dtype: str = "auto",
    offline: bool = True,
    fast: bool | None = None,
    max_context: int = 8192,
    max_new_tokens: int = 512,
    weights: WeightsMode = "model",
) -> LocalChatModel:
    """Load `model` (a directory, or a hub id in the HF cache) as a chat model; offline: never downloads.

    `weights="int8"`: int8 weight-only linear layers (half the bytes per decoded token against bf16).
    """
    from agent.llm.resolve import pull_model
    from agent.llm.runtime import load_runtime

    path = resolve_model_dir(model) if offline else _resolve_or_pull(model, pull_model)
    runtime = load_runtime(
        str(model), path, device=device, dtype=dtype, fast=fast, max_context=max_context, weights=weights
    )
    chat = LocalChatModel(model_name=str(model), max_new_tokens=max_new_tokens)
    chat._runtime = runtime
    return chat


def _resolve_or_pull(model: str | Path, pull: Any) -> Path:
    from agent.llm.errors import ModelNotFoundError

    try:
        return resolve_model_dir(model)
    except ModelNotFoundError:
        if isinstance(model, Path):
            raise
        path: Path = pull(str(model))
        return path


def warm_up(chat: LocalChatModel, schema_messages: Sequence[BaseMessage], response_format: object) -> None:
    """One short constrained call, so the first real call does not pay compilation (CUDA graphs, grammar)."""
    chat.invoke(list(schema_messages), response_format=response_format)
