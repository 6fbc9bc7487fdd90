"""`sleuth playbook record`: run a playbook live (every step approved), save its tool outputs as fixtures and
write a test.yaml with the path and findings observed, for the author to review and commit."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml

from agent.authoring.replay import FIXTURES_DIR, TEST_FILE, PlaybookTestError, ScriptedApprover, tests_dir
from agent.case.state import CaseState
from agent.case.store import CaseStore
from agent.run.runner import drive
from agent.run.session import RunSpec, open_case, session_scope

APPROVER = "playbook-record"


def expectation_of(state: CaseState, *, ignore: frozenset[str] = frozenset()) -> dict[str, object]:
    """The `expect:` mapping of a test.yaml that a replay of this state satisfies."""
    findings: dict[str, list[str]] = {}
    for f in state.findings:
        if f.name not in ignore:
            values = findings.setdefault(f.name, [])
            if f.value not in values:
                values.append(f.value)
    out: dict[str, object] = {
        "status": "aborted" if state.status == "aborted" else "closed",
        "steps": [{"id": o.step_id, "status": o.status} for o in state.outcomes],
        "findings": {name: sorted(values) for name, values in findings.items()},
    }
    present_ignored = sorted({f.name for f in state.findings} & ignore)
    if present_ignored:
        out["ignore_findings"] = present_ignored
    return out


def record_case(
    playbook: Path,
    *,
    target: str,
    inventory: Path,
    name: str = "default",
    inputs: dict[str, str] | None = None,
    intel_db: Path | None = None,
    timeout_s: float = 30.0,
    ignore: frozenset[str] = frozenset(),
    force: bool = False,
) -> Path:
    """Record a new test case `<playbook>.tests/<name>/`; returns its folder."""
    case_dir = tests_dir(playbook) / name
    if case_dir.exists() and not force:
        raise PlaybookTestError(f"{case_dir} exists; use --force to record it again")
    with tempfile.TemporaryDirectory(prefix="sleuth-playbook-record-") as tmp:
        fixtures = Path(tmp) / FIXTURES_DIR
        spec = RunSpec(
            playbook_path=str(playbook.resolve()),
            target=target,
            inventory=str(inventory.resolve()),
            inputs=inputs or {},
            backend="guided",
            intel_db=str(intel_db) if intel_db else None,
            timeout_s=timeout_s,
            record_dir=str(fixtures),
        )
        session = open_case(spec, store=CaseStore(Path(tmp) / "cases"), approver=APPROVER)
        with session_scope(session):
            outcome = drive(session.ctx, ScriptedApprover([]), session.initial)
        state = outcome.state
        if state is None:
            raise PlaybookTestError("the recording paused waiting for an answer")
        if len(state.hosts) != 1:
            raise PlaybookTestError(f"record one host at a time; {target!r} is {', '.join(state.hosts)}")
        failed = [e for e in state.executions if e.error is not None]
        if failed:
            # A tool error is not saved as a fixture: its replay would be a ReplayMissError, not this error.
            first = failed[0]
            raise PlaybookTestError(
                f"step {first.proposal_id.split('#')[0]} failed live ({first.error_kind}: {first.error}); "
                "fix the playbook or the host before recording"
            )
        test = {
            "description": f"Recorded live on {state.hosts[0]}, every step approved. Review it.",
            "target": state.hosts[0],
            "inputs": inputs or {},
            "answers": [],
            "expect": expectation_of(state, ignore=ignore),
        }
        if case_dir.exists():
            shutil.rmtree(case_dir)
        case_dir.mkdir(parents=True)
        if fixtures.is_dir():
            shutil.copytree(fixtures, case_dir / FIXTURES_DIR)
        else:  # every step skipped or denied: nothing ran, nothing to replay
            (case_dir / FIXTURES_DIR).mkdir()
        text = yaml.safe_dump(test, sort_keys=False, allow_unicode=True, width=100)
        (case_dir / TEST_FILE).write_text(text, encoding="utf-8")
    return case_dir
