"""A step over a group runs its hosts at once: runs overlap in the ledger, results keep host then item order,
each host's end is reported as it comes, and a dead host is one observation per step while the rest run."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import pytest
import yaml

from agent.approval.request import ApproverCapabilities
from agent.case.entry import LedgerEntry
from agent.case.journal import Journal
from agent.case.ledger import iter_entries
from agent.case.payloads import NoteRecorded
from agent.case.state import CaseState
from agent.case.store import CaseStore
from agent.case.verify import verify
from agent.run.runner import drive
from agent.run.session import RunSpec, open_case, session_scope
from sandbox import launcher
from sandbox.state import SandboxState
from tests.conftest import sandbox_skip_reason
from tests.support.approvers import ScriptedApprover
from tools.transport.known_hosts import NewHostKey

LIVE = 3
PLAYBOOK = r"""
id: test.fleet.logins
title: Failed logins, then each targeted user
version: "1.0"
description: Two steps over a group, the second fanned out over the users the first found.
severity: low
attack: [T1110]
steps:
  - id: failed
    title: Failed logins
    tool: search_logs
    args:
      log: auth
      format: auth
      pattern: 'Failed \S+ for '
    extract:
      users: {column: user, where: {event: failed}}
    guidance: Who was tried.
  - id: per_user
    title: Each targeted user
    tool: search_logs
    for_each: users
    max_items: 3
    args:
      log: auth
      format: auth
      pattern: {concat: ['for ', {item: users, as: regex}, ' from']}
    guidance: What each user saw.
"""
PROGRESS = re.compile(r"^(?P<host>\S+): (done|failed)\b.*\((?P<n>\d+)/(?P<of>\d+) hosts\)$")


class Blackhole:
    """A TCP port that accepts connections and never says anything (a hung host); counts the accepts."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.accepts = 0
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepts += 1
            self._held.append(conn)

    def close(self) -> None:
        """Stop listening and drop every connection held."""
        self.sock.close()
        for conn in self._held:
            conn.close()


@dataclass
class NotedApprover(ScriptedApprover):
    """Approves everything and keeps every progress line shown."""

    capabilities = ApproverCapabilities(notifies=True)
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def notify(self, text: str, *, error: bool = False) -> None:
        """Keep the line."""
        self.lines.append(text)


@dataclass(frozen=True)
class FleetRun:
    """A finished case on a group: its ledger, final state and what the approver was shown."""

    hosts: tuple[str, ...]
    entries: list[LedgerEntry]
    state: CaseState
    lines: list[str]
    case_dir: Path


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxState]:
    """Three sandbox hosts."""
    reason = sandbox_skip_reason()
    if reason is not None:
        pytest.skip(f"sandbox unavailable: {reason}")
    state_dir = tmp_path_factory.mktemp("fleet")
    state = launcher.up(state_dir, hosts=LIVE)
    try:
        yield state
    finally:
        launcher.down(state_dir)


def _inventory(fleet: SandboxState, directory: Path, dead_port: int | None) -> Path:
    """The sandbox inventory with every host in group `fleet`, and a dead host second when asked."""
    doc = yaml.safe_load(fleet.inventory.read_text())
    hosts: dict[str, dict[str, object]] = {}
    for index, (name, entry) in enumerate(doc["hosts"].items()):
        hosts[name] = {**entry, "groups": ["fleet"]}
        if index == 0 and dead_port is not None:
            hosts["dead-01"] = {**entry, "port": dead_port, "connect_timeout_s": 1.5, "groups": ["fleet"]}
    path = directory / "inventory.yaml"
    path.write_text(yaml.safe_dump({"hosts": hosts}, sort_keys=False))
    return path


