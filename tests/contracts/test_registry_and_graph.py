"""Contracts: every tool is registered, read-only and strict; the graph's wiring matches its snapshot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import BaseModel

from agent.graph.build import build_graph
from tools.base import ToolArgs
from tools.registry import TOOL_MODULES, all_tools

SNAPSHOT = Path(__file__).with_name("graph.mmd")


def test_every_tool_module_is_registered_read_only_with_strict_args() -> None:
    tools = all_tools()
    tool_files = {p.stem for p in (Path(__file__).parents[2] / "tools").glob("*.py")}
    infrastructure = {
        "__init__", "base", "coverage", "errors", "inventory", "registry", "secret_paths", "settings",
        "targets",
    }
    assert tool_files - infrastructure == set(TOOL_MODULES)
    for name, tool in tools.items():
        assert tool.read_only is True, name
        assert issubclass(tool.args_model, ToolArgs), name
        assert tool.args_model.model_config.get("extra") == "forbid", name
        assert issubclass(tool.row_model, BaseModel), name
        assert tool.description.strip(), name
        for field_name, field in tool.args_model.model_fields.items():
            assert field.description, f"{name}.{field_name} has no docstring (it feeds the model's schema)"


def test_graph_wiring_matches_the_snapshot() -> None:
    drawn = build_graph(total_steps=3, followups=True).compile().get_graph().draw_mermaid()
    if os.environ.get("SLEUTH_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(drawn)
    assert SNAPSHOT.is_file(), "run with SLEUTH_UPDATE_SNAPSHOTS=1 once to write the snapshot"
    assert drawn == SNAPSHOT.read_text(), "graph wiring changed: review and update the snapshot"


@pytest.mark.parametrize("node", ["plan", "propose", "approve", "execute", "analyse", "advance", "report"])
def test_every_node_is_wired(node: str) -> None:
    graph = build_graph(total_steps=1, followups=False).compile().get_graph()
    assert node in graph.nodes
