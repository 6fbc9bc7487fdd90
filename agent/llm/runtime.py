"""A loaded local model: tokenizer, weights, decode engine and grammar cache (imports torch; load lazily)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import xgrammar as xgr
from transformers import AutoModelForCausalLM, AutoTokenizer

from agent.llm.budget import Deadline, ProgressMeter
from agent.llm.device import describe_accelerator, pick_device, pick_dtype
from agent.llm.engine import DecodeEngine, EngineOptions, FinishReason, Generation
from agent.llm.errors import ModelDeadlineError, ModelLoadError, ModelOutputError, ModelRequestError
from agent.llm.formats import JsonSchemaFormat
from agent.llm.grammars import GrammarCache
from agent.llm.info import CPU_WARNING, WEIGHTS_MODES, ModelInfo, WeightsMode
from agent.llm.messages import ChatTurn
from agent.llm.quant import is_quantized, quantize_int8, weight_footprint

log = logging.getLogger("sleuth.llm")


@dataclass(frozen=True)
class Completion:
    """The decoded answer of one call."""

    text: str
    """The answer text (JSON text when a format was given)."""
    finish: FinishReason
    """`stop` (EOS / grammar complete) or `length` (max_new_tokens reached)."""
    generation: Generation
    """Token ids and timings."""


def stop_token_ids(model: Any, tokenizer: Any) -> list[int]:
    """EOS ids of the generation config, the model config and the tokenizer, deduplicated."""
    ids: list[int] = []
    for source in (model.generation_config.eos_token_id, model.config.eos_token_id, tokenizer.eos_token_id):
        values = source if isinstance(source, list) else [source]
        ids.extend(int(v) for v in values if v is not None and int(v) not in ids)
    return ids


class LocalRuntime:
    """Everything one local model needs to answer chat calls."""

    def __init__(self, *, name: str, path: Path, tokenizer: Any, model: Any, options: EngineOptions) -> None:
        """Wire tokenizer + model into an engine and a grammar cache."""
        if getattr(tokenizer, "chat_template", None) is None:
            raise ModelLoadError(f"the tokenizer in {path} has no chat template: not a chat model")
        self.name = name
        self.path = path
        self.tokenizer = tokenizer
        self.model = model
        stops = stop_token_ids(model, tokenizer)
        self.engine = DecodeEngine(
            model, text_vocab_size=len(tokenizer), stop_token_ids=stops, options=options
        )
        info = xgr.TokenizerInfo.from_huggingface(
            tokenizer, vocab_size=self.engine.vocab_size, stop_token_ids=stops
        )
        self.grammars = GrammarCache(info)

    def render(self, turns: Sequence[ChatTurn]) -> list[int]:
        """Token ids of the chat-template rendering, with the assistant turn opened."""
        text = self.tokenizer.apply_chat_template(
            [t.model_dump() for t in turns], tokenize=False, add_generation_prompt=True, enable_thinking=False
        )
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def complete(
        self,
        turns: Sequence[ChatTurn],
        *,
        response_format: JsonSchemaFormat | None,
        max_new_tokens: int,
        temperature: float = 0.0,
        seed: int | None = None,
        stop: Sequence[str] | None = None,
        deadline: Deadline | None = None,
        meter: ProgressMeter | None = None,
    ) -> Completion:
        """Answer the conversation; under a JSON-schema grammar when `response_format` is given.

        Generation stops when `deadline` passes (ModelDeadlineError); `meter` hears the token count.
        """
        grammar = None if response_format is None else self.grammars.json_schema(response_format.schema_text)
        generation = self.engine.generate(
            self.render(turns),
            grammar=grammar,
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            seed=seed,
            deadline=deadline,
            on_token=None if meter is None else meter.update,
        )
        if meter is not None:
            meter.update(len(generation.token_ids), force=True)
        if generation.finish == "deadline" and deadline is not None:
            raise ModelDeadlineError(
                f"the local model {self.name} did not finish its answer within {deadline.seconds:g} s "
                f"({len(generation.token_ids)} tokens generated)"
            )
        text = self.tokenizer.decode(generation.token_ids, skip_special_tokens=False)
        if response_format is None:
            for marker in stop or ():
                text = text.split(marker, 1)[0]
            return Completion(text=text, finish=generation.finish, generation=generation)
        if generation.finish != "stop":
            raise ModelOutputError(
                f"the {response_format.json_schema.name} answer was cut off at "
                f"max_new_tokens={max_new_tokens} "
                "before the JSON was complete; raise max_new_tokens or tighten the schema's string bounds"
            )
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:  # the grammar makes this unreachable; never pass bad JSON on
            raise ModelOutputError(f"constrained answer is not JSON ({exc}): {text[:200]!r}") from exc
        return Completion(text=text, finish=generation.finish, generation=generation)

    def info(self) -> ModelInfo:
        """What is loaded, where, and how big."""
        params = list(self.model.parameters())
        footprint = weight_footprint(self.model)
        device = str(self.engine.device)
        memory = torch.cuda.memory_allocated(self.engine.device) if device.startswith("cuda") else None
        return ModelInfo(
            model=self.name,
            path=str(self.path),
            architecture=type(self.model).__name__,
            device=device,
            accelerator=describe_accelerator(device),
            dtype=str(params[0].dtype).removeprefix("torch."),
            parameters=footprint.parameters,
            weights="int8" if is_quantized(self.model) else "model",
            weight_bytes=footprint.resident_bytes,
            decode_weight_bytes=footprint.streamed_bytes,
            device_memory_bytes=memory,
            vocab_size=self.engine.vocab_size,
            tokenizer_size=len(self.tokenizer),
            stop_token_ids=sorted(self.engine.stop_token_ids),
            max_position_embeddings=int(getattr(self.model.config, "max_position_embeddings", 0) or 0),
            static_cache=self.engine.options.static_cache,
            compiled_step=self.engine.options.compile_step,
            warning=CPU_WARNING if device == "cpu" else None,
        )


def load_runtime(
    name: str,
    path: Path,
    *,
    device: str = "auto",
    dtype: str = "auto",
    fast: bool | None = None,
    max_context: int = 8192,
    weights: WeightsMode = "model",
) -> LocalRuntime:
    """Load tokenizer and weights from `path`, offline; fast (default on CUDA): static cache, CUDA graphs.

    `weights="int8"` quantises the linear layers to int8 weight-only after loading (`agent.llm.quant`).
    """
    where = pick_device(device)
    torch_dtype = pick_dtype(where, dtype)
    if weights not in WEIGHTS_MODES:
        raise ModelLoadError(f"unknown weights {weights!r} (use one of: {', '.join(WEIGHTS_MODES)})")
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch_dtype, local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"cannot load the model in {path}: {exc}") from exc
    model = model.to(where).eval()  # type: ignore[arg-type]
    if weights == "int8":
        layers = quantize_int8(model)
        log.info("int8 weight-only: %d linear layers quantised", layers)
    on_cuda = where.startswith("cuda")
    use_fast = on_cuda if fast is None else fast
    if max_context < 16:
        raise ModelRequestError(f"max_context must be >= 16, got {max_context}")
    compile_step = use_fast and on_cuda
    options = EngineOptions(
        static_cache=use_fast,
        compile_step=compile_step,
        tune_kernels=compile_step and weights == "int8",  # the dequantisation fuses only when tuned
        max_context=max_context,
    )
    if where == "cpu":
        log.warning(CPU_WARNING)
    return LocalRuntime(name=name, path=path, tokenizer=tokenizer, model=model, options=options)
