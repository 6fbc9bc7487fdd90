"""The project's own checks run in the test run: ruff, mypy (strict), import-linter, import hygiene."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PACKAGES = ["agent", "tools", "playbooks", "sandbox"]


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_ruff_is_clean() -> None:
    proc = _run([str(BIN / "ruff"), "check", *PACKAGES, "tests"])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_is_clean() -> None:
    proc = _run([str(BIN / "mypy"), *PACKAGES])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_import_contracts_hold() -> None:
    proc = _run([str(BIN / "lint-imports")])
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("statement", "forbidden"),
    [
        ("import agent, agent.cli.main", ["torch", "transformers", "textual", "langgraph"]),
        ("import tools.registry; tools.registry.all_tools()", ["torch", "textual", "langgraph", "agent"]),
    ],
)
def test_light_imports_do_not_load_heavy_stacks(statement: str, forbidden: list[str]) -> None:
    code = f"{statement}; import sys; print(sorted(m for m in {forbidden!r} if m in sys.modules))"
    proc = _run([sys.executable, "-c", code])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_agent_is_packages_only_and_the_layers_name_every_one() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    found = list(pkgutil.iter_modules([str(ROOT / "agent")]))
    assert [m.name for m in found if not m.ispkg] == []
    packages = {m.name for m in found}
    (layers,) = [c for c in contracts if c["type"] == "layers"]
    assert {name.strip() for layer in layers["layers"] for name in layer.split("|")} == packages
    (textual,) = [c for c in contracts if c.get("forbidden_modules") == ["textual"]]
    assert set(textual["source_modules"]) == {f"agent.{name}" for name in packages - {"tui"}}
