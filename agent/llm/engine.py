"""The decode loop of the local backend: KV cache with prefix reuse, grammar masks, greedy or sampled tokens.

Imports torch and xgrammar at the top: import this module only when a local model is asked for.
Two cache kinds share one loop: a dynamic cache (CPU, MPS, and the fallback) and, on CUDA, a static
cache whose one-token decode step is compiled to a CUDA graph. Both keep the KV entries of the previous
call and reuse its longest common token prefix (the constant system prompt), so a case's later steps
prefill only what changed.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch
import xgrammar as xgr
from transformers import DynamicCache, StaticCache

from agent.llm.budget import Deadline
from agent.llm.errors import ModelOutputError, ModelRequestError

log = logging.getLogger("sleuth.llm")

FinishReason = Literal["stop", "length", "deadline"]


@dataclass(frozen=True)
class EngineOptions:
    """How the engine runs: cache kind, compilation, context size."""

    static_cache: bool = False
    """Static KV cache (fixed addresses, needed for CUDA graphs); dynamic otherwise."""
    compile_step: bool = False
    """Compile the one-token decode step (`reduce-overhead`: CUDA graphs). Only with `static_cache`."""
    tune_kernels: bool = False
    """Compile the step with inductor's coordinate-descent tuning too, under which one-row matmuls become
    fused reductions: an int8 weight's dequantisation then fuses into its GEMV instead of writing a
    full-precision copy each step (see `agent.llm.quant`). Slower first compile. Only with `compile_step`."""
    max_context: int = 8192
    """Static cache size in tokens: prompt plus new tokens must fit."""
    reuse_prefix: bool = True
    """Keep the previous call's KV entries and reuse the common token prefix."""


@dataclass(frozen=True)
class Generation:
    """One call's outcome: new tokens (stop token excluded), why it ended, and its timings."""

    token_ids: list[int]
    """New tokens, the final stop token excluded."""
    finish: FinishReason
    """`stop` (EOS; the grammar was complete), `length` (max_new_tokens reached), `deadline` (out of time)."""
    prompt_tokens: int
    """Prompt length in tokens."""
    reused_tokens: int
    """Prompt tokens whose KV entries came from the previous call (not prefilled again)."""
    ttft_s: float
    """Seconds from the call to the first token (prefill of the non-reused prompt part)."""
    decode_s: float
    """Seconds spent in the one-token decode steps after the first token."""
    decode_steps: int
    """How many one-token forward passes ran after the first token."""


