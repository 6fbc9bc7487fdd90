"""Checkpoints revive only our state records, under their module's name now and under the name checkpoints
written before the agent package was split use (`agent.state`), so a case paused then still resumes."""

from __future__ import annotations

import importlib

from agent.case import state
from agent.case.checkpoints import LEGACY_STATE_MODULE, checkpoint_serde


def _as_written_by(module: str) -> type[state.StepOutcome]:
    """StepOutcome as a checkpoint names it when its class lived in `module`."""
    return type("StepOutcome", (state.StepOutcome,), {"__module__": module})


def test_a_record_named_by_the_old_module_is_revived_as_the_record() -> None:
    serde = checkpoint_serde()
    written = _as_written_by(LEGACY_STATE_MODULE)(step_id="s1", status="done", proposals=("p1",))
    kind, blob = serde.dumps_typed({"outcomes": [written]})
    assert LEGACY_STATE_MODULE.encode() in blob and b"agent.case.state" not in blob
    revived = serde.loads_typed((kind, blob))["outcomes"][0]
    assert type(revived) is state.StepOutcome
    assert revived == state.StepOutcome(step_id="s1", status="done", proposals=("p1",))
    assert importlib.import_module(LEGACY_STATE_MODULE) is state


def test_a_record_of_another_module_stays_data() -> None:
    serde = checkpoint_serde()
    kind, blob = serde.dumps_typed({"x": _as_written_by("elsewhere.module")(step_id="s1", status="done")})
    revived = serde.loads_typed((kind, blob))["x"]
    assert not isinstance(revived, state.StepOutcome)  # not on the allowlist: its fields, never its class
