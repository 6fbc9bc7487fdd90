"""Grammar-constrained decoding on a random-weight model: every answer parses and validates."""

from __future__ import annotations

import json

import pytest
import xgrammar as xgr
from langchain_core.messages import HumanMessage, SystemMessage

from agent.llm.errors import ModelOutputError, ModelRequestError
from agent.llm.formats import parse_response_format
from agent.llm.local import LocalChatModel
from tests.llm.schemas import ACTION, RESPONSE_FORMAT

MESSAGES = [
    SystemMessage("You are Sleuth. Propose exactly one read-only tool call as JSON."),
    HumanMessage("Step: find failed SSH logins. Evidence so far: none."),
]


def test_every_sampled_answer_parses_and_validates(tiny_chat: LocalChatModel) -> None:
    tools = set()
    for seed in range(40):
        answer = tiny_chat.invoke(MESSAGES, response_format=RESPONSE_FORMAT, temperature=1.0, seed=seed)
        assert isinstance(answer.content, str)
        action = ACTION.validate_python(json.loads(answer.content))  # raises on any violation
        tools.add(action.tool)
        assert answer.response_metadata["finish_reason"] == "stop"
        assert "<|im_end|>" not in answer.content and "<|endoftext|>" not in answer.content
    assert tools <= {"search_logs", "list_processes"}


def test_greedy_answer_is_reproducible(tiny_chat: LocalChatModel) -> None:
    first = tiny_chat.invoke(MESSAGES, response_format=RESPONSE_FORMAT)
    second = tiny_chat.invoke(MESSAGES, response_format=RESPONSE_FORMAT)
    assert first.content == second.content
    ACTION.validate_json(str(first.content))


def test_an_off_playbook_tool_name_is_impossible(tiny_chat: LocalChatModel) -> None:
    fmt = parse_response_format(RESPONSE_FORMAT)
    assert fmt is not None
    grammar = tiny_chat.runtime.grammars.json_schema(fmt.schema_text)
    refused = xgr.GrammarMatcher(grammar)
    assert not refused.accept_string('{"tool":"delete_')
    allowed = xgr.GrammarMatcher(grammar)
    assert allowed.accept_string('{"tool":"list_processes","args":{},"rationale":"x"}')


def test_grammars_are_compiled_once_per_schema(tiny_chat: LocalChatModel) -> None:
    cache = tiny_chat.runtime.grammars
    tiny_chat.invoke(MESSAGES, response_format=RESPONSE_FORMAT, max_new_tokens=200)
    size = len(cache)
    tiny_chat.invoke(MESSAGES, response_format=RESPONSE_FORMAT, max_new_tokens=200, temperature=1.0, seed=3)
    assert len(cache) == size


def test_an_answer_cut_off_by_the_token_limit_is_an_error(tiny_chat: LocalChatModel) -> None:
    with pytest.raises(ModelOutputError, match="cut off at max_new_tokens=3"):
        tiny_chat.invoke(MESSAGES, response_format=RESPONSE_FORMAT, max_new_tokens=3)


def test_unconstrained_sampling_never_emits_embedding_padding_ids(tiny_chat: LocalChatModel) -> None:
    runtime = tiny_chat.runtime
    assert runtime.engine.vocab_size > len(runtime.tokenizer)  # the tiny model pads like the real one
    from agent.llm.messages import to_turns

    ids = runtime.render(to_turns(MESSAGES))
    for seed in range(5):
        out = runtime.engine.generate(ids, grammar=None, max_new_tokens=60, temperature=1.0, seed=seed)
        assert all(t < len(runtime.tokenizer) for t in out.token_ids)


@pytest.mark.parametrize(
    ("response_format", "message"),
    [
        ({"type": "json_object"}, "not a json_schema format"),
        ({"type": "json_schema", "json_schema": {"name": "bad name!", "schema": {}}}, "json_schema.name"),
        ("json", "must be a mapping"),
    ],
)
def test_a_bad_response_format_is_refused(
    tiny_chat: LocalChatModel, response_format: object, message: str
) -> None:
    with pytest.raises(ModelRequestError, match=message):
        tiny_chat.invoke(MESSAGES, response_format=response_format)


def test_unknown_call_options_are_refused(tiny_chat: LocalChatModel) -> None:
    with pytest.raises(ModelRequestError, match="unsupported call options: top_k"):
        tiny_chat.invoke(MESSAGES, top_k=5)
