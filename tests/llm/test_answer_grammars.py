"""Every answer the graph can ask for compiles to a grammar against a real tokenizer (xgrammar has limits:
e.g. a pattern repetition bound above ~128 fails to compile), so no step silently loses its model."""

from __future__ import annotations

import json

import pytest

from agent.llm.local import LocalChatModel
from agent.proposers.actions import answer_schema
from agent.proposers.base import StepView
from playbooks.catalogue import Catalogue
from playbooks.model import Followup, Step
from tools.registry import TOOL_MODULES


@pytest.mark.parametrize("tool", TOOL_MODULES)
@pytest.mark.parametrize("own_call_done", [False, True])
def test_answer_schema_compiles(tiny_chat: LocalChatModel, tool: str, own_call_done: bool) -> None:
    step = Step(id="s", title="t", tool=tool, followups=[Followup(tool=tool)])
    view = StepView(
        step=step,
        step_number=1,
        step_count=1,
        default_args={},
        own_call_done=own_call_done,
        followups_left={tool: 1},
        findings={},
    )
    schema = answer_schema(view, Catalogue.default())
    tiny_chat.runtime.grammars.json_schema(json.dumps(schema))
