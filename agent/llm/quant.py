"""Int8 weight-only quantisation of a loaded causal LM (opt-in, `--weights int8`), and its weight footprint.

Decoding one token reads every weight once, so its speed is bounded by memory bandwidth / weight bytes.
Storing the linear layers' weights as int8 with one scale per output channel halves those bytes against
bf16. The forward pass is `F.linear(x, w_int8.to(x.dtype)) * scale` (the gpt-fast recipe): eager, it
materialises a full-precision copy of each weight and is slower than bf16; compiled with inductor's
coordinate-descent tuning (`EngineOptions.tune_kernels`), inductor rewrites a one-row matmul as a
reduction into which the conversion and the scale can fuse, so the GPU should read the int8 bytes only
(to be measured on a GPU by `tests/bench/bench_decode.py`). The embedding lookup stays in the
model dtype; a tied output head gets its own int8 copy (the lookup reads one row per token, the head
reads all of them). Imports torch: load lazily.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812 (the conventional name)
from torch import nn

_ROWS_PER_BLOCK = 4096


class Int8Linear(nn.Module):
    """An `nn.Linear` with int8 weights and one scale per output channel, dequantised inside the matmul."""

    weight: torch.Tensor
    """int8 [out_features, in_features]."""
    scale: torch.Tensor
    """One scale per output channel, in the replaced layer's dtype."""
    bias: torch.Tensor | None
    """The replaced layer's bias, unchanged."""
    tied_copy: bool
    """The replaced weight was tied to the input embedding: this layer holds a second copy of it."""

    def __init__(
        self, weight: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor | None, *, tied_copy: bool
    ) -> None:
        """Hold `weight` (int8, [out, in]), `scale` ([out], the layer's dtype) and an optional bias."""
        super().__init__()
        if weight.dtype != torch.int8 or weight.dim() != 2 or scale.shape != (weight.shape[0],):
            raise ValueError(
                f"Int8Linear needs int8 weights [out, in] and scales [out]; got {weight.dtype} "
                f"{tuple(weight.shape)} and {tuple(scale.shape)}"
            )
        self.out_features, self.in_features = int(weight.shape[0]), int(weight.shape[1])
        self.tied_copy = tied_copy
        # Buffers, not parameters: nothing trains them, and `weight` keeps the name transformers reads.
        self.register_buffer("weight", weight)
        self.register_buffer("scale", scale)
        self.register_buffer("bias", bias)

    @classmethod
    def from_linear(cls, linear: nn.Linear, *, tied_copy: bool = False) -> Int8Linear:
        """Quantise `linear` symmetrically per output channel (round to nearest, scale = max |w| / 127)."""
        weight = linear.weight
        q = torch.empty(weight.shape, dtype=torch.int8, device=weight.device)
        scale = torch.empty(weight.shape[0], dtype=torch.float32, device=weight.device)
        with torch.no_grad():
            # Row blocks bound the float32 temporaries (a whole 152k-row head would take 3 GB more).
            for start in range(0, weight.shape[0], _ROWS_PER_BLOCK):
                rows = slice(start, start + _ROWS_PER_BLOCK)
                block = weight[rows].float()
                scale[rows] = block.abs().amax(dim=1).clamp(min=1e-12) / 127.0
                q[rows] = torch.round(block / scale[rows, None]).clamp_(-127, 127)
            bias = None if linear.bias is None else linear.bias.detach().clone()
        return cls(q, scale.to(weight.dtype), bias, tied_copy=tied_copy)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """`x @ dequant(W).T + b`; the conversion fuses into the matmul only when compiled (see module)."""
        out = F.linear(x, self.weight.to(x.dtype)) * self.scale.to(x.dtype)
        if self.bias is not None:
            out = out + self.bias.to(x.dtype)
        return out

    def extra_repr(self) -> str:
        """Shown by `print(model)`."""
        return f"in_features={self.in_features}, out_features={self.out_features}, int8 per-channel"


def quantize_int8(model: nn.Module) -> int:
    """Replace every `nn.Linear` of `model` (attention, MLP, output head) by an `Int8Linear`, in place.

    Embeddings and norms keep their dtype. Returns how many layers were replaced (0 the second time).
    """
    embeddings = _input_embedding_weight(model)
    targets = [
        (parent, name)
        for parent in model.modules()
        for name, child in parent.named_children()
        if isinstance(child, nn.Linear)
    ]
    for parent, name in targets:
        # Only `parent` holds the layer: once replaced, its full-precision weight is freed (a tied one
        # lives on as the embedding), so memory never exceeds the model plus one layer's temporaries.
        linear = getattr(parent, name)
        tied = embeddings is not None and linear.weight is embeddings
        setattr(parent, name, Int8Linear.from_linear(linear, tied_copy=tied))
    return len(targets)


def is_quantized(model: nn.Module) -> bool:
    """Whether `model` holds any `Int8Linear` layer."""
    return any(isinstance(m, Int8Linear) for m in model.modules())


@dataclass(frozen=True)
class WeightFootprint:
    """How many weights a model has and how many bytes they take, in memory and per decoded token."""

    parameters: int
    """Model parameters (quantised weights counted; an int8 copy of a tied head not counted again)."""
    resident_bytes: int
    """Bytes of weights held in memory (int8 layers: 1 byte per weight plus their scales and bias)."""
    streamed_bytes: int
    """Bytes one decode step reads: all but an embedding table that is only looked up (one row a token).
    Memory bandwidth / this = the decode speed bound."""


def weight_footprint(model: nn.Module) -> WeightFootprint:
    """Count `model`'s parameters and int8 layers (shared tensors once)."""
    params = list(model.parameters())  # deduplicated: a tied embedding/head appears once
    quantized = [m for m in model.modules() if isinstance(m, Int8Linear)]
    count = sum(p.numel() for p in params) + sum(m.weight.numel() for m in quantized if not m.tied_copy)
    resident = sum(_nbytes(p) for p in params)
    for m in quantized:
        resident += _nbytes(m.weight) + _nbytes(m.scale) + (0 if m.bias is None else _nbytes(m.bias))
    streamed = resident
    embeddings = _input_embedding_weight(model)
    head = _output_embedding_weight(model)
    if embeddings is not None and head is not embeddings:
        streamed -= _nbytes(embeddings)
    return WeightFootprint(parameters=count, resident_bytes=resident, streamed_bytes=streamed)


def _nbytes(tensor: torch.Tensor) -> int:
    return tensor.numel() * tensor.element_size()


def _input_embedding_weight(model: nn.Module) -> torch.Tensor | None:
    getter: Any = getattr(model, "get_input_embeddings", None)
    module = getter() if callable(getter) else None
    weight = getattr(module, "weight", None)
    return weight if isinstance(weight, torch.Tensor) else None


def _output_embedding_weight(model: nn.Module) -> torch.Tensor | None:
    getter: Any = getattr(model, "get_output_embeddings", None)
    module = getter() if callable(getter) else None
    weight = getattr(module, "weight", None)
    return weight if isinstance(weight, torch.Tensor) else None
