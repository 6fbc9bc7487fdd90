"""Opening and reopening cases: what a run needs (run.json beside the ledger) and its context."""

from __future__ import annotations

import getpass
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import yaml
from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from agent.approval.credentials import CredentialPrompts
from agent.case.errors import CaseError, CaseIntegrityError, LedgerCorruptError, first_problem
from agent.case.integrity import check_chain, check_checkpoints, check_ledger_head, settings_mismatch
from agent.case.journal import Journal
from agent.case.lease import CaseLease, held_while_building
from agent.case.ledger import LEDGER_FILE, iter_entries
from agent.case.meta import read_meta
from agent.case.payloads import CaseOpened, CaseSettings, ExecutionStarted, LedgerKind, Resumed
from agent.case.state import CaseState
from agent.case.store import Case, CaseStore
from agent.graph.context import RunContext, RunSettings
from agent.graph.executor import Executor, LiveExecutor, RecordingExecutor, ReplayExecutor
from agent.graph.faults import CrashPlan
from agent.llm.info import WeightsMode
from agent.proposers.base import Proposer
from agent.proposers.chat import ChatProposer
from agent.proposers.guided import GuidedProposer
from playbooks import CaseWindow, Catalogue, Playbook, bind_inputs, load_playbook, parse_window
from tools.intel.store import IntelStore
from tools.inventory import load_inventory
from tools.settings import data_dir
from tools.targets import Targets

RUN_FILE = "run.json"
Backend = Literal["guided", "local", "openai"]
BACKENDS: dict[str, Backend] = {"guided": "guided", "local": "local", "openai": "openai"}
"""The proposers a case can have, by name (`auto` chooses one of them)."""


