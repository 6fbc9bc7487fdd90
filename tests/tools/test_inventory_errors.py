"""Inventory errors are one line `FILE:LINE: problem`: YAML syntax, schema (the line of the field at fault, or
of the mapping missing one), a deeply nested document; never PyYAML's six lines about a `<unicode string>`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import sleuth
from tools.errors import InventoryError
from tools.inventory import load_inventory

CASES: list[tuple[str, str, int, str]] = [
    (
        "bad-indent",
        "hosts:\n  web01:\n    address: 10.0.0.5\n   user: [\n",
        4,
        "not valid YAML: expected <block end>, but found '<block mapping start>'",
    ),
    ("unclosed-flow", "hosts: [\n", 2, "not valid YAML: expected the node content"),
    ("bad-escape", 'hosts:\n  web01: {address: x, user: "\\q"}\n', 2, "unknown escape character"),
    (
        "port-out-of-range",
        "hosts:\n  web01:\n    address: 10.0.0.5\n    user: root\n    port: 0\n",
        5,
        "hosts.web01.port: Input should be greater than or equal to 1",
    ),
    (
        "unknown-field",
        "hosts:\n  web01:\n    address: 10.0.0.5\n    user: root\n\n    colour: red\n",
        6,
        "hosts.web01.colour: Extra inputs are not permitted",
    ),
    ("missing-user", "hosts:\n  web01:\n    address: 10.0.0.5\n", 2, "hosts.web01.user: Field required"),
    ("not-a-mapping", "- web01\n", 1, "an inventory is a mapping with a 'hosts' key"),
    (
        "profile-path-in-list",
        "hosts:\n  web01:\n    address: x\n    user: root\n    profile:\n      name: suse\n",
        6,
        "hosts.web01.profile.name",
    ),
]


@pytest.mark.parametrize(("name", "text", "line", "problem"), CASES, ids=[c[0] for c in CASES])
def test_an_inventory_error_is_file_line_problem(
    name: str, text: str, line: int, problem: str, tmp_path: Path
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    message = str(caught.value)
    assert "\n" not in message and "<unicode string>" not in message, message
    assert message.startswith(f"{path}:{line}: "), message
    assert problem in message, message


def test_every_schema_problem_is_located_on_the_same_line(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text("hosts:\n  a:\n    address: x\n    user: root\n    port: 0\n  b:\n    address: y\n")
    with pytest.raises(InventoryError) as caught:
        load_inventory(path)
    assert str(caught.value) == (
        f"{path}:5: hosts.a.port: Input should be greater than or equal to 1; "
        f"{path}:6: hosts.b.user: Field required"
    )


def test_a_deeply_nested_inventory_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("hosts: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(InventoryError, match="nesting too deep"):
        load_inventory(path)


def test_the_cli_prints_the_located_line_alone(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text("hosts:\n  web01:\n    address: 10.0.0.5\n    user: root\n    port: 0\n")
    proc = sleuth("tool", "list_users", "--target", "web01", "--inventory", str(path), home=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert (
        proc.stderr
        == f"sleuth: error: {path}:5: hosts.web01.port: Input should be greater than or equal to 1\n"
    )
