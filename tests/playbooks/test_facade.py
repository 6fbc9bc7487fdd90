"""The façade `playbooks/__init__.py`: its names resolve, its two tables agree, it stays light, no cycles."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import playbooks

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "playbooks"
MODULES = sorted(m.name for m in pkgutil.walk_packages([str(PACKAGE)], prefix="playbooks."))


def _type_checking_imports() -> dict[str, tuple[str, ...]]:
    """The `if TYPE_CHECKING:` imports of the façade, module -> names, as mypy reads them."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text())
    (block,) = [n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]
    imports = [n for n in block.body if isinstance(n, ast.ImportFrom)]
    return {str(n.module): tuple(a.name for a in n.names) for n in imports}


def test_the_runtime_table_and_the_typed_imports_agree() -> None:
    assert _type_checking_imports() == playbooks._EXPORTS
    assert playbooks.__all__ == sorted(playbooks._MODULE_OF)


@pytest.mark.parametrize("name", playbooks.__all__)
def test_each_public_name_is_the_object_its_module_defines(name: str) -> None:
    module = importlib.import_module(playbooks._MODULE_OF[name])
    assert getattr(playbooks, name) is getattr(module, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        _ = playbooks.NoSuchThing  # type: ignore[attr-defined]


def test_a_light_import_loads_only_what_it_names() -> None:
    code = (
        "import sys; from playbooks import PlaybookError; "
        "print(sorted(m for m in sys.modules if m.startswith('playbooks')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "['playbooks', 'playbooks.errors', 'playbooks.issues']"


def test_every_module_imports_first_in_a_fresh_package() -> None:
    """A cycle between modules shows as an ImportError for whichever module is imported first."""
    code = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    for loaded in [m for m in sys.modules if m == 'playbooks' or m.startswith('playbooks.')]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_inside_the_package_imports_the_facade(path: Path) -> None:
    """Modules import each other by module (`from playbooks.model import Step`): the façade is in no cycle."""
    tree = ast.parse(path.read_text())
    froms = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module == "playbooks"]
    plain = [n for n in ast.walk(tree) if isinstance(n, ast.Import)]
    assert froms + [n.lineno for n in plain if "playbooks" in [a.name for a in n.names]] == []