def _run(
    fleet: SandboxState,
    directory: Path,
    dead_port: int | None = None,
    *,
    approver: NotedApprover | None = None,
    concurrency: int = 16,
    **entry: object,
) -> FleetRun:
    """The playbook on group `fleet`; `entry` changes every host's inventory entry (e.g. key_file)."""
    book = directory / "test" / "fleet" / "logins.yaml"
    book.parent.mkdir(parents=True)
    book.write_text(PLAYBOOK)
    inventory = _inventory(fleet, directory, dead_port)
    if entry:
        doc = yaml.safe_load(inventory.read_text())
        for host in doc["hosts"].values():
            host.update({k: str(v) if isinstance(v, Path) else v for k, v in entry.items()})
        inventory.write_text(yaml.safe_dump(doc, sort_keys=False))
    spec = RunSpec(
        playbook_path=str(book),
        target="fleet",
        inventory=str(inventory),
        backend="guided",
        intel_db=str(directory / "intel.sqlite"),
        fanout_concurrency=concurrency,
    )
    approver = approver or NotedApprover()
    session = open_case(spec, store=CaseStore(directory / "cases"), approver="dana")
    with session_scope(session):
        outcome = drive(session.ctx, approver, session.initial)
    assert outcome.state is not None and outcome.state.status == "closed"
    hosts = tuple(yaml.safe_load(inventory.read_text())["hosts"])
    entries = list(iter_entries(session.case.dir / "ledger.jsonl"))
    return FleetRun(hosts, entries, outcome.state, approver.lines, session.case.dir)


@pytest.fixture(scope="module")
def live_run(fleet: SandboxState, tmp_path_factory: pytest.TempPathFactory) -> FleetRun:
    """The two-step playbook on the three live hosts."""
    return _run(fleet, tmp_path_factory.mktemp("live"))


def _intervals(run: FleetRun, decision: LedgerEntry) -> list[tuple[str, str]]:
    """(start ts, end ts) of each run under a decision, in the order the starts were recorded."""
    ends = {
        e.data["started_seq"]: e.ts for e in run.entries if e.kind in ("execution_finished", "observation")
    }
    return [
        (e.ts, ends[e.seq])
        for e in run.entries
        if e.kind == "execution_started" and e.data["decision_seq"] == decision.seq
    ]


def test_the_hosts_of_a_step_run_at_once(live_run: FleetRun) -> None:
    decisions = [e for e in live_run.entries if e.kind == "decision"]
    assert len(decisions) == 2
    for decision in decisions:
        spans = _intervals(live_run, decision)
        assert len(spans) >= LIVE
        # One after another, each run would start after the previous one ended; at once, some start before.
        assert any(later[0] < earlier[1] for earlier, later in pairwise(spans)), spans


def test_concurrency_one_runs_the_hosts_one_after_another(fleet: SandboxState, tmp_path: Path) -> None:
    run = _run(fleet, tmp_path, concurrency=1)
    for decision in (e for e in run.entries if e.kind == "decision"):
        spans = _intervals(run, decision)
        assert len(spans) >= LIVE
        assert all(later[0] >= earlier[1] for earlier, later in pairwise(spans)), spans


def test_results_keep_host_then_item_order(live_run: FleetRun) -> None:
    per_user = [x for x in live_run.state.executions if x.item is not None]
    items = list(dict.fromkeys(x.item for x in per_user))
    assert len(items) >= 2
    assert [(x.host, x.item) for x in per_user] == [(h, i) for h in live_run.hosts for i in items]
    first = [x.host for x in live_run.state.executions if x.item is None]
    assert first == list(live_run.hosts)
    assert all(x.error is None for x in live_run.state.executions)
    assert verify(live_run.case_dir).ok


def test_each_host_is_reported_as_it_finishes(live_run: FleetRun) -> None:
    progress = [m for m in (PROGRESS.match(line) for line in live_run.lines) if m is not None]
    assert len(progress) == 2 * LIVE  # two steps, one line per host
    for step in (progress[:LIVE], progress[LIVE:]):
        assert sorted(m["host"] for m in step) == sorted(live_run.hosts)
        assert [m["n"] for m in step] == [str(n) for n in range(1, LIVE + 1)]
        assert {m["of"] for m in step} == {str(LIVE)}


