"""Int8 weight-only layers: logits stay close, bytes shrink, constrained answers stay valid, the compiled
step runs them, and the `weights` option reaches the loader from the CLI and run.json."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import ValidationError
from transformers import AutoModelForCausalLM

from agent.cli.main import build_parser
from agent.llm.engine import DecodeEngine, EngineOptions
from agent.llm.errors import ModelLoadError, ModelRequestError
from agent.llm.factory import make_chat_model
from agent.llm.info import WEIGHTS_MODES
from agent.llm.local import LocalChatModel, load_local_model
from agent.llm.messages import ChatTurn
from agent.llm.quant import Int8Linear, quantize_int8, weight_footprint
from agent.run.session import RunSpec
from tests.llm.schemas import ACTION, RESPONSE_FORMAT
from tests.support.cli import sleuth

SYSTEM = ChatTurn(role="system", content="You are Sleuth. Investigate the host and report the findings.")
PROMPTS = [
    [SYSTEM, ChatTurn(role="user", content=text)]
    for text in (
        "Step 1: search auth.log for Failed password.",
        "Step 2: list processes of root.",
        "Nov 12 03:14:07 web01 sshd[1234]: Failed password for invalid user admin from 203.0.113.9",
        "sha256 hash of /tmp/.x/xmrig is in the intel store; persistence through cron.",
        '{"tool": "search_logs", "args": {"paths": ["/var/log/auth.log"]}}',
    )
]
MESSAGES = [
    SystemMessage("You are Sleuth. Propose exactly one read-only tool call as JSON."),
    HumanMessage("Step: find failed SSH logins. Evidence so far: none."),
]


def _logits(chat: LocalChatModel, turns: list[ChatTurn]) -> torch.Tensor:
    ids = torch.tensor([chat.runtime.render(turns)])
    with torch.inference_mode():
        logits: torch.Tensor = chat.runtime.model(input_ids=ids).logits[0].float()
    return logits


def test_int8_logits_stay_close_to_the_full_precision_logits(
    tiny_chat: LocalChatModel, tiny_chat_int8: LocalChatModel
) -> None:
    for turns in PROMPTS:
        full, int8 = _logits(tiny_chat, turns), _logits(tiny_chat_int8, turns)
        cosine = torch.nn.functional.cosine_similarity(full, int8, dim=-1)
        assert cosine.min().item() > 0.999  # seen: 0.99993 at worst (tiny random-weight fp32 model)
        agreement = (full.argmax(dim=-1) == int8.argmax(dim=-1)).float().mean().item()
        assert agreement >= 0.9  # seen: every position


@pytest.mark.parametrize(("dtype", "ratio"), [(torch.float32, 0.25), (torch.bfloat16, 0.5)])
def test_int8_layers_take_a_quarter_of_fp32_and_half_of_bf16(
    tiny_model_dir: Path, dtype: torch.dtype, ratio: float
) -> None:
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=dtype, local_files_only=True)
    linears = {
        name: m.weight.numel() * m.weight.element_size()
        for name, m in model.named_modules()
        if isinstance(m, torch.nn.Linear)
    }
    before = weight_footprint(model)
    assert quantize_int8(model) == len(linears) == 2 * 7 + 1  # q k v o gate up down per layer + head
    after = {
        name: m.weight.nbytes + m.scale.nbytes
        for name, m in model.named_modules()
        if isinstance(m, Int8Linear)
    }
    assert after.keys() == linears.keys()
    for name, size in after.items():
        assert ratio <= size / linears[name] <= ratio * 1.1, name  # + one scale per 64-128 weights
    embeddings = model.get_input_embeddings().weight
    assert isinstance(embeddings, torch.nn.Parameter) and embeddings.dtype == dtype  # lookup stays as is
    head = model.get_output_embeddings()
    assert isinstance(head, Int8Linear) and head.tied_copy
    footprint = weight_footprint(model)
    assert footprint.parameters == before.parameters  # the head's int8 copy is not counted twice
    assert before.streamed_bytes == before.resident_bytes  # tied: the head reads the embedding table
    assert footprint.streamed_bytes == footprint.resident_bytes - embeddings.nbytes
    assert footprint.streamed_bytes < before.streamed_bytes * (ratio + 0.05)
    assert quantize_int8(model) == 0  # nothing left to replace


def test_int8_constrained_answers_parse_and_validate(tiny_chat_int8: LocalChatModel) -> None:
    for seed in range(40):
        answer = tiny_chat_int8.invoke(MESSAGES, response_format=RESPONSE_FORMAT, temperature=1.0, seed=seed)
        assert isinstance(answer.content, str)
        ACTION.validate_python(json.loads(answer.content))  # raises on any violation
        assert answer.response_metadata["finish_reason"] == "stop"


@pytest.mark.filterwarnings("ignore:`torch.jit.script_method` is deprecated:DeprecationWarning")
def test_compiled_step_runs_int8_layers_like_the_eager_path(
    tiny_chat_int8: LocalChatModel, compiled_graphs: Callable[[], int]
) -> None:
    runtime = tiny_chat_int8.runtime

    def engine(**options: object) -> DecodeEngine:
        return DecodeEngine(
            runtime.model,
            text_vocab_size=len(runtime.tokenizer),
            stop_token_ids=sorted(runtime.engine.stop_token_ids),
            options=EngineOptions(**options),  # type: ignore[arg-type]
        )

    eager, compiled = (
        engine(),
        engine(static_cache=True, compile_step=True, tune_kernels=True, max_context=256),
    )
    for turns in PROMPTS[:3]:
        ids = runtime.render(turns)
        expected = eager.generate(ids, grammar=None, max_new_tokens=24).token_ids
        assert compiled.generate(ids, grammar=None, max_new_tokens=24).token_ids == expected
        assert compiled_graphs() == 1


def test_model_info_reports_int8_weights(tiny_chat: LocalChatModel, tiny_chat_int8: LocalChatModel) -> None:
    full, int8 = tiny_chat.info(), tiny_chat_int8.info()
    assert (full.weights, int8.weights) == ("model", "int8")
    assert int8.parameters == full.parameters and int8.dtype == full.dtype
    assert int8.decode_weight_bytes < full.decode_weight_bytes * 0.3  # fp32 -> int8
    assert int8.weight_bytes > int8.decode_weight_bytes  # the fp32 embedding table is only looked up


def test_sleuth_model_info_shows_the_weights(tiny_model_dir: Path) -> None:
    proc = sleuth("model", "info", "--model", str(tiny_model_dir), "--device", "cpu", "--weights", "int8")
    assert proc.returncode == 0, proc.stderr
    assert "int8 weight-only linear layers" in proc.stdout and "read per decoded token" in proc.stdout


def test_unknown_weights_are_refused(tiny_model_dir: Path) -> None:
    with pytest.raises(ModelLoadError, match="unknown weights 'int4'"):
        load_local_model(tiny_model_dir, device="cpu", weights="int4")  # type: ignore[arg-type]
    with pytest.raises(ModelRequestError, match="local backend only"):
        make_chat_model("openai", model="m", base_url="http://127.0.0.1:1/v1", weights="int8")


def test_the_cli_options_accept_exactly_the_weights_modes(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    commands = (["run", "linux.ssh.bruteforce", "--target", "local"], ["model", "info"])
    for argv in commands:
        assert parser.parse_args(argv).weights == "model"
        for mode in WEIGHTS_MODES:
            assert parser.parse_args([*argv, "--weights", mode]).weights == mode
        with pytest.raises(SystemExit):
            parser.parse_args([*argv, "--weights", "int4"])
    assert "invalid choice: 'int4'" in capsys.readouterr().err


def test_run_json_without_weights_still_loads() -> None:
    old = {"playbook_path": "/p.yaml", "target": "local", "backend": "local", "model": "m"}
    assert RunSpec.model_validate(old).weights == "model"
    spec = RunSpec.model_validate({**old, "weights": "int8"})
    assert RunSpec.model_validate_json(spec.model_dump_json()).weights == "int8"
    with pytest.raises(ValidationError):
        RunSpec.model_validate({**old, "weights": "int4"})
