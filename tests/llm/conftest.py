"""Fixtures: one tiny Qwen3-shaped model on disk, loaded once through the real loading code."""

from __future__ import annotations

from collections.abc import Iterator
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
def openai_server(tiny_chat: LocalChatModel) -> Iterator[ServedModel]:
    """A real OpenAI-compatible HTTP server on 127.0.0.1 serving the tiny model."""
    with serve(tiny_chat, api_key="sk-test-key-do-not-log") as served:
        yield served
