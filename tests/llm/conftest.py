"""Fixtures: one tiny Qwen3-shaped model on disk, loaded once through the real loading code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agent.llm.local import LocalChatModel, load_local_model
from tests.llm.openai_server import ServedModel, serve
from tests.llm.tiny_model import build_tiny_model


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight chat model (config, safetensors, trained tokenizer) written once per session."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-qwen3") / "model")


@pytest.fixture(scope="session")
def tiny_chat(tiny_model_dir: Path) -> LocalChatModel:
    """The tiny model loaded by `load_local_model` on the CPU."""
    return load_local_model(tiny_model_dir, device="cpu", max_new_tokens=256)


@pytest.fixture(scope="session")
def tiny_chat_int8(tiny_model_dir: Path) -> LocalChatModel:
    """The same tiny model loaded with int8 weight-only linear layers (`weights="int8"`)."""
    return load_local_model(tiny_model_dir, device="cpu", max_new_tokens=256, weights="int8")


@pytest.fixture(scope="session")
def openai_server(tiny_chat: LocalChatModel) -> Iterator[ServedModel]:
    """A real OpenAI-compatible HTTP server on 127.0.0.1 serving the tiny model."""
    with serve(tiny_chat, api_key="sk-test-key-do-not-log") as served:
        yield served


@pytest.fixture
def compiled_graphs() -> Iterator[Callable[[], int]]:
    """Dynamo from a clean slate, any recompilation an error; yields a count of graphs compiled since."""
    import torch
    from torch._dynamo.utils import counters

    torch._dynamo.reset()
    counters.clear()
    # The config module's own patch: monkeypatch's undo deletes the option from it.
    with torch._dynamo.config.patch(error_on_recompile=True):
        yield lambda: int(counters["stats"]["unique_graphs"])
    torch._dynamo.reset()
