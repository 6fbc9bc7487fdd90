"""The tools a playbook may name, as lint and the runtime see them; built from the registry or given."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel

from playbooks.errors import CatalogueUnavailableError
from tools.base import Tool, ToolArgs


@dataclass(frozen=True)
class ToolSpec:
    """What a playbook needs to know about one tool: its name, args model and row model."""

    name: str
    description: str
    args_model: type[ToolArgs]
    row_model: type[BaseModel]
    arg_columns: Callable[[Mapping[str, object]], frozenset[str] | None] = field(
        default=lambda _args: frozenset(), compare=False
    )
    """Columns the step's literal args add to the rows (a log format's fields); None: unknown before a run."""

    def arg_names(self) -> list[str]:
        """The tool's argument names, in declaration order."""
        return list(self.args_model.model_fields)

    def row_columns(self) -> list[str]:
        """The columns of the tool's rows."""
        return list(self.row_model.model_fields)


class Catalogue(Mapping[str, ToolSpec]):
    """Tool specs by name; a plain read-only mapping so tests and the graph can pass any set of tools."""

    def __init__(self, specs: Iterable[ToolSpec]) -> None:
        self._specs = {s.name: s for s in specs}

    @classmethod
    def from_tools(cls, tools: Iterable[Tool[ToolArgs]]) -> Catalogue:
        """A catalogue of these tool objects."""
        return cls(ToolSpec(t.name, t.description, t.args_model, t.row_model, t.arg_columns) for t in tools)

    @classmethod
    def default(cls) -> Catalogue:
        """Every tool in the registry; a clear error if a tool module is missing or broken."""
        from tools.registry import all_tools  # imported on use: loading the tools is not free

        try:
            return cls.from_tools(all_tools().values())
        except (ImportError, AttributeError, RuntimeError) as exc:
            raise CatalogueUnavailableError(f"the tool catalogue cannot be loaded: {exc}") from exc

    def __getitem__(self, name: str) -> ToolSpec:
        return self._specs[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._specs)

    def __len__(self) -> int:
        return len(self._specs)
