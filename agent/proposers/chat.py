"""Model mode: a langchain-core chat model proposes, under the JSON Schema of what the step allows."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ValidationError

from agent.llm.budget import DEFAULT_DEADLINE_S
from agent.llm.errors import ModelDeadlineError, ModelError
from agent.proposers.actions import DoneAnswer, answer_adapter
from agent.proposers.analysis import AnalysisAnswer, analysis_adapter, parse_analysis
from agent.proposers.base import Call, CallBudget, Done, ModelOutputError, ProposerSource, StepView
from agent.proposers.prompts import analysis_message, messages_for, system_prompt
from playbooks import Catalogue, Playbook


class ChatProposer:
    """Asks the model for one JSON answer; constrained backends cannot produce anything else."""

    name = "model"
    source: ProposerSource = "model"
    proposes_followups = True
    fallible = True

    def __init__(
        self,
        model: BaseChatModel,
        playbook: Playbook,
        catalogue: Catalogue,
        *,
        evidence_chars: int = 6000,
        deadline_s: float | None = None,
    ) -> None:
        """`deadline_s`: seconds one proposal may take with every try; default the backend's own call limit
        (`timeout_s`, 120 s unless configured), so its retries share one budget instead of one each."""
        self.model = model
        self.playbook = playbook
        self.catalogue = catalogue
        self.evidence_chars = evidence_chars
        own = getattr(model, "timeout_s", None)
        self.deadline_s: float | None = (
            deadline_s
            if deadline_s is not None
            else (float(own) if isinstance(own, int | float) else DEFAULT_DEADLINE_S)
        )

    def propose(self, view: StepView, budget: CallBudget | None = None) -> Call | Done:
        """Invoke the model with the allowed-answer schema; parse and validate what it says."""
        adapter = answer_adapter(view, self.catalogue)
        schema = adapter.json_schema()
        messages = messages_for(self.playbook, view, evidence_chars=self.evidence_chars)
        raw = self._ask(messages, "answer", schema, budget)
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

    def analyse(self, view: StepView, budget: CallBudget | None = None) -> tuple[AnalysisAnswer, str]:
        """The model's verdict and findings on the evidence in `view`; raises ModelOutputError on garbage."""
        shas = [ex.sha256 for ex in view.evidence]
        schema = analysis_adapter(shas).json_schema()
        messages = [
            SystemMessage(system_prompt(self.playbook)),
            HumanMessage(analysis_message(view, evidence_chars=self.evidence_chars)),
        ]
        raw = self._ask(messages, "analysis", schema, budget)
        try:
            return parse_analysis(raw, shas), raw
        except ValidationError as exc:
            raise ModelOutputError(
                f"model analysis does not fit its schema ({_first_error(exc, 'analysis')})", raw=raw
            ) from exc

    def _ask(
        self, messages: list[BaseMessage], name: str, schema: dict[str, Any], budget: CallBudget | None
    ) -> str:
        """The model's raw answer under the named JSON Schema; a backend failure is refused like garbage.

        Past the budget's deadline the refusal is final: no try is left for the caller to make.
        """
        response_format = {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": True},
        }
        budget = budget or CallBudget()
        if budget.deadline is not None and budget.deadline.expired:
            raise ModelOutputError(
                f"the model was not asked: the {budget.deadline.seconds:g} s deadline had passed", final=True
            )
        try:
            reply = self.model.invoke(
                messages,
                response_format=response_format,
                deadline=budget.deadline,
                on_progress=budget.on_progress,
            )
        except ModelDeadlineError as exc:  # final unless the call's own limit ended it with budget to spare
            final = budget.deadline is None or budget.deadline.expired
            raise ModelOutputError(str(exc), final=final) from exc
        except ModelError as exc:  # unreachable server, answer cut off: the caller treats it as garbage
            raise ModelOutputError(f"the model backend failed: {exc}") from exc
        return reply.content if isinstance(reply.content, str) else json.dumps(reply.content)


def _first_error(exc: ValidationError, whole: str) -> str:
    """`where: what` of the first validation error (`whole` when it is about the whole answer)."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or whole
    return f"{where}: {first['msg']}"