def test_a_dead_host_is_one_observation_per_step_while_the_others_run(
    fleet: SandboxState, tmp_path: Path
) -> None:
    hole = Blackhole()
    try:
        run = _run(fleet, tmp_path, dead_port=hole.port)
    finally:
        hole.close()
    assert run.hosts[1] == "dead-01"
    assert [x.host for x in run.state.executions if x.item is None] == list(run.hosts)
    dead = [x for x in run.state.executions if x.host == "dead-01"]
    live = [x for x in run.state.executions if x.host != "dead-01"]
    items = {x.item for x in live if x.item is not None}
    assert len(items) >= 2 and len(dead) == 1 + len(items)
    assert all(x.error is None for x in live)
    assert all(x.error is not None and x.error_kind is not None for x in dead)
    assert all("not tried again on dead-01" in (x.error or "") for x in dead[2:])
    # Tried once in each of the two steps, not once per item: each try costs the whole connect timeout.
    assert hole.accepts == 2
    assert all(o.status == "done" for o in run.state.outcomes)
    assert verify(run.case_dir).ok


def test_concurrent_records_of_one_key_write_one_entry(tmp_path: Path) -> None:
    case = CaseStore(tmp_path).create(playbook_id="test.fleet", target="fleet", actor="dana")
    journal = Journal.load(case)
    workers = 8
    barrier = threading.Barrier(workers)
    seqs: list[int] = []

    def record() -> None:
        barrier.wait()
        seqs.append(journal.record(NoteRecorded(text="host key asked once"), actor="system").seq)

    threads = [threading.Thread(target=record) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    case.release()
    notes = [e for e in iter_entries(case.dir / "ledger.jsonl") if e.kind == "note"]
    assert len(notes) == 1 and set(seqs) == {notes[0].seq}


@dataclass
class AskedApprover(NotedApprover):
    """Pins every new host key and gives the key's passphrase; notes which thread each question came on."""

    capabilities = ApproverCapabilities(notifies=True, confirms_host_keys=True, asks_passphrases=True)
    passphrase: str = ""
    questions: list[tuple[str, str, int]] = field(default_factory=list)

    def confirm_host_key(self, key: NewHostKey) -> bool:
        """Pin it."""
        self.questions.append(("host_key", key.host, threading.get_ident()))
        return True

    def ask_passphrase(self, host: str, key_file: Path, attempt: int) -> str | None:
        """The passphrase."""
        self.questions.append(("passphrase", host, threading.get_ident()))
        return self.passphrase


def test_workers_questions_are_asked_on_the_graph_thread_one_at_a_time(
    fleet: SandboxState, tmp_path: Path
) -> None:
    key = tmp_path / "client_key"
    shutil.copy(fleet.client_key, key)
    key.chmod(0o600)
    secret = "fleet passphrase 12"
    subprocess.run(["ssh-keygen", "-q", "-p", "-P", "", "-N", secret, "-f", str(key)], check=True)
    known = tmp_path / "known_hosts"
    approver = AskedApprover(passphrase=secret)
    run = _run(fleet, tmp_path, approver=approver, key_file=key, known_hosts=known)
    # One passphrase for the key all hosts share (the others waited and found it); one question per new key.
    assert [q[0] for q in approver.questions].count("passphrase") == 1
    assert sorted(q[1] for q in approver.questions if q[0] == "host_key") == sorted(run.hosts)
    assert {q[2] for q in approver.questions} == {threading.get_ident()}  # drive() ran on this thread
    pinned = [e for e in run.entries if e.kind == "host_key"]
    assert sorted(str(e.data["host"]) for e in pinned) == sorted(run.hosts)
    assert all(e.data["pinned"] for e in pinned)
    assert len(known.read_text().splitlines()) == LIVE
    assert all(x.error is None for x in run.state.executions)