def common_prefix_length(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common prefix of two token sequences."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _drop_last(cache: Any, tokens: int) -> None:
    """Forget the last `tokens` entries of `cache` (their KV values are overwritten by the next update)."""
    layers = getattr(cache, "layers", None)
    if layers is None or all(hasattr(layer, "crop") for layer in layers):
        cache.crop(-tokens)
        return
    # Static layers of older 5.x releases (5.17, the GPU image's) have no `crop`; newer ones crop exactly so:
    # move the fill counter back in place, which keeps the address a compiled step captured.
    lengths: list[torch.Tensor] = []
    for layer in layers:
        length = getattr(layer, "cumulative_length", None)
        if not isinstance(length, torch.Tensor):
            raise ModelRequestError(
                f"this transformers release cannot rewind a {type(layer).__name__}: use the dynamic cache "
                "(fast=False) or a newer transformers"
            )
        lengths.append(length)
    for length in lengths:  # all checked first: a refusal leaves the cache as it was
        length.sub_(tokens)


class DecodeEngine:
    """Runs generation for one loaded causal LM; one call at a time (a lock guards the shared cache)."""

    def __init__(
        self,
        model: Any,
        *,
        text_vocab_size: int,
        stop_token_ids: Sequence[int],
        options: EngineOptions,
    ) -> None:
        """Wrap `model`; ids at or above `text_vocab_size` (embedding padding) are never produced."""
        if not stop_token_ids:
            raise ModelRequestError("the model declares no EOS token: cannot tell where an answer ends")
        if options.compile_step and not options.static_cache:
            raise ModelRequestError("compile_step needs static_cache")
        if options.tune_kernels and not options.compile_step:
            raise ModelRequestError("tune_kernels needs compile_step")
        self.model = model
        self.options = options
        self.device = next(model.parameters()).device
        self.vocab_size = int(model.get_output_embeddings().weight.shape[0])
        self.text_vocab_size = min(text_vocab_size, self.vocab_size)
        self.stop_token_ids = frozenset(int(t) for t in stop_token_ids)
        self._lock = threading.Lock()
        self._cache: Any = None
        self._cached_ids: list[int] = []
        self._step: Callable[..., Any] | None = None
        params = inspect.signature(model.forward).parameters
        self._cache_arg = "cache" if "cache" in params else "past_key_values"

    # -- cache ---------------------------------------------------------------------------------

    def _fresh_cache(self) -> Any:
        if self.options.static_cache:
            return StaticCache(config=self.model.config, max_cache_len=self.options.max_context)
        return DynamicCache(config=self.model.config)

    def _rewind(self, prompt: Sequence[int]) -> int:
        """Drop cached entries past the reusable prefix; return how many prompt tokens are cached."""
        if self._cache is None:
            # One cache object for the engine's life: a compiled step is specialised on it.
            self._cache = self._fresh_cache()
            self._cached_ids = []
        keep = 0
        if self.options.reuse_prefix:
            keep = min(common_prefix_length(self._cached_ids, prompt), len(prompt) - 1)
        extra = len(self._cached_ids) - keep
        if extra > 0:
            _drop_last(self._cache, extra)
        del self._cached_ids[keep:]
        return keep

    def reset(self) -> None:
        """Forget the cached prefix (the next call prefills everything)."""
        with self._lock:
            if self._cache is not None and self._cached_ids:
                _drop_last(self._cache, len(self._cached_ids))
            self._cached_ids = []

    # -- forward passes ------------------------------------------------------------------------

    def _forward(self, ids: Sequence[int]) -> torch.Tensor:
        """Feed `ids` after the cached tokens; return the last position's logits as float32 [1, V]."""
        start = len(self._cached_ids)
        input_ids = torch.tensor([list(ids)], dtype=torch.long, device=self.device)
        positions = torch.arange(start, start + len(ids), device=self.device).unsqueeze(0)
        if len(ids) == 1 and self._step is not None:
            torch.compiler.cudagraph_mark_step_begin()  # type: ignore[no-untyped-call]
            logits = self._step(input_ids, positions)
        else:
            logits = self._model_step(input_ids, positions)
        self._cached_ids.extend(ids)
        last: torch.Tensor = logits[:, -1, :].float()
        return last

    def _model_step(self, input_ids: torch.Tensor, position_ids: torch.Tensor) -> Any:
        # transformers 5.x renamed `past_key_values` to `cache`; older releases only know the old name.
        cache_kw = {self._cache_arg: self._cache}
        out = self.model(
            input_ids=input_ids, position_ids=position_ids, use_cache=True, logits_to_keep=1, **cache_kw
        )
        return out.logits

    def _ensure_step(self) -> None:
        if not self.options.compile_step or self._step is not None:
            return
        # CUDA graphs: one captured graph replays the whole step; inputs keep their shapes ([1,1], [1]).
        if self.options.tune_kernels:
            # `reduce-overhead` is exactly {"triton.cudagraphs": True}; mode= and options= exclude each other.
            tuned: dict[str, str | int | bool | Callable[..., Any]] = {
                "triton.cudagraphs": True,
                "coordinate_descent_tuning": True,
            }
            self._step = torch.compile(self._model_step, fullgraph=True, options=tuned)
        else:
            self._step = torch.compile(self._model_step, mode="reduce-overhead", fullgraph=True)

    # -- the loop ------------------------------------------------------------------------------

    def generate(
        self,
        prompt: Sequence[int],
        *,
        grammar: xgr.CompiledGrammar | None,
        max_new_tokens: int,
        temperature: float = 0.0,
        seed: int | None = None,
        deadline: Deadline | None = None,
        on_token: Callable[[int], None] | None = None,
    ) -> Generation:
        """Generate after `prompt`: under `grammar` when given (stops when it is complete), greedy at T=0.

        `deadline`: stop after the token during which it passed (finish `deadline`; the prefill is one
        forward pass and cannot be cut). `on_token(n)`: called after each new token with the count so far.
        """
        if not prompt:
            raise ModelRequestError("empty prompt")
        if max_new_tokens < 1:
            raise ModelRequestError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        if self.options.static_cache and len(prompt) + max_new_tokens > self.options.max_context:
            raise ModelRequestError(
                f"prompt of {len(prompt)} tokens + {max_new_tokens} new tokens exceeds the context of "
                f"{self.options.max_context} tokens"
            )
        with self._lock, torch.inference_mode():
            return self._generate(
                list(prompt), grammar, max_new_tokens, temperature, seed, deadline, on_token
            )

    def _generate(
        self,
        prompt: list[int],
        grammar: xgr.CompiledGrammar | None,
        max_new_tokens: int,
        temperature: float,
        seed: int | None,
        deadline: Deadline | None,
        on_token: Callable[[int], None] | None,
    ) -> Generation:
        self._ensure_step()
        picker = _TokenPicker(self, grammar, temperature, seed)
        started = time.perf_counter()
        reused = self._rewind(prompt)
        logits = self._forward(prompt[reused:])
        picker.prepare_mask()
        token = picker.pick(logits)
        ttft = time.perf_counter() - started
        out: list[int] = []
        steps = 0
        finish: FinishReason = "length"
        while True:
            if token in self.stop_token_ids:
                finish = "stop"
                break
            out.append(token)
            if on_token is not None:
                on_token(len(out))
            if len(out) >= max_new_tokens:
                break
            if deadline is not None and deadline.expired:
                finish = "deadline"
                break
            logits = self._forward([token])  # queued on the device; the mask below overlaps it
            steps += 1
            picker.advance(token)
            token = picker.pick(logits)
        picker.finish(token if finish == "stop" else None)
        return Generation(
            token_ids=out,
            finish=finish,
            prompt_tokens=len(prompt),
            reused_tokens=reused,
            ttft_s=ttft,
            decode_s=time.perf_counter() - started - ttft,
            decode_steps=steps,
        )


class _TokenPicker:
    """Grammar state + bitmask + sampling for one call (a fresh matcher per call)."""

    def __init__(
        self, engine: DecodeEngine, grammar: xgr.CompiledGrammar | None, temperature: float, seed: int | None
    ) -> None:
        self.engine = engine
        self.temperature = temperature
        self.matcher = xgr.GrammarMatcher(grammar) if grammar is not None else None
        self.bitmask_cpu: torch.Tensor | None = None
        self.bitmask_dev: torch.Tensor | None = None
        if self.matcher is not None:
            self.bitmask_cpu = xgr.allocate_token_bitmask(1, engine.vocab_size)
            if engine.device.type == "cuda":
                self.bitmask_cpu = self.bitmask_cpu.pin_memory()
                self.bitmask_dev = torch.empty_like(self.bitmask_cpu, device=engine.device)
        self.generator: torch.Generator | None = None
        if temperature > 0:
            self.generator = torch.Generator(device=engine.device)
            self.generator.manual_seed(seed if seed is not None else int(torch.seed() % (2**63)))

    def advance(self, token: int) -> None:
        """Accept `token` into the grammar and compute the next mask (while the device runs)."""
        if self.matcher is not None:
            if not self.matcher.accept_token(token):
                raise ModelOutputError(f"the grammar refused token {token}: mask and sampling disagree")
            self.prepare_mask()

    def prepare_mask(self) -> None:
        """Fill the bitmask of tokens allowed next and start its copy to the device."""
        if self.matcher is None or self.bitmask_cpu is None:
            return
        self.matcher.fill_next_token_bitmask(self.bitmask_cpu)
        if self.bitmask_dev is not None:
            self.bitmask_dev.copy_(self.bitmask_cpu, non_blocking=True)

    def pick(self, logits: torch.Tensor) -> int:
        """Mask `logits` [1, V] and choose the next token."""
        if self.bitmask_cpu is not None:
            mask = self.bitmask_dev if self.bitmask_dev is not None else self.bitmask_cpu
            xgr.apply_token_bitmask_inplace(logits, mask)
        else:
            logits[:, self.engine.text_vocab_size :] = float("-inf")
        if self.generator is None:
            return int(torch.argmax(logits, dim=-1).item())
        probs = torch.softmax(logits / self.temperature, dim=-1)
        return int(torch.multinomial(probs, 1, generator=self.generator).item())

    def finish(self, stop_token: int | None) -> None:
        """Feed the final stop token to the grammar, which must then be complete."""
        if self.matcher is not None and stop_token is not None:
            self.matcher.accept_token(stop_token)