class RunSpec(BaseModel):
    """How a case runs; saved as run.json so `sleuth resume` rebuilds the same context."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    playbook_path: str
    """The playbook file."""
    target: str
    """Host, group, or `local`, as given."""
    inventory: str | None = None
    """Inventory file for SSH targets."""
    inputs: dict[str, str] = {}
    """Raw `--input k=v` values."""
    backend: Backend = "guided"
    """Who proposes."""
    model: str | None = None
    """Model path or id (local) or name (openai)."""
    base_url: str | None = None
    """OpenAI-compatible server."""
    weights: WeightsMode = "model"
    """Local model weights: `model` as stored, or `int8` weight-only (absent in older run.json: `model`)."""
    intel_db: str | None = None
    """Intel store file (default: the data dir's)."""
    timeout_s: float = 30.0
    """Per-command timeout."""
    fanout_concurrency: int = Field(default=16, ge=1, le=256)
    """Hosts a step runs on at once (a group target)."""
    model_deadline_s: float | None = Field(default=None, gt=0, le=3600)
    """Overall time for one model proposal, all its tries together (None: the backend's own, 120 s)."""
    trust_new_host_keys: bool = False
    """Pin host keys seen for the first time (reported)."""
    record_dir: str | None = None
    """Save every tool output here as replay fixtures."""
    replay_dir: str | None = None
    """Answer tool calls from these fixtures instead of running them."""
    approval_ttl_s: float | None = None
    """Approvals older than this are asked again before running."""
    since: str | None = None
    """`--since` as given (ISO 8601 or a duration); resolved once, at opening, into the ledger's window."""
    until: str | None = None
    """`--until` as given; resolved likewise (resume reads the window from the ledger, never from here)."""
    log_paths: dict[str, tuple[str, ...]] = {}
    """`--log KIND=PATH`: where the target's logs of a kind are (collected logs, unusual places)."""


def case_settings(spec: RunSpec) -> CaseSettings:
    """The settings of a spec that change what may run, as the ledger records them."""
    return CaseSettings(
        approval_ttl_s=spec.approval_ttl_s,
        trust_new_host_keys=spec.trust_new_host_keys,
        timeout_s=spec.timeout_s,
        log_paths=spec.log_paths,
        backend=spec.backend,
    )


def read_run_spec(case_dir: Path) -> RunSpec:
    """The case's run.json; a missing or corrupt one is a CaseIntegrityError (one line)."""
    path = case_dir / RUN_FILE
    try:
        return RunSpec.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise CaseIntegrityError(f"case {case_dir.name}: cannot read {RUN_FILE}: {exc.strerror}") from exc
    except ValidationError as exc:
        raise CaseIntegrityError(
            f"case {case_dir.name}: {RUN_FILE} is corrupt ({first_problem(exc)}); refusing to resume"
        ) from exc


def _json_inputs(values: dict[str, str | int | list[str]]) -> dict[str, JsonValue]:
    return {k: list(v) if isinstance(v, list) else v for k, v in values.items()}


CONFIG_FILE = "config.yaml"


def resolve_backend(choice: str) -> Backend:
    """The proposer named; `auto`: the default local model when its weights are here, else guided."""
    if choice != "auto":
        return BACKENDS[choice]
    from agent.llm.factory import default_model_available  # no model stack unless asked

    return "local" if default_model_available() else "guided"


def default_approver() -> str:
    """The `approver:` of `<data dir>/config.yaml`, else `user@host` of whoever runs sleuth."""
    path = data_dir() / CONFIG_FILE
    if path.is_file():
        try:
            config = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise CaseError(f"{path}: cannot read the configuration: {exc}") from exc
        name = config.get("approver") if isinstance(config, dict) else None
        if name is not None:
            if not isinstance(name, str) or not name.strip() or not name.isprintable():
                raise CaseError(f"{path}: `approver` must be a printable name, not {name!r}")
            return name.strip()
    return f"{getpass.getuser()}@{socket.gethostname()}"


@dataclass
class Session:
    """An open case with its live dependencies; close it when done."""

    case: Case
    ctx: RunContext
    initial: CaseState
    targets: Targets | None = None
    lease: CaseLease | None = None
    """This process's hold on the case (one driver at a time), released on close."""

    def close(self) -> None:
        """Close SSH connections and the ledger, then give the case's lease back."""
        try:
            if self.targets is not None:
                self.targets.close()
            self.case.release()
        finally:
            if self.lease is not None:
                self.lease.release()


def _executor(spec: RunSpec, credentials: CredentialPrompts) -> tuple[Executor, Targets | None]:
    if spec.replay_dir is not None:
        return ReplayExecutor(Path(spec.replay_dir)), None
    inventory = load_inventory(Path(spec.inventory)) if spec.inventory else None
    targets = Targets(
        inventory,
        trust_new_host_keys=credentials.trust_new_key,
        unlock_key=credentials.unlock_key,
        log_paths=spec.log_paths,
    )
    intel = IntelStore.open(Path(spec.intel_db) if spec.intel_db else data_dir() / "intel.sqlite")
    live: Executor = LiveExecutor(
        targets, intel=intel, timeout_s=spec.timeout_s, fanout_concurrency=spec.fanout_concurrency
    )
    if spec.record_dir is not None:
        live = RecordingExecutor(live, Path(spec.record_dir))
    return live, targets


def _proposer(
    spec: RunSpec, playbook: Playbook, catalogue: Catalogue, chat_model: BaseChatModel | None
) -> Proposer:
    if chat_model is not None:
        return ChatProposer(chat_model, playbook, catalogue, deadline_s=spec.model_deadline_s)
    if spec.backend == "guided":
        return GuidedProposer()
    from agent.llm.factory import make_chat_model  # the model stack loads only when a model is asked for

    model = make_chat_model(spec.backend, model=spec.model, base_url=spec.base_url, weights=spec.weights)
    return ChatProposer(model, playbook, catalogue, deadline_s=spec.model_deadline_s)


def _hosts(spec: RunSpec) -> tuple[str, ...]:
    if spec.target == "local":
        return ("local",)
    inventory = load_inventory(Path(spec.inventory)) if spec.inventory else None
    return Targets(inventory).resolve(spec.target)


def _build(
    case: Case,
    spec: RunSpec,
    *,
    window: CaseWindow | None,
    approver: str,
    chat_model: BaseChatModel | None,
    crash: CrashPlan,
) -> Session:
    catalogue = Catalogue.default()
    playbook = load_playbook(Path(spec.playbook_path), catalogue=catalogue)
    inputs = bind_inputs(playbook, spec.inputs)
    journal = Journal.load(case)
    credentials = CredentialPrompts(journal, actor=approver, trust_all_keys=spec.trust_new_host_keys)
    executor, targets = _executor(spec, credentials)
    proposer = _proposer(spec, playbook, catalogue, chat_model)
    ctx = RunContext(
        journal=journal,
        playbook=playbook,
        catalogue=catalogue,
        executor=executor,
        proposer=proposer,
        analyst=proposer if isinstance(proposer, ChatProposer) else None,
        approver=approver,
        settings=RunSettings(approval_ttl_s=spec.approval_ttl_s),
        crash=crash,
        credentials=credentials,
    )
    values = _json_inputs(inputs.values)
    initial = CaseState(
        case_id=case.id, playbook_path=spec.playbook_path, hosts=_hosts(spec), inputs=values, window=window
    )
    return Session(case=case, ctx=ctx, initial=initial, targets=targets)


def open_case(
    spec: RunSpec,
    *,
    store: CaseStore,
    approver: str,
    chat_model: BaseChatModel | None = None,
    crash: CrashPlan | None = None,
    command: str = "sleuth run",
) -> Session:
    """Validate everything a run needs, then create the case (ledger case_opened, with the window resolved
    to absolute times now) and its run.json; the session holds the case's lease (`command` names it there)."""
    playbook = load_playbook(Path(spec.playbook_path), catalogue=Catalogue.default())
    inputs = bind_inputs(playbook, spec.inputs)
    window = parse_window(spec.since, spec.until, now=datetime.now(UTC))
    _hosts(spec)  # an unknown host or group fails before a case exists
    case = store.create(
        playbook_id=playbook.id,
        target=spec.target,
        actor=approver,
        approver=approver,
        inputs=_json_inputs(inputs.values),
        window=window,
        settings=case_settings(spec),
        files={RUN_FILE: spec.model_dump_json(indent=2).encode() + b"\n"},
    )
    with held_while_building(CaseLease.acquire(case.dir, command=command), case.release) as lease:
        session = _build(
            case,
            spec,
            window=window,
            approver=approver,
            chat_model=chat_model,
            crash=crash or CrashPlan.from_env(),
        )
    session.lease = lease
    return session


def reopen_case(
    case_ref: str,
    *,
    store: CaseStore,
    approver: str,
    chat_model: BaseChatModel | None = None,
    crash: CrashPlan | None = None,
    reason: str = "resumed",
    command: str = "sleuth resume",
) -> Session:
    """Reopen a case: take its lease (CaseLockedError while another process drives it), check it (run.json,
    the chain, the checkpoints and the ledger entries they name: a CaseIntegrityError and nothing written
    when one fails), repair a torn ledger line (recorded), record `resumed`, rebuild the context."""
    case_dir = store.case_dir(case_ref)
    with held_while_building(CaseLease.acquire(case_dir, command=command)) as lease:
        meta = read_meta(case_dir)  # again, under the lease: the last driver may have closed it meanwhile
        if meta.status != "open":
            raise CaseError(f"case {meta.id} is {meta.status}; nothing to resume (`sleuth report {meta.id}`)")
        spec = read_run_spec(case_dir)
        check_chain(case_dir)
        check_checkpoints(case_dir)
        check_ledger_head(case_dir, meta.id)
        try:
            case = store.open(case_ref)
        except LedgerCorruptError as exc:
            raise CaseIntegrityError(f"case {case_dir.name}: {exc}; refusing to resume") from exc
    with held_while_building(lease, case.release):
        session = _resumed(case, spec, approver=approver, chat_model=chat_model, crash=crash, reason=reason)
    session.lease = lease
    return session


def _resumed(
    case: Case,
    spec: RunSpec,
    *,
    approver: str,
    chat_model: BaseChatModel | None,
    crash: CrashPlan | None,
    reason: str,
) -> Session:
    """The checked case's session: torn line repaired, settings from the ledger, `resumed` recorded."""
    opened = _case_opened(case)
    spec = _bound_spec(spec, opened.settings, case.id)
    if case.ledger.torn is not None:
        case.ledger.repair(actor="system", evidence=case.evidence)
    session = _build(
        case,
        spec,
        window=opened.window,
        approver=approver,
        chat_model=chat_model,
        crash=crash or CrashPlan.from_env(),
    )
    head = case.ledger.head
    if head is not None and head.kind is LedgerKind.CASE_CLOSED:
        # Closed in the ledger, killed before case.json said so: the report node only finishes that, and
        # nothing may follow case_closed (`audit verify` fails entries after the closed head).
        return session
    pending = _unfinished_start(session.ctx.journal)
    session.ctx.journal.record(
        Resumed(last_seq=case.ledger.head_seq, reason=reason, pending_started_seq=pending), actor=approver
    )
    return session


def _bound_spec(spec: RunSpec, recorded: CaseSettings | None, case_id: str) -> RunSpec:
    """The spec under the ledger's settings; a run.json that disagrees is refused (older ledgers: as is)."""
    if recorded is None:
        return spec
    differ = settings_mismatch(recorded, case_settings(spec))
    if differ:
        raise CaseIntegrityError(
            f"case {case_id}: {RUN_FILE} disagrees with the ledger's case_opened on {', '.join(differ)}; "
            "refusing to resume"
        )
    return spec.model_copy(update=recorded.model_dump())


def _case_opened(case: Case) -> CaseOpened:
    first = next(iter_entries(case.dir / LEDGER_FILE), None)
    if first is None or first.kind is not LedgerKind.CASE_OPENED:
        raise CaseError(f"case {case.id}: the ledger does not start with case_opened")
    return first.payload_as(CaseOpened)


def recorded_window(case: Case) -> CaseWindow | None:
    """The window the case was opened with, from its ledger's case_opened entry (the one record of it)."""
    return _case_opened(case).window


def _unfinished_start(journal: Journal) -> int | None:
    """The latest start cut short by a crash (a start superseded by a re-execution is not pending)."""
    for decision_seq, starts in journal.started_by_decision.items():
        runs = (e.payload_as(ExecutionStarted) for e in starts)
        for host, item in dict.fromkeys((run.host, run.item) for run in runs):
            start, end = journal.runs(decision_seq, host, item)
            if start is not None and end is None:
                return start.seq
    return None


@contextmanager
def session_scope(session: Session) -> Iterator[Session]:
    """Close the session however the run ends."""
    try:
        yield session
    finally:
        session.close()
