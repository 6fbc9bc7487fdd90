"""The tool catalogue, by name; playbook lint and the graph read it. Nothing registers on import."""

from __future__ import annotations

import importlib
from functools import cache

from tools.base import Tool, ToolArgs
from tools.errors import InvalidToolArgsError

# One module per tool, module name = tool name (STYLE.md); each module defines TOOL.
TOOL_MODULES: tuple[str, ...] = (
    "search_logs",
    "read_file",
    "list_processes",
    "list_connections",
    "list_logins",
    "list_persistence",
    "list_users",
    "file_info",
    "find_files",
    "hash_files",
    "lookup_hash",
)


@cache
def all_tools() -> dict[str, Tool[ToolArgs]]:
    """Every registered tool, by name, in catalogue order."""
    tools: dict[str, Tool[ToolArgs]] = {}
    for module_name in TOOL_MODULES:
        module = importlib.import_module(f"tools.{module_name}")
        tool: Tool[ToolArgs] = module.TOOL
        if tool.name != module_name:
            raise RuntimeError(f"tools/{module_name}.py defines a tool named {tool.name!r}")
        tools[tool.name] = tool
    return tools


def get_tool(name: str) -> Tool[ToolArgs]:
    """The tool of that name, or a clear error naming the ones that exist."""
    tools = all_tools()
    if name not in tools:
        raise InvalidToolArgsError(f"unknown tool {name!r} (known: {', '.join(tools)})")
    return tools[name]
