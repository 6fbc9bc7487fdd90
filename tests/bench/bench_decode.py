"""Benchmark: decode speed of the local backend on the exact CyberSecQwen-4B shape (random weights, bf16).

A script, not a test: `python tests/bench/bench_decode.py` on a CUDA GPU; `--tiny` runs the same code path
with a tiny shape on the CPU (a smoke check). Prints one JSON object: our engine's decode tokens/s and
time-to-first-token with and without constrained decoding, plain `model.generate()` (eager, dynamic cache)
with and without the xgrammar logits processor, and the memory-bandwidth bound (copy bandwidth / weight
bytes). Target on one H100: ours >= 250 tokens/s constrained, constraint cost <= 10%.

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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch
import xgrammar as xgr
from transformers import Qwen3Config, Qwen3ForCausalLM

from agent.llm.engine import DecodeEngine, EngineOptions
from agent.llm.grammars import GrammarCache

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
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def main() -> int:
    """Build the model, measure, print one JSON object."""
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
        "--skip-generate", action="store_true", help="skip the slow model.generate() baseline"
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
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    bandwidth = copy_bandwidth(device, 1024 if cuda else 128)
    bound = bandwidth / weight_bytes

    started = time.perf_counter()
    info = xgr.TokenizerInfo(synthetic_vocab(vocab), vocab_size=vocab, stop_token_ids=[vocab - 1])
    grammar = GrammarCache(info).json_schema(notes_schema(new))
    grammar_s = time.perf_counter() - started

    gen = torch.Generator().manual_seed(1)
    prompt = torch.randint(1, vocab - 1, (prompt_len,), generator=gen).tolist()
    options = EngineOptions(
        static_cache=cuda,
        compile_step=cuda and not args.no_compile,
        max_context=args.max_context,
        reuse_prefix=False,  # TTFT of a full prefill; prefix reuse is reported separately
    )
    engine = DecodeEngine(model, text_vocab_size=vocab - 1, stop_token_ids=[vocab - 1], options=options)
    ours_free = run_ours(engine, prompt, None, new, args.repeat)
    ours_json = run_ours(engine, prompt, grammar, new, args.repeat)

    reuse = DecodeEngine(
        model,
        text_vocab_size=vocab - 1,
        stop_token_ids=[vocab - 1],
        options=EngineOptions(**{**options.__dict__, "reuse_prefix": True}),
    )
    reuse.generate(prompt, grammar=None, max_new_tokens=4)
    changed = prompt[:-32] + list(reversed(prompt[-32:]))
    reused_ttft = reuse.generate(changed, grammar=None, max_new_tokens=4).ttft_s

    result: dict[str, Any] = {
        "device": torch.cuda.get_device_name() if cuda else "cpu",
        "shape": "tiny" if args.tiny else "CyberSecQwen-4B (Qwen3-4B)",
        "dtype": str(dtype).removeprefix("torch."),
        "parameters": sum(p.numel() for p in model.parameters()),
        "weight_bytes": weight_bytes,
        "model_build_s": round(build_s, 2),
        "grammar_build_s": round(grammar_s, 2),
        "copy_bandwidth_GBps": round(bandwidth / 1e9, 1),
        "bound_tok_s": round(bound, 1),
        "prompt_tokens": prompt_len,
        "new_tokens": new,
        "engine": {"static_cache": options.static_cache, "compiled_step": options.compile_step},
        "ours": {"unconstrained": ours_free, "constrained": ours_json},
        "ours_ttft_with_prefix_reuse_s": reused_ttft,
    }
    for run in (ours_free, ours_json):
        run["ratio_to_bound"] = run["decode_tok_s"] / bound
    result["constraint_cost"] = 1 - ours_json["decode_tok_s"] / ours_free["decode_tok_s"]
    if not args.skip_generate:
        base_free = run_generate(model, prompt, None, new, device)
        base_json = run_generate(model, prompt, grammar, new, device)
        for run in (base_free, base_json):
            run["ratio_to_bound"] = run["decode_tok_s"] / bound
        result["generate_eager"] = {"unconstrained": base_free, "constrained": base_json}
        result["speedup_vs_generate_constrained"] = ours_json["decode_tok_s"] / base_json["decode_tok_s"]
    result["target"] = {
        "constrained_tok_s_ge_250": ours_json["decode_tok_s"] >= 250,
        "constraint_cost_le_10pct": result["constraint_cost"] <= 0.10,
    }
    print(json.dumps(_rounded(result), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
