"""The one test double allowed: a scripted chat model at the LLM boundary.

Each turn is either a fixed string (the model's raw output, garbage included) or a function of the
prompt (e.g. echo the playbook's default args). It records every call, with the response_format asked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr

Turn = str | Callable[[Sequence[BaseMessage]], str]


class ScriptedChatModel(BaseChatModel):
    """Answers from a script, in order; running out of script is a test failure, not a silent default."""

    turns: list[Any]
    _calls: list[dict[str, Any]] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    @property
    def calls(self) -> list[dict[str, Any]]:
        """Every call: the messages' text and the response_format passed."""
        return self._calls

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        index = len(self._calls)
        self._calls.append(
            {"messages": [str(m.content) for m in messages], "response_format": kwargs.get("response_format")}
        )
        if index >= len(self.turns):
            raise AssertionError(
                f"the scripted model has no turn {index + 1}; prompt was:\n{messages[-1].content}"
            )
        turn = self.turns[index]
        text = turn(messages) if callable(turn) else turn
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


def echo_default_call(
    rationale: str = "the playbook's own call fits",
) -> Callable[[Sequence[BaseMessage]], str]:
    """A turn that proposes the step's own call with the playbook's default args, read from the prompt."""

    def turn(messages: Sequence[BaseMessage]) -> str:
        prompt = str(messages[-1].content)
        tool = re.search(r"Propose the step's own call: tool (\w+)\.", prompt)
        args = re.search(
            r"Playbook default args [^\n]*\n<<<UNTRUSTED-EVIDENCE>>>\n(\{.*\})$", prompt, re.MULTILINE
        )
        assert tool and args, f"not an own-call prompt:\n{prompt}"
        return json.dumps(
            {
                "action": "call",
                "tool": tool.group(1),
                "args": json.loads(args.group(1)),
                "rationale": rationale,
                "cites": [],
            }
        )

    return turn


def call(tool: str, args: dict[str, Any], rationale: str = "follow-up") -> str:
    """A fixed call answer."""
    return json.dumps({"action": "call", "tool": tool, "args": args, "rationale": rationale, "cites": []})


DONE = json.dumps({"action": "done", "rationale": "nothing more to check in this step"})


def analysis(
    verdict: str = "inconclusive",
    findings: Sequence[tuple[str, str, str]] = (),
    *,
    attack: Sequence[str] = (),
) -> Callable[[Sequence[BaseMessage]], str]:
    """A turn answering an analysis request; findings (name, kind, value) cite the first evidence shown."""

    def turn(messages: Sequence[BaseMessage]) -> str:
        prompt = str(messages[-1].content)
        sha = re.search(r"Evidence sha256 ([0-9a-f]{64})", prompt)
        assert sha and "Analyse the evidence" in prompt, f"not an analysis prompt:\n{prompt}"
        return json.dumps(
            {
                "verdict": verdict,
                "confidence": 0.8,
                "summary": "scripted analysis",
                "findings": [
                    {"name": n, "kind": k, "value": v, "evidence": sha.group(1)} for n, k, v in findings
                ],
                "attack": list(attack),
            }
        )

    return turn
