"""The JSON Schema of exactly what a model may answer at a step: one allowed tool call, or done."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model

from agent.proposers.base import StepView
from playbooks import Catalogue

# Bounded, printable strings: generation under a grammar always terminates (STACK-NOTES: bound with a
# pattern, since maxLength alone let control characters through). xgrammar 0.2.8 fails to compile a
# repetition bound above ~128 against a real tokenizer, so the bounds stay at or under 120.
Rationale = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^\x00-\x1f]{1,120}$")]
Cite = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f]{1,64}$")]


class DoneAnswer(BaseModel):
    """The model says this step needs nothing more."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["done"]
    rationale: Rationale


def _call_model(tool: str, catalogue: Catalogue) -> type[BaseModel]:
    args_model = catalogue[tool].args_model
    fields: dict[str, Any] = {
        "action": (Literal["call"], ...),
        "tool": (Literal[tool], ...),
        "args": (args_model, ...),
        "rationale": (Rationale, ...),
        "cites": (list[Cite], Field(default_factory=list, max_length=5)),
    }
    model: type[BaseModel] = create_model(f"Call_{tool}", __config__=ConfigDict(extra="forbid"), **fields)
    return model


def answer_adapter(view: StepView, catalogue: Catalogue) -> TypeAdapter[Any]:
    """A validator (and schema source) for the answers allowed now."""
    if not view.own_call_done:
        tools = [view.step.tool]
    else:
        tools = [t for t, left in view.followups_left.items() if left > 0 and t in catalogue]
    members: list[type[BaseModel]] = [_call_model(t, catalogue) for t in tools]
    if view.own_call_done:
        members.append(DoneAnswer)
    if len(members) == 1:
        return TypeAdapter(members[0])
    union: Any = members[0]
    for member in members[1:]:
        union = union | member
    return TypeAdapter(union)


def answer_schema(view: StepView, catalogue: Catalogue) -> dict[str, Any]:
    """The JSON Schema handed to constrained decoding (and to an OpenAI-compatible server)."""
    return answer_adapter(view, catalogue).json_schema()
