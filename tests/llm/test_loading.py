"""Loading offline: local directories, hub ids in the HF cache, clear errors, `sleuth model` commands."""

from __future__ import annotations

import json
import shutil
import socket
import time
from pathlib import Path

import pytest
from huggingface_hub import constants

from agent.llm.errors import ModelLoadError, ModelNotFoundError
from agent.llm.factory import make_chat_model
from agent.llm.local import load_local_model
from agent.llm.resolve import model_available, resolve_model_dir
from tests.support.cli import sleuth


def _fake_hub_cache(root: Path, repo: str, model_dir: Path) -> None:
    """Lay `model_dir` out as the HF cache does for `repo` (refs/main -> snapshots/<commit>/)."""
    commit = "0" * 40
    repo_dir = root / f"models--{repo.replace('/', '--')}"
    (repo_dir / "refs").mkdir(parents=True)
    (repo_dir / "refs" / "main").write_text(commit)
    shutil.copytree(model_dir, repo_dir / "snapshots" / commit)


def test_a_hub_id_in_the_cache_loads_offline(tiny_model_dir: Path, tmp_path: Path, monkeypatch) -> None:
    _fake_hub_cache(tmp_path, "sleuth-test/tiny-qwen3", tiny_model_dir)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    assert model_available("sleuth-test/tiny-qwen3")
    chat = make_chat_model("local", model="sleuth-test/tiny-qwen3", base_url=None, device="cpu")
    info = chat.info()  # type: ignore[attr-defined]
    assert info.architecture == "Qwen3ForCausalLM"
    assert info.device == "cpu" and info.dtype == "float32"
    assert info.vocab_size == 640 and info.tokenizer_size < info.vocab_size
    assert info.warning is not None and "OpenAI-compatible" in info.warning


def test_a_hub_id_not_in_the_cache_points_at_model_pull(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(
        ModelNotFoundError, match=r"not in the Hugging Face cache .*sleuth model pull owner/absent"
    ):
        resolve_model_dir("owner/absent")
    assert not model_available("owner/absent")


def test_a_missing_directory_and_a_non_model_directory_are_named(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        resolve_model_dir(tmp_path / "nope")
    with pytest.raises(ModelNotFoundError, match=r"has no config\.json"):
        resolve_model_dir(tmp_path)


def test_bad_device_and_dtype_are_refused(tiny_model_dir: Path) -> None:
    with pytest.raises(ModelLoadError, match="unknown dtype 'int3'"):
        load_local_model(tiny_model_dir, device="cpu", dtype="int3")
    with pytest.raises(ModelLoadError, match="unknown device 'tpu'"):
        load_local_model(tiny_model_dir, device="tpu")


def test_model_info_json(tiny_model_dir: Path) -> None:
    proc = sleuth("model", "info", "--model", str(tiny_model_dir), "--device", "cpu", "--json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["path"] == str(tiny_model_dir) and record["parameters"] > 0


def test_model_pull_fails_fast_when_the_hub_is_unreachable(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a loopback port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"PATH": "/usr/bin:/bin", "HF_ENDPOINT": f"http://127.0.0.1:{port}", "HF_HOME": str(tmp_path)}
    started = time.monotonic()
    proc = sleuth("model", "pull", "owner/some-model", "--timeout", "5", env=env)
    assert time.monotonic() - started < 60
    assert proc.returncode == 3
    assert "cannot reach the Hugging Face hub for 'owner/some-model'" in proc.stderr
