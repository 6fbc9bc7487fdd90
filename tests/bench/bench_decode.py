"""Benchmark: decode speed of the local backend on the exact CyberSecQwen-4B shape (random weights, bf16).

A script, not a test: `python tests/bench/bench_decode.py` on a CUDA GPU; `--tiny` runs the same code path
with a tiny shape on the CPU (a smoke check). Prints one JSON object: our engine's decode tokens/s and
time-to-first-token with and without constrained decoding, plain `model.generate()` (eager, dynamic cache)
with and without the xgrammar logits processor, and the memory-bandwidth bound (copy bandwidth / weight
bytes). Then (unless `--skip-int8`) it quantises the same model in place to int8 weight-only
(`agent.llm.quant`) and measures our engine again (`ours_int8`: ratios to both bounds, plus how close the
int8 logits stay: top-1 agreement and cosine, teacher-forced on the full-precision greedy tokens).
Target on one H100: ours >= 250 tokens/s constrained, constraint cost <= 10%. Progress lines (one JSON
object per stage) go to stderr as each stage ends.

The grammar needs a vocabulary: a synthetic one of the model's size is built from words and symbols of
the Python standard library's sources (space-prefixed words, digit runs, punctuation runs, like a BPE
vocabulary), so mask computation costs what it costs on a real ~152k vocabulary. No download, no weights.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import statistics
import sys
import sysconfig
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch
import transformers
import xgrammar as xgr
from transformers import Qwen3Config, Qwen3ForCausalLM

from agent.llm.engine import DecodeEngine, EngineOptions
from agent.llm.grammars import GrammarCache
from agent.llm.quant import quantize_int8, weight_footprint

FULL = {
    "vocab_size": 151936,
    "hidden_size": 2560,
    "intermediate_size": 9728,
    "num_hidden_layers": 36,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "head_dim": 128,
    "max_position_embeddings": 32768,
}
TINY = {
    "vocab_size": 640,
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 16,
    "max_position_embeddings": 4096,
}
_PIECE = re.compile(r" ?[A-Za-z_]+| ?\d{1,3}| ?[^\sA-Za-z\d]{1,3}|\n+ *| +")


def synthetic_vocab(size: int) -> list[str]:
    """`size` distinct token strings: the 256 bytes first, then frequent pieces of stdlib source text."""
    vocab = [chr(b) if 32 <= b < 127 else bytes([b]).decode("latin-1") for b in range(256)]
    seen = set(vocab)
    counts: collections.Counter[str] = collections.Counter()
    for path in sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py"))[:1500]:
        text = path.read_text(encoding="utf-8", errors="replace")
        counts.update(_PIECE.findall(text))
        if len(counts) > size * 2:
            break
    for piece, _ in counts.most_common():
        if len(vocab) >= size - 1:
            break
        if piece not in seen:
            seen.add(piece)
            vocab.append(piece)
    n = 0
    while len(vocab) < size - 1:  # pad with unique filler pieces when the sources run out
        vocab.append(f" w{n}")
        n += 1
    vocab.append("<|im_end|>")  # the stop token, last id
    return vocab


def build_model(shape: dict[str, int], device: str, dtype: torch.dtype) -> Any:
    """A random-weight Qwen3ForCausalLM of `shape`, built directly on `device` in `dtype`."""
    config = Qwen3Config(
        **shape,
        rope_parameters={"rope_type": "default", "rope_theta": 5_000_000.0},
        tie_word_embeddings=True,
        eos_token_id=shape["vocab_size"] - 1,
        pad_token_id=0,
        bos_token_id=0,
    )
    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = Qwen3ForCausalLM(config)
    finally:
        torch.set_default_dtype(previous)
    model.generation_config.eos_token_id = shape["vocab_size"] - 1
    model.generation_config.pad_token_id = 0
    return model.eval()


def sync(device: str) -> None:
    """Wait for queued device work."""
    if device == "cuda":
        torch.cuda.synchronize()


def copy_bandwidth(device: str, mib: int) -> float:
    """Bytes/s of a large device-to-device copy (read + write counted)."""
    src = torch.empty(mib * 2**20, dtype=torch.uint8, device=device)
    dst = torch.empty_like(src)
    dst.copy_(src)
    sync(device)
    reps = 10
    started = time.perf_counter()
    for _ in range(reps):
        dst.copy_(src)
    sync(device)
    return 2 * src.numel() * reps / (time.perf_counter() - started)


def notes_schema(items: int) -> str:
    """A schema whose shortest answer is longer than the measured token count (so every run decodes N)."""
    item = {"type": "string", "pattern": "^[a-z ]{4,12}$"}
    schema = {
        "type": "object",
        "properties": {"notes": {"type": "array", "items": item, "minItems": items, "maxItems": items}},
        "required": ["notes"],
    }
    return json.dumps(schema)


def run_ours(
    engine: DecodeEngine, prompt: list[int], grammar: Any, new: int, repeat: int
) -> dict[str, float]:
    """Our engine: median decode tokens/s and TTFT over `repeat` runs (after one warm-up run)."""
    engine.generate(prompt, grammar=grammar, max_new_tokens=new)  # compile / capture / grammar warm-up
    rates, ttfts = [], []
    for _ in range(repeat):
        gen = engine.generate(prompt, grammar=grammar, max_new_tokens=new)
        rates.append(gen.decode_steps / gen.decode_s)
        ttfts.append(gen.ttft_s)
    return {"decode_tok_s": statistics.median(rates), "ttft_s": statistics.median(ttfts), "tokens": new}


def run_generate(model: Any, prompt: list[int], grammar: Any, new: int, device: str) -> dict[str, float]:
    """Plain `model.generate()` (eager, dynamic cache); constrained: the xgrammar HF logits processor."""
    from xgrammar.contrib.hf import LogitsProcessor

    ids = torch.tensor([prompt], device=device)

    def timed(max_new: int) -> float:
        processors = [LogitsProcessor(grammar)] if grammar is not None else []
        sync(device)
        started = time.perf_counter()
        model.generate(
            ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=max_new,
            min_new_tokens=max_new,
            do_sample=False,
            logits_processor=processors,
        )
        sync(device)
        return time.perf_counter() - started

    timed(2)  # warm-up
    first = timed(1)
    total = timed(new)
    return {"decode_tok_s": (new - 1) / max(total - first, 1e-9), "ttft_s": first, "tokens": new}


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4) if abs(value) >= 1e-3 else float(f"{value:.3g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def note(stage: str, **data: Any) -> None:
    """One progress line on stderr, flushed: a run stopped by a timeout still leaves its figures."""
    print(json.dumps({"stage": stage, **_rounded(data)}), file=sys.stderr, flush=True)


def measure_ours(
    model: Any, options: EngineOptions, prompt: list[int], grammar: Any, new: int, repeat: int, bound: float
) -> dict[str, Any]:
    """Our engine on `model`: unconstrained and constrained runs, each with its ratio to `bound`."""
    vocab = int(model.config.vocab_size)
    engine = DecodeEngine(model, text_vocab_size=vocab - 1, stop_token_ids=[vocab - 1], options=options)
    free = run_ours(engine, prompt, None, new, repeat)
    constrained = run_ours(engine, prompt, grammar, new, repeat)
    for run in (free, constrained):
        run["ratio_to_bound"] = run["decode_tok_s"] / bound
    greedy = engine.generate(prompt, grammar=None, max_new_tokens=new).token_ids
    return {
        "unconstrained": free,
        "constrained": constrained,
        "constraint_cost": 1 - constrained["decode_tok_s"] / free["decode_tok_s"],
        "greedy_tokens": greedy,
    }


def teacher_forced_logits(model: Any, prompt: list[int], tokens: list[int]) -> torch.Tensor:
    """float32 logits [len(tokens), V] at the positions that predict `tokens` after `prompt` (one pass)."""
    device = next(model.parameters()).device
    ids = torch.tensor([prompt + tokens[:-1]], device=device)
    with torch.inference_mode():
        out = model(input_ids=ids, use_cache=False, logits_to_keep=len(tokens))
    logits: torch.Tensor = out.logits[0].float()
    return logits


def int8_quality(
    reference: torch.Tensor, logits: torch.Tensor, greedy_ref: list[int], greedy: list[int]
) -> dict[str, Any]:
    """How far int8 logits are from the reference: top-1 agreement, cosine, identical greedy prefix."""
    cosine = torch.nn.functional.cosine_similarity(reference, logits, dim=-1)
    same = 0
    while same < min(len(greedy_ref), len(greedy)) and greedy_ref[same] == greedy[same]:
        same += 1
    return {
        "positions": int(reference.shape[0]),
        "top1_agreement": (reference.argmax(-1) == logits.argmax(-1)).float().mean().item(),
        "logits_cosine_distance_mean": 1 - cosine.mean().item(),
        "logits_cosine_distance_max": 1 - cosine.min().item(),
        "greedy_identical_prefix_tokens": same,
        "note": "random weights: top logits are close, so agreement understates trained weights; "
        "cosine distance (1 - cos) measures the numerical error",
    }


def main() -> int:
    """Build the model, measure, print one JSON object (progress lines on stderr)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--tiny", action="store_true", help="tiny shape on the CPU: a smoke check of the code path"
    )
    parser.add_argument(
        "--prompt-tokens", type=int, default=None, help="prompt length (default 2048; tiny 256)"
    )
    parser.add_argument(
        "--new-tokens", type=int, default=None, help="tokens decoded per run (default 256; tiny 64)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="measured runs of our engine (median)")
    parser.add_argument("--max-context", type=int, default=8192, help="static cache size (default 8192)")
    parser.add_argument("--no-compile", action="store_true", help="static cache without CUDA graphs")
    parser.add_argument(
        "--tune-kernels",
        action="store_true",
        help="compile the full-precision step with coordinate-descent tuning too (the int8 step always is)",
    )
    parser.add_argument(
        "--skip-generate", action="store_true", help="skip the slow model.generate() baseline"
    )
    parser.add_argument(
        "--skip-int8", action="store_true", help="skip quantising to int8 weight-only and measuring again"
    )
    args = parser.parse_args()

    cuda = torch.cuda.is_available()
    if not cuda and not args.tiny:
        print("bench_decode: needs a CUDA (or ROCm) GPU; use --tiny for a CPU smoke run", file=sys.stderr)
        return 2
    device = "cuda" if cuda else "cpu"
    shape = TINY if args.tiny else FULL
    dtype = torch.bfloat16 if cuda else torch.float32
    prompt_len = args.prompt_tokens or (256 if args.tiny else 2048)
    new = args.new_tokens or (64 if args.tiny else 256)
    vocab = shape["vocab_size"]

    started = time.perf_counter()
    model = build_model(shape, device, dtype)
    build_s = time.perf_counter() - started
    footprint = weight_footprint(model)
    bandwidth = copy_bandwidth(device, 1024 if cuda else 128)
    bound = bandwidth / footprint.streamed_bytes
    note("model", build_s=build_s, weight_bytes=footprint.resident_bytes, bound_tok_s=bound)

    started = time.perf_counter()
    info = xgr.TokenizerInfo(synthetic_vocab(vocab), vocab_size=vocab, stop_token_ids=[vocab - 1])
    grammar = GrammarCache(info).json_schema(notes_schema(new))
    grammar_s = time.perf_counter() - started
    note("grammar", build_s=grammar_s)

    gen = torch.Generator().manual_seed(1)
    prompt = torch.randint(1, vocab - 1, (prompt_len,), generator=gen).tolist()
    compiled = cuda and not args.no_compile
    options = EngineOptions(
        static_cache=cuda,
        compile_step=compiled,
        tune_kernels=compiled and args.tune_kernels,
        max_context=args.max_context,
        reuse_prefix=False,  # TTFT of a full prefill; prefix reuse is reported separately
    )
    ours = measure_ours(model, options, prompt, grammar, new, args.repeat, bound)
    greedy_ref = ours.pop("greedy_tokens")
    note("ours", **ours)

    # TTFT is a prefill: the reuse engine needs no compiled step (a second compile would cost ~10 s).
    reuse = DecodeEngine(
        model,
        text_vocab_size=vocab - 1,
        stop_token_ids=[vocab - 1],
        options=EngineOptions(static_cache=options.static_cache, max_context=args.max_context),
    )
    reuse.generate(prompt, grammar=None, max_new_tokens=4)
    changed = prompt[:-32] + list(reversed(prompt[-32:]))
    reused_ttft = reuse.generate(changed, grammar=None, max_new_tokens=4).ttft_s
    del reuse

    result: dict[str, Any] = {
        "device": torch.cuda.get_device_name() if cuda else "cpu",
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "shape": "tiny" if args.tiny else "CyberSecQwen-4B (Qwen3-4B)",
        "dtype": str(dtype).removeprefix("torch."),
        "parameters": footprint.parameters,
        "weight_bytes": footprint.resident_bytes,
        "model_build_s": round(build_s, 2),
        "grammar_build_s": round(grammar_s, 2),
        "copy_bandwidth_GBps": round(bandwidth / 1e9, 1),
        "bound_tok_s": round(bound, 1),
        "prompt_tokens": prompt_len,
        "new_tokens": new,
        "engine": {
            "static_cache": options.static_cache,
            "compiled_step": options.compile_step,
            "tune_kernels": options.tune_kernels,
        },
        "ours": {"unconstrained": ours["unconstrained"], "constrained": ours["constrained"]},
        "ours_ttft_with_prefix_reuse_s": reused_ttft,
        "constraint_cost": ours["constraint_cost"],
    }
    if not args.skip_generate:
        base_free = run_generate(model, prompt, None, new, device)
        base_json = run_generate(model, prompt, grammar, new, device)
        for run in (base_free, base_json):
            run["ratio_to_bound"] = run["decode_tok_s"] / bound
        result["generate_eager"] = {"unconstrained": base_free, "constrained": base_json}
        result["speedup_vs_generate_constrained"] = (
            ours["constrained"]["decode_tok_s"] / base_json["decode_tok_s"]
        )
        note("generate_eager", **result["generate_eager"])
    targets = {
        "constrained_tok_s_ge_250": ours["constrained"]["decode_tok_s"] >= 250,
        "constraint_cost_le_10pct": ours["constraint_cost"] <= 0.10,
    }
    status = 0
    if not args.skip_int8:
        try:
            int8 = measure_int8(
                model, options, prompt, grammar, new, args.repeat, bandwidth, bound, greedy_ref
            )
        except Exception as exc:  # the full-precision figures above still get printed; exit status 1
            traceback.print_exc()
            result["ours_int8_error"] = f"{type(exc).__name__}: {exc}"
            status = 1
        else:
            result["ours_int8"] = int8
            targets["int8_constrained_tok_s_ge_250"] = int8["constrained"]["decode_tok_s"] >= 250
            targets["int8_constraint_cost_le_10pct"] = int8["constraint_cost"] <= 0.10
    result["target"] = targets
    print(json.dumps(_rounded(result), indent=2))
    return status


def measure_int8(
    model: Any,
    options: EngineOptions,
    prompt: list[int],
    grammar: Any,
    new: int,
    repeat: int,
    bandwidth: float,
    bound: float,
    greedy_ref: list[int],
) -> dict[str, Any]:
    """Quantise `model` in place (int8 weight-only), measure our engine again, and compare the logits.

    Ratios: `ratio_to_bound` against the full-precision model's bound (the speed-up that counts),
    `ratio_to_int8_bound` against bandwidth / the bytes an int8 decode step reads (kernel efficiency).
    """
    reference = teacher_forced_logits(model, prompt, greedy_ref)
    torch._dynamo.reset()  # drops the full-precision step and its CUDA graphs before the int8 compile
    started = time.perf_counter()
    layers = quantize_int8(model)
    sync("cuda" if torch.cuda.is_available() else "cpu")
    quantize_s = time.perf_counter() - started
    footprint = weight_footprint(model)
    int8_bound = bandwidth / footprint.streamed_bytes
    tuned = EngineOptions(**{**options.__dict__, "tune_kernels": options.compile_step})
    note("int8_model", layers=layers, quantize_s=quantize_s, streamed_bytes=footprint.streamed_bytes)
    runs = measure_ours(model, tuned, prompt, grammar, new, repeat, bound)
    greedy = runs.pop("greedy_tokens")
    for kind in ("unconstrained", "constrained"):
        runs[kind]["ratio_to_int8_bound"] = runs[kind]["decode_tok_s"] / int8_bound
    quality = int8_quality(reference, teacher_forced_logits(model, prompt, greedy_ref), greedy_ref, greedy)
    result = {
        "layers": layers,
        "quantize_s": quantize_s,
        "weight_bytes": footprint.resident_bytes,
        "decode_weight_bytes": footprint.streamed_bytes,
        "int8_bound_tok_s": int8_bound,
        "tune_kernels": tuned.tune_kernels,
        **runs,
        "quality": quality,
    }
    note("ours_int8", **result)
    return result


if __name__ == "__main__":
    sys.exit(main())
