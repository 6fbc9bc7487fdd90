"""Scenario definitions (scenario.yaml) and the contract between the launcher and a scenario's generator."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sandbox.errors import SandboxError
from sandbox.truth import HostTruth

SCENARIOS_DIR = Path(__file__).resolve().parent / "scenarios"


class MountSpec(BaseModel):
    """A path of the host that the scenario's tree replaces inside the namespace."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(pattern=r"^/[A-Za-z0-9._/-]+$")
    """Absolute path inside the host; the tree's copy is mounted over it."""
    kind: Literal["bind", "overlay"] = "bind"
    """bind: the tree's directory replaces it; overlay: the tree's files are laid read-only over it."""
    readonly: bool = False
    """Mount read-only (keeps logs equal to the ground truth whatever a session does)."""


class ScenarioSpec(BaseModel):
    """A scenario definition file (scenarios/<name>/scenario.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    """Scenario name (the folder name)."""
    description: str
    """What happened on the host, for a responder reading `sleuth sandbox status`."""
    seed: int
    """Seed of the generator's random choices: same seed, same files (timestamps move with `up`)."""
    generator: str
    """File name of the generator module in the scenario folder."""
    mounts: tuple[MountSpec, ...]
    """What the tree replaces, in mount order."""


class ProcessSpec(BaseModel):
    """A process the namespace's init starts before sshd."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str
    """Name of its role in the ground truth (miner, deleted-exe, ...)."""
    exe: str
    """Executable path inside the host."""
    argv: tuple[str, ...]
    """Full argv, argv[0] included (may differ from exe: a fake name)."""
    stdin: str | None = None
    """File inside the host to use as standard input (a script for a shell)."""
    cwd: str = "/"
    """Working directory inside the host."""
    uid: int = 0
    """User id to run as."""
    user: str = "root"
    """User name of uid (for the ground truth)."""
    comm: str | None = None
    """The comm the process sets for itself; None: the kernel's default (exe file name)."""
    listen: int | None = None
    """Port on 127.0.0.1 it listens on; init waits for it before going on."""
    connect: int | None = None
    """Port on 127.0.0.1 it connects to; init waits until the connection is established."""
    delete_exe: bool = False
    """Delete the executable once the process runs."""
    malicious: bool = False
    """Attacker's process (True) or benign/infrastructure (False)."""


class PlannedHost(BaseModel):
    """What a generator produced for one host: files are written, processes still to start."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    processes: tuple[ProcessSpec, ...]
    """Processes to start, in order."""
    findings: HostTruth
    """Ground truth, with `processes` empty: the launcher adds them once they run."""
    exe_sha256: dict[str, str]
    """Role to SHA-256 of its executable, taken before a deleted one disappears."""


@dataclass(frozen=True)
class HostContext:
    """What a generator gets for one host."""

    hostname: str
    index: int
    now: datetime
    seed: int
    tree: Path
    client_public: str

    def path(self, inside: str) -> Path:
        """The tree path of an absolute path inside the host."""
        return self.tree / inside.lstrip("/")


class Generator(Protocol):
    """The callable a generator module exports as `generate`."""

    def __call__(self, ctx: HostContext) -> PlannedHost:
        """Write the host's files under ctx.tree and return what to start and what to expect."""
        ...


def available() -> tuple[str, ...]:
    """Names of the scenarios shipped with Sleuth."""
    return tuple(sorted(p.parent.name for p in SCENARIOS_DIR.glob("*/scenario.yaml")))


def load_scenario(name: str) -> ScenarioSpec:
    """Read and validate scenarios/<name>/scenario.yaml."""
    path = SCENARIOS_DIR / name / "scenario.yaml"
    if not path.is_file():
        raise SandboxError(f"unknown scenario {name!r} (available: {', '.join(available()) or 'none'})")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = ScenarioSpec.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise SandboxError(f"{path}: invalid scenario definition: {exc}") from exc
    if spec.name != name:
        raise SandboxError(f"{path}: name {spec.name!r} does not match its folder {name!r}")
    return spec


def load_generator(spec: ScenarioSpec) -> Generator:
    """Import the scenario's generator module from its folder and return its `generate`."""
    path = SCENARIOS_DIR / spec.name / spec.generator
    module_spec = importlib.util.spec_from_file_location(f"sandbox_scenario_{path.stem}", path)
    if module_spec is None or module_spec.loader is None or not path.is_file():
        raise SandboxError(f"{path}: generator module not found")
    module = importlib.util.module_from_spec(module_spec)
    # Registered first: dataclasses and pydantic look their module up while the body runs.
    sys.modules[module_spec.name] = module
    module_spec.loader.exec_module(module)
    generate = getattr(module, "generate", None)
    if not callable(generate):
        raise SandboxError(f"{path}: a generator module defines generate(ctx) -> PlannedHost")
    typed: Generator = generate
    return typed
