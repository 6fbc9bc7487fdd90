"""Where a model's files are: a local directory, or a Hugging Face id already in the local cache."""

from __future__ import annotations

import re
from pathlib import Path

from agent.llm.errors import ModelNotFoundError, ModelUnavailableError

DEFAULT_MODEL = "lablab-ai-amd-developer-hackathon/CyberSecQwen-4B"
"""The default local model: a Qwen3-4B-Instruct-2507 fine-tune for defensive cyber work (Apache-2.0)."""

# Seconds before a hub request gives up: `model pull` must fail fast where the hub is unreachable.
HUB_TIMEOUT_S = 15.0


_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")


def _looks_like_path(model: str) -> bool:
    return not _HUB_ID.match(model)


def hub_cache_dir() -> Path:
    """The Hugging Face hub cache directory in use (HF_HUB_CACHE / HF_HOME aware)."""
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def resolve_model_dir(model: str | Path) -> Path:
    """A directory holding `config.json` for `model` (a path, or a hub id found in the cache, offline)."""
    text = str(model)
    path = Path(text).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelNotFoundError(
                f"{path} is a directory but has no config.json: not a transformers model"
            )
        return path
    if isinstance(model, Path) or _looks_like_path(text):
        raise ModelNotFoundError(f"model directory {path} does not exist")
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        found = Path(str(snapshot_download(text, local_files_only=True)))
    except LocalEntryNotFoundError:
        raise ModelNotFoundError(
            f"model {text!r} is not a local directory and not in the Hugging Face cache "
            f"({hub_cache_dir()}); download it with `sleuth model pull {text}`"
        ) from None
    if not (found / "config.json").is_file():
        raise ModelNotFoundError(
            f"the cached copy of {text!r} at {found} has no config.json (incomplete download?); "
            f"run `sleuth model pull {text}` again"
        )
    return found


def model_available(model: str | Path) -> bool:
    """Whether `model` resolves offline (a model directory or a complete cached hub snapshot)."""
    try:
        resolve_model_dir(model)
    except ModelNotFoundError:
        return False
    return True


def pull_model(model_id: str, *, timeout_s: float = HUB_TIMEOUT_S) -> Path:
    """Download `model_id` into the HF cache with a progress bar; fail fast when the hub is unreachable."""
    if _looks_like_path(model_id):
        raise ModelNotFoundError(f"{model_id!r} is not a hub id of the form OWNER/NAME")
    from huggingface_hub import model_info, snapshot_download

    try:
        # A quick metadata probe with a bounded timeout: no hub, no download, no hang.
        model_info(model_id, timeout=timeout_s)
    except Exception as exc:  # translated at the boundary: DNS, TLS, HTTP 401/404 all end here
        raise ModelUnavailableError(
            f"cannot reach the Hugging Face hub for {model_id!r}: {type(exc).__name__}: {exc}"
        ) from exc
    try:
        return Path(str(snapshot_download(model_id, etag_timeout=timeout_s)))
    except Exception as exc:
        raise ModelUnavailableError(f"download of {model_id!r} failed: {type(exc).__name__}: {exc}") from exc
