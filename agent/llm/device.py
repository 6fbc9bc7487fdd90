"""Choose the device and dtype for the local model: CUDA (incl. ROCm builds), Apple MPS, or CPU."""

from __future__ import annotations

from typing import Any

from agent.llm.errors import ModelLoadError

DTYPES = ("auto", "bfloat16", "float16", "float32")


def pick_device(requested: str) -> str:
    """`auto` picks cuda, then mps, then cpu; an explicit device must be available."""
    import torch

    if requested == "auto":
        if torch.cuda.is_available():  # true on ROCm builds as well (HIP behind the cuda API)
            return "cuda"
        if torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    kind = requested.split(":", 1)[0]
    if kind == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError(f"device {requested!r} asked for but torch sees no CUDA/ROCm GPU")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise ModelLoadError("device 'mps' asked for but torch sees no Apple GPU")
    if kind not in ("cuda", "mps", "cpu"):
        raise ModelLoadError(f"unknown device {requested!r} (use auto, cuda, cuda:N, mps or cpu)")
    return requested


def pick_dtype(device: str, requested: str) -> Any:
    """`auto`: bfloat16 on GPUs that support it (else float16), float16 on MPS, float32 on CPU."""
    import torch

    if requested not in DTYPES:
        raise ModelLoadError(f"unknown dtype {requested!r} (use one of: {', '.join(DTYPES)})")
    if requested != "auto":
        return getattr(torch, requested)
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device == "mps":
        return torch.float16
    return torch.float32


def describe_accelerator(device: str) -> str:
    """The accelerator in words, for `sleuth model info`."""
    import torch

    if device.startswith("cuda"):
        index = torch.device(device).index or 0
        stack = f"ROCm {torch.version.hip}" if torch.version.hip else f"CUDA {torch.version.cuda}"
        return f"{torch.cuda.get_device_name(index)} ({stack})"
    if device == "mps":
        return "Apple GPU (MPS)"
    return "none"
