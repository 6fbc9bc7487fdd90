"""The OpenAI-compatible backend against a real HTTP server (tests/llm/openai_server.py) on loopback."""

from __future__ import annotations

import json
import socket

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from agent.llm.errors import ModelOutputError, ModelRequestError, ModelUnavailableError
from agent.llm.factory import make_chat_model
from agent.llm.openai_compat import OpenAICompatChatModel, chat_completions_url
from tests.llm.openai_server import ServedModel
from tests.llm.schemas import ACTION, RESPONSE_FORMAT

MESSAGES = [SystemMessage("You are Sleuth."), HumanMessage("Next step?")]
KEY_ENV = "SLEUTH_TEST_API_KEY"


@pytest.fixture
def client(openai_server: ServedModel, monkeypatch) -> OpenAICompatChatModel:
    monkeypatch.setenv(KEY_ENV, "sk-test-key-do-not-log")
    model = make_chat_model(
        "openai", model="tiny", base_url=openai_server.base_url + "/v1", api_key_env=KEY_ENV
    )
    assert isinstance(model, OpenAICompatChatModel)
    return model


def test_constrained_answers_come_back_valid(
    client: OpenAICompatChatModel, openai_server: ServedModel
) -> None:
    for seed in range(5):
        answer = client.invoke(MESSAGES, response_format=RESPONSE_FORMAT, temperature=1.0, seed=seed)
        ACTION.validate_python(json.loads(str(answer.content)))
    sent = openai_server.requests[-1]
    assert sent["response_format"] == RESPONSE_FORMAT
    assert sent["model"] == "tiny" and sent["seed"] == 4


def test_the_api_key_is_sent_but_never_shown(client: OpenAICompatChatModel) -> None:
    assert "sk-test-key" not in repr(client) and "sk-test-key" not in client.model_dump_json()


def test_a_wrong_api_key_is_an_http_error(client: OpenAICompatChatModel, monkeypatch) -> None:
    monkeypatch.setenv(KEY_ENV, "wrong")
    with pytest.raises(ModelUnavailableError, match="HTTP 401"):
        client.invoke(MESSAGES)


def test_a_missing_api_key_variable_is_named(openai_server: ServedModel, monkeypatch) -> None:
    monkeypatch.delenv("SLEUTH_NO_SUCH_KEY", raising=False)
    model = OpenAICompatChatModel(
        base_url=openai_server.base_url, model_name="t", api_key_env="SLEUTH_NO_SUCH_KEY"
    )
    with pytest.raises(ModelRequestError, match="SLEUTH_NO_SUCH_KEY"):
        model.invoke(MESSAGES)


def test_an_unreachable_server_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    model = OpenAICompatChatModel(base_url=f"http://127.0.0.1:{port}", model_name="t", timeout_s=5)
    with pytest.raises(
        ModelUnavailableError, match=f"cannot reach the model server at http://127.0.0.1:{port}"
    ):
        model.invoke(MESSAGES)


def test_a_non_json_reply_is_a_clear_error(openai_server: ServedModel) -> None:
    model = OpenAICompatChatModel(base_url=openai_server.base_url + "/html", model_name="t")
    with pytest.raises(ModelOutputError, match="non-JSON reply"):
        model.invoke(MESSAGES)


def test_a_token_limit_cut_is_reported(client: OpenAICompatChatModel) -> None:
    with pytest.raises(ModelUnavailableError, match=r"HTTP 400.*cut off"):
        client.invoke(MESSAGES, response_format=RESPONSE_FORMAT, max_new_tokens=3)


def test_base_urls() -> None:
    assert chat_completions_url("http://h:1") == "http://h:1/v1/chat/completions"
    assert chat_completions_url("http://h:1/v1/") == "http://h:1/v1/chat/completions"
    with pytest.raises(ModelRequestError, match="must start with http"):
        chat_completions_url("h:1")
