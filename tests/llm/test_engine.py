"""The decode engine: prefix KV reuse and the static-cache path give the same tokens as a fresh prefill."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agent.llm.engine import DecodeEngine, EngineOptions, common_prefix_length
from agent.llm.errors import ModelRequestError
from agent.llm.local import LocalChatModel
from agent.llm.messages import ChatTurn

SYSTEM = ChatTurn(role="system", content="You are Sleuth. Investigate the host and report the findings.")
STEPS = [
    [SYSTEM, ChatTurn(role="user", content="Step 1: search auth.log for Failed password.")],
    [SYSTEM, ChatTurn(role="user", content="Step 2: list processes of root.")],
    [
        SYSTEM,
        ChatTurn(role="user", content="Step 2: list processes of root."),
        ChatTurn(role="tool", content="xmrig"),
    ],
]


def _engine(chat: LocalChatModel, **options: object) -> DecodeEngine:
    runtime = chat.runtime
    return DecodeEngine(
        runtime.model,
        text_vocab_size=len(runtime.tokenizer),
        stop_token_ids=sorted(runtime.engine.stop_token_ids),
        options=EngineOptions(**options),  # type: ignore[arg-type]
    )


def _run(chat: LocalChatModel, engine: DecodeEngine) -> list[tuple[list[int], int]]:
    out = []
    for turns in STEPS:
        gen = engine.generate(chat.runtime.render(turns), grammar=None, max_new_tokens=24)
        out.append((gen.token_ids, gen.reused_tokens))
    return out


def test_prefix_reuse_gives_the_same_greedy_tokens(tiny_chat: LocalChatModel) -> None:
    fresh = _run(tiny_chat, _engine(tiny_chat, reuse_prefix=False))
    reused = _run(tiny_chat, _engine(tiny_chat, reuse_prefix=True))
    assert [t for t, _ in reused] == [t for t, _ in fresh]
    assert all(n == 0 for _, n in fresh)
    system_tokens = len(tiny_chat.runtime.render([SYSTEM]))
    assert reused[0][1] == 0
    assert reused[1][1] >= system_tokens - 4  # the system turn is reused (the generation prompt may differ)
    assert reused[2][1] > reused[1][1]  # step 2's whole prompt is a prefix of its follow-up


def test_static_cache_path_matches_the_dynamic_path(tiny_chat: LocalChatModel) -> None:
    dynamic = _run(tiny_chat, _engine(tiny_chat))
    static = _run(tiny_chat, _engine(tiny_chat, static_cache=True, max_context=512))
    assert [t for t, _ in static] == [t for t, _ in dynamic]
    assert static[2][1] > 0


@pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")
def test_compiled_step_matches_the_dynamic_path_without_recompiling(
    tiny_chat: LocalChatModel, compiled_graphs: Callable[[], int]
) -> None:
    # On the CPU `reduce-overhead` skips CUDA graphs but compiles the same step with inductor (~5-20 s).
    dynamic = _run(tiny_chat, _engine(tiny_chat))
    engine = _engine(tiny_chat, static_cache=True, compile_step=True, max_context=256)
    compiled = []
    for turns in STEPS:
        gen = engine.generate(tiny_chat.runtime.render(turns), grammar=None, max_new_tokens=24)
        compiled.append((gen.token_ids, gen.reused_tokens))
        assert compiled_graphs() == 1  # compiled by the first call, replayed by the later ones
    assert [t for t, _ in compiled] == [t for t, _ in dynamic]
    assert compiled[1][1] > 0 and compiled[2][1] > compiled[1][1]  # later calls reused the prefix
    assert all(len(t) > 1 for t, _ in compiled)  # the compiled one-token step did run


def test_static_cache_rewinds_on_releases_whose_static_layers_cannot_crop(
    tiny_chat: LocalChatModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transformers.cache_utils import StaticLayer

    monkeypatch.delattr(StaticLayer, "crop", raising=False)  # as in transformers 5.17, the GPU image's
    dynamic = _run(tiny_chat, _engine(tiny_chat))
    static = _run(tiny_chat, _engine(tiny_chat, static_cache=True, max_context=512))
    assert [t for t, _ in static] == [t for t, _ in dynamic]
    assert static[1][1] > 0 and static[2][1] > static[1][1]


def test_static_cache_refuses_a_prompt_longer_than_its_context(tiny_chat: LocalChatModel) -> None:
    engine = _engine(tiny_chat, static_cache=True, max_context=32)
    with pytest.raises(ModelRequestError, match="exceeds the context of 32 tokens"):
        engine.generate(list(range(3, 30)), grammar=None, max_new_tokens=8)


def test_reset_forgets_the_prefix(tiny_chat: LocalChatModel) -> None:
    engine = _engine(tiny_chat)
    ids = tiny_chat.runtime.render(STEPS[0])
    engine.generate(ids, grammar=None, max_new_tokens=4)
    engine.reset()
    assert engine.generate(ids, grammar=None, max_new_tokens=4).reused_tokens == 0


def test_common_prefix_length() -> None:
    assert common_prefix_length([1, 2, 3], [1, 2, 4, 5]) == 2
    assert common_prefix_length([], [1]) == 0
    assert common_prefix_length([7, 8], [7, 8]) == 2
