"""Pick a chat model backend: the local transformers model or an OpenAI-compatible server."""

from __future__ import annotations

from typing import Literal

from langchain_core.language_models import BaseChatModel

from agent.llm.errors import ModelRequestError
from agent.llm.info import WeightsMode
from agent.llm.resolve import DEFAULT_MODEL, model_available

Backend = Literal["local", "openai"]


def make_chat_model(
    backend: Backend,
    *,
    model: str | None,
    base_url: str | None,
    device: str = "auto",
    api_key_env: str | None = None,
    weights: WeightsMode = "model",
) -> BaseChatModel:
    """The chat model for `backend`; `model` defaults to CyberSecQwen-4B (local, loaded offline).

    `weights` (local only): `int8` quantises the linear layers to int8 weight-only after loading.
    """
    if backend == "local":
        from agent.llm.local import load_local_model

        return load_local_model(model or DEFAULT_MODEL, device=device, weights=weights)
    if backend == "openai":
        from agent.llm.openai_compat import OpenAICompatChatModel

        if weights != "model":
            raise ModelRequestError(
                f"weights={weights!r} applies to the local backend only: an OpenAI-compatible server "
                "serves its model as it loaded it"
            )
        if not base_url:
            raise ModelRequestError("the openai backend needs --base-url (e.g. http://127.0.0.1:8000/v1)")
        return OpenAICompatChatModel(
            base_url=base_url, model_name=model or DEFAULT_MODEL, api_key_env=api_key_env
        )
    raise ModelRequestError(f"unknown backend {backend!r} (use local or openai)")


def default_model_available() -> bool:
    """Whether CyberSecQwen-4B can be loaded offline (HF cache): the demo uses it, else guided mode."""
    return model_available(DEFAULT_MODEL)
