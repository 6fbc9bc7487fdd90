"""What is loaded: the record `sleuth model info` prints."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

WeightsMode = Literal["model", "int8"]
"""How the local model's weights are held: `model` as stored (in the chosen dtype), or `int8` weight-only
(linear layers int8 with per-channel scales: half the bytes a decode step reads against bf16)."""
WEIGHTS_MODES: tuple[WeightsMode, ...] = get_args(WeightsMode)

CPU_WARNING = (
    "running the model on the CPU: expect seconds per token for a 4B model. For usable speed use a GPU, "
    "or the OpenAI-compatible backend (`--backend openai`) with a quantised model (llama.cpp server, Ollama)."
)


class ModelInfo(BaseModel):
    """A loaded local model: where it came from, where it runs, how big it is."""

    model_config = ConfigDict(frozen=True)

    model: str
    """What was asked for (hub id or path)."""
    path: str
    """The directory the files were loaded from."""
    architecture: str
    """The model class (`Qwen3ForCausalLM`)."""
    device: str
    """Where it runs (`cuda:0`, `mps`, `cpu`)."""
    accelerator: str
    """The accelerator in words (GPU name, ROCm/CUDA), or `none`."""
    dtype: str
    """Weight dtype (`bfloat16`)."""
    parameters: int
    """Parameter count."""
    weights: WeightsMode = "model"
    """`model` (as stored, in `dtype`) or `int8` (int8 weight-only linear layers, per-channel scales)."""
    weight_bytes: int
    """Bytes of weights in memory."""
    decode_weight_bytes: int
    """Weight bytes one decode step reads (a looked-up embedding excluded); bandwidth / this = speed bound."""
    device_memory_bytes: int | None
    """Bytes allocated on the accelerator (None on CPU/MPS)."""
    vocab_size: int
    """Embedding rows (padded; may exceed the tokenizer)."""
    tokenizer_size: int
    """Tokens the tokenizer knows."""
    stop_token_ids: list[int]
    """Ids that end an answer."""
    max_position_embeddings: int
    """Longest context the model was trained for."""
    static_cache: bool
    """Whether the static-cache / compiled decode path is on."""
    compiled_step: bool
    """Whether the one-token step is compiled (CUDA graphs)."""
    warning: str | None = None
    """A speed warning (CPU), if any."""
