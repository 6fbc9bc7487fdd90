"""`sleuth playbook test`: replay recorded tool outputs through the real graph; check path, findings, verdict.

A test case lives beside its playbook: `<playbook>.tests/<case>/test.yaml` (target, inputs, answers,
expected outcome) and `<playbook>.tests/<case>/fixtures/` (tool outputs saved by `sleuth run --record`
or `sleuth playbook record`). Each case runs in a throwaway case store with a ReplayExecutor (no host is
touched), the guided proposer, and an approver that gives the scripted answers in order.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.approval.request import Answer, AnswerSyntaxError, ApprovalRequest, ApproverBase, parse_answer
from agent.case.errors import CaseError
from agent.case.state import CaseState, StepStatus
from agent.case.store import CaseStore
from agent.report import CaseStatus, CaseVerdict, ReportClaimError, read_verdict
from agent.run.runner import drive
from agent.run.session import RunSpec, open_case, session_scope
from playbooks import PlaybookError, list_playbooks
from tools.errors import ToolError

TEST_FILE = "test.yaml"
FIXTURES_DIR = "fixtures"
TESTS_SUFFIX = ".tests"
APPROVER = "playbook-test"


class PlaybookTestError(PlaybookError):
    """A test case cannot be read or run as written (bad test.yaml, refused scripted answer)."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectedStep(_Spec):
    """One step of the expected path."""

    id: str
    """Step id."""
    status: StepStatus
    """done | skipped | denied | condition_false | failed | aborted."""


class Contains(_Spec):
    """A finding that must hold at least these values (others may come along)."""

    contains: list[str]
    """Values that must be present."""


class Expectation(_Spec):
    """What the replayed case must end with."""

    status: Literal["closed", "aborted"] = "closed"
    """How the case ends."""
    steps: list[ExpectedStep]
    """Every step in playbook order with how it ended (skipped conditions included)."""
    findings: dict[str, list[str] | Contains] = Field(default_factory=dict)
    """Finding name to its exact set of values, or `{contains: [...]}`; every finding must be named."""
    ignore_findings: list[str] = Field(default_factory=list)
    """Findings whose values vary between recordings (pids, ports): not checked, allowed to appear."""
    verdict: CaseStatus | None = None
    """The case verdict the report must reach (compromised, suspicious, no_evidence, inconclusive); unchecked
    when absent."""


class TestSpec(_Spec):
    """A test.yaml file."""

    description: str = ""
    """What the case shows."""
    target: str
    """The host name the fixtures were recorded on (an inventory host name)."""
    inputs: dict[str, str] = Field(default_factory=dict)
    """Playbook inputs, as `--input k=v` strings."""
    answers: list[str] = Field(default_factory=list)
    """Approval answers in order (a, d REASON, s, b, e {json}); after the last, every proposal is approved."""
    expect: Expectation
    """The expected outcome."""


@dataclass(frozen=True)
class TestCase:
    """One test case on disk."""

    name: str
    """`<playbook id>/<case folder>`."""
    playbook: Path
    """The playbook file."""
    directory: Path
    """The case folder (test.yaml and fixtures/)."""


@dataclass(frozen=True)
class CaseResult:
    """How one case went: passed, or the first difference found."""

    case: TestCase
    passed: bool
    detail: str

    def line(self) -> str:
        """`PASS name (detail)` or `FAIL name: detail`."""
        if self.passed:
            return f"PASS {self.case.name} ({self.detail})"
        return f"FAIL {self.case.name}: {self.detail}"


def tests_dir(playbook: Path) -> Path:
    """Where a playbook's test cases live: `<playbook stem>.tests/` beside the file."""
    return playbook.with_name(playbook.stem + TESTS_SUFFIX)


