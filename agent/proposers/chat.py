"""Model mode: a langchain-core chat model proposes, under the JSON Schema of what the step allows."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ValidationError

from agent.actions import DoneAnswer, answer_adapter
from agent.analysis import AnalysisAnswer, analysis_adapter, parse_analysis
from agent.llm.errors import ModelError
from agent.prompts import analysis_message, messages_for, system_prompt
from agent.proposers.base import Call, Done, ModelOutputError, StepView
from playbooks.catalogue import Catalogue
from playbooks.schema import Playbook


class ChatProposer:
    """Asks the model for one JSON answer; constrained backends cannot produce anything else."""

    name = "model"

    def __init__(
        self, model: BaseChatModel, playbook: Playbook, catalogue: Catalogue, *, evidence_chars: int = 6000
    ) -> None:
        self.model = model
        self.playbook = playbook
        self.catalogue = catalogue
        self.evidence_chars = evidence_chars

    def propose(self, view: StepView) -> Call | Done:
        """Invoke the model with the allowed-answer schema; parse and validate what it says."""
        adapter = answer_adapter(view, self.catalogue)
        schema = adapter.json_schema()
        messages = messages_for(self.playbook, view, evidence_chars=self.evidence_chars)
        raw = self._ask(messages, "answer", schema)
        try:
            parsed = adapter.validate_json(raw)
        except ValidationError as exc:
            raise ModelOutputError(
                f"model answer is not an allowed action ({_first_error(exc, 'answer')})", raw=raw
            ) from exc
        if isinstance(parsed, DoneAnswer):
            return Done(rationale=parsed.rationale)
        if not isinstance(parsed, BaseModel):
            raise ModelOutputError("model answer did not parse into an action", raw=raw)
        data = parsed.model_dump(mode="json")
        args_model: BaseModel = getattr(parsed, "args")  # noqa: B009 - a field of a dynamically built model
        args = args_model.model_dump(mode="json", exclude_unset=True)  # only what the model said
        return Call(tool=data["tool"], args=args, rationale=data["rationale"], cites=tuple(data["cites"]))

    def analyse(self, view: StepView) -> tuple[AnalysisAnswer, str]:
        """The model's verdict and findings on the evidence in `view`; raises ModelOutputError on garbage."""
        shas = [ex.sha256 for ex in view.evidence]
        schema = analysis_adapter(shas).json_schema()
        messages = [
            SystemMessage(system_prompt(self.playbook)),
            HumanMessage(analysis_message(view, evidence_chars=self.evidence_chars)),
        ]
        raw = self._ask(messages, "analysis", schema)
        try:
            return parse_analysis(raw, shas), raw
        except ValidationError as exc:
            raise ModelOutputError(
                f"model analysis does not fit its schema ({_first_error(exc, 'analysis')})", raw=raw
            ) from exc

    def _ask(self, messages: list[BaseMessage], name: str, schema: dict[str, Any]) -> str:
        """The model's raw answer under the named JSON Schema; a backend failure is refused like garbage."""
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": True},
        }
        try:
            reply = self.model.invoke(messages, response_format=response_format)
        except ModelError as exc:  # unreachable server, answer cut off: the caller treats it as garbage
            raise ModelOutputError(f"the model backend failed: {exc}") from exc
        return reply.content if isinstance(reply.content, str) else json.dumps(reply.content)


def _first_error(exc: ValidationError, whole: str) -> str:
    """`where: what` of the first validation error (`whole` when it is about the whole answer)."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or whole
    return f"{where}: {first['msg']}"
