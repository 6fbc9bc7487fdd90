"""langchain-core messages to plain chat turns (role + text) for a chat template or an HTTP request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from pydantic import BaseModel, ConfigDict

from agent.llm.errors import ModelRequestError

Role = Literal["system", "user", "assistant", "tool"]


class ChatTurn(BaseModel):
    """One message as the model sees it."""

    model_config = ConfigDict(frozen=True)

    role: Role
    """Who speaks."""
    content: str
    """The text (parts of a multi-part message joined)."""


def _text_of(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for part in content:
        if isinstance(part, str):
            parts.append(part)
        elif part.get("type") == "text" and isinstance(part.get("text"), str):
            parts.append(str(part["text"]))
        else:
            raise ModelRequestError(f"message part of type {part.get('type')!r} is not supported (text only)")
    return "".join(parts)


def to_turns(messages: Sequence[BaseMessage]) -> list[ChatTurn]:
    """Map system/human/ai/tool messages to chat turns; anything else is refused."""
    turns: list[ChatTurn] = []
    for message in messages:
        role: Role
        if isinstance(message, SystemMessage):
            role = "system"
        elif isinstance(message, HumanMessage):
            role = "user"
        elif isinstance(message, AIMessage):
            role = "assistant"
        elif isinstance(message, ToolMessage):
            role = "tool"
        else:
            raise ModelRequestError(f"unsupported message type {type(message).__name__}")
        turns.append(ChatTurn(role=role, content=_text_of(message)))
    if not turns:
        raise ModelRequestError("no messages to send to the model")
    return turns