def load_spec(directory: Path) -> TestSpec:
    """Read and validate a case's test.yaml."""
    path = directory / TEST_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return TestSpec.model_validate(data)
    except OSError as exc:
        raise PlaybookTestError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise PlaybookTestError(f"{path}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise PlaybookTestError(f"{path}: {problems}") from exc


def _cases_of(playbook: Path, name: str) -> list[TestCase]:
    root = tests_dir(playbook)
    if not root.is_dir():
        return []
    return [
        TestCase(name=f"{name}/{d.name}", playbook=playbook, directory=d)
        for d in sorted(root.iterdir())
        if (d / TEST_FILE).is_file()
    ]


def _playbook_of_case(directory: Path) -> Path | None:
    parent = directory.resolve().parent
    if not parent.name.endswith(TESTS_SUFFIX):
        return None
    stem = parent.name[: -len(TESTS_SUFFIX)]
    found = [p for p in (parent.with_name(stem + ".yaml"), parent.with_name(stem + ".yml")) if p.is_file()]
    return found[0] if found else None


def discover(targets: Sequence[str], extra_dirs: Iterable[Path] = ()) -> list[TestCase]:
    """Test cases of playbook ids, playbook files, case folders, `.tests` folders or folders of playbooks."""
    entries = list_playbooks(extra_dirs)
    by_path = {e.path.resolve(): e.id for e in entries}
    if not targets:
        return [c for e in entries for c in _cases_of(e.path, e.id)]
    cases: list[TestCase] = []
    for target in targets:
        path = Path(target)
        if (path / TEST_FILE).is_file():
            playbook = _playbook_of_case(path)
            if playbook is None:
                raise PlaybookTestError(f"{path}: a case folder belongs in <playbook>.tests/")
            name = by_path.get(playbook.resolve(), playbook.stem)
            cases.append(TestCase(name=f"{name}/{path.name}", playbook=playbook, directory=path))
        elif path.is_dir() and path.name.endswith(TESTS_SUFFIX):
            playbook = _playbook_of_case(path / "x")
            if playbook is None:
                raise PlaybookTestError(f"{path}: no playbook beside this .tests folder")
            cases += _cases_of(playbook, by_path.get(playbook.resolve(), playbook.stem))
        elif path.is_dir():
            for file in sorted(path.rglob("*.yaml")):
                if not any(part.endswith(TESTS_SUFFIX) for part in file.parts):
                    cases += _cases_of(file, by_path.get(file.resolve(), file.stem))
        elif path.suffix in (".yaml", ".yml") and path.is_file():
            cases += _cases_of(path, by_path.get(path.resolve(), path.stem))
        else:
            match = [e for e in entries if e.id == target]
            if not match:
                raise PlaybookTestError(f"no playbook, case folder or file {target!r}")
            cases += _cases_of(match[0].path, match[0].id)
    return cases


class ScriptedApprover(ApproverBase):
    """Answers from a list, in order; approves everything once the list runs out."""

    def __init__(self, answers: Sequence[str]) -> None:
        self.answers = list(answers)
        self.used = 0

    def ask(self, request: ApprovalRequest) -> Answer:
        """The next scripted answer for this proposal; a refused answer ends the case with an error."""
        if request.validation_note is not None:
            raise PlaybookTestError(f"answer {self.used} to {request.proposal.id}: {request.validation_note}")
        if self.used >= len(self.answers):
            return Answer(verdict="approve")
        line = self.answers[self.used]
        self.used += 1
        try:
            return parse_answer(line, request.proposal)
        except AnswerSyntaxError as exc:
            raise PlaybookTestError(f"answer {self.used} ({line!r}) to {request.proposal.id}: {exc}") from exc


def _inventory(directory: Path, host: str) -> Path:
    # Replay never connects: the inventory only tells the graph which host name the target is.
    path = directory / "replay-inventory.yaml"
    path.write_text(yaml.safe_dump({"hosts": {host: {"address": "127.0.0.1", "user": "replay"}}}))
    return path


@dataclass(frozen=True)
class Replayed:
    """How a replayed case ended: its final state and the verdict its report reached."""

    state: CaseState
    verdict: CaseVerdict | None


def replay(case: TestCase, spec: TestSpec, workdir: Path) -> Replayed:
    """Run the case through the real graph against its fixtures; the final state and the report's verdict."""
    fixtures = case.directory / FIXTURES_DIR
    if not fixtures.is_dir():
        raise PlaybookTestError(f"{case.directory}: no {FIXTURES_DIR}/ folder (record one first)")
    run = RunSpec(
        playbook_path=str(case.playbook.resolve()),
        target=spec.target,
        inventory=str(_inventory(workdir, spec.target)),
        inputs=spec.inputs,
        backend="guided",
        replay_dir=str(fixtures.resolve()),
    )
    approver = ScriptedApprover(spec.answers)
    session = open_case(run, store=CaseStore(workdir / "cases"), approver=APPROVER)
    with session_scope(session):
        outcome = drive(session.ctx, approver, session.initial)
    if outcome.state is None:
        raise PlaybookTestError("the case paused waiting for an answer")
    if approver.used < len(spec.answers):
        raise PlaybookTestError(f"{len(spec.answers) - approver.used} scripted answer(s) never asked for")
    return Replayed(state=outcome.state, verdict=read_verdict(session.case.dir))


def _set_diff(name: str, expected: set[str], got: set[str]) -> str | None:
    missing, extra = sorted(expected - got), sorted(got - expected)
    if not missing and not extra:
        return None
    parts = [f"missing {missing}" if missing else "", f"unexpected {extra}" if extra else ""]
    return f"finding {name}: " + "; ".join(p for p in parts if p)


def first_difference(expect: Expectation, state: CaseState, verdict: CaseVerdict | None = None) -> str | None:
    """The first way the final state (and the report's verdict) differs from the expectation, or None."""
    misses = [e for e in state.executions if e.error_kind == "ReplayMissError"]
    if misses:
        return f"step {misses[0].proposal_id.split('#')[0]}: ReplayMissError: {misses[0].error}"
    path = [(o.step_id, o.status) for o in state.outcomes]
    want = [(s.id, s.status) for s in expect.steps]
    for i in range(max(len(path), len(want))):
        got_s = f"{path[i][0]}={path[i][1]}" if i < len(path) else "(nothing)"
        want_s = f"{want[i][0]}={want[i][1]}" if i < len(want) else "(nothing)"
        if got_s != want_s:
            return f"step {i + 1}: expected {want_s}, got {got_s}"
    if state.status != expect.status:
        return f"case status: expected {expect.status}, got {state.status}"
    found: dict[str, set[str]] = {}
    for f in state.findings:
        found.setdefault(f.name, set()).add(f.value)
    for name, check in expect.findings.items():
        got = found.get(name, set())
        if isinstance(check, Contains):
            lacking = sorted(set(check.contains) - got)
            if lacking:
                return f"finding {name}: missing {lacking}"
        elif problem := _set_diff(name, set(check), got):
            return problem
    unnamed = sorted(set(found) - set(expect.findings) - set(expect.ignore_findings))
    if unnamed:
        return f"unexpected finding(s) {unnamed} (values {sorted(found[unnamed[0]])[:5]})"
    if expect.verdict is not None and (verdict is None or verdict.status != expect.verdict):
        reached = f"{verdict.status} ({verdict.summary})" if verdict is not None else "no verdict"
        return f"verdict: expected {expect.verdict}, got {reached}"
    return None


def run_case(case: TestCase) -> CaseResult:
    """Load, replay and check one case; any error becomes a FAIL line, never a traceback."""
    try:
        spec = load_spec(case.directory)
        with tempfile.TemporaryDirectory(prefix="sleuth-playbook-test-") as tmp:
            replayed = replay(case, spec, Path(tmp))
    except (PlaybookError, ToolError, CaseError, ReportClaimError) as exc:
        return CaseResult(case, False, f"{type(exc).__name__}: {exc}")
    state = replayed.state
    problem = first_difference(spec.expect, state, replayed.verdict)
    if problem is not None:
        return CaseResult(case, False, problem)
    verdict = f", verdict {replayed.verdict.status}" if replayed.verdict is not None else ""
    return CaseResult(case, True, f"{len(state.outcomes)} steps, {len(state.findings)} findings{verdict}")
