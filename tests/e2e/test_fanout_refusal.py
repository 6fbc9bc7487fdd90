"""A fan-out item that the tool refuses (here a secret file named in an attacker-written log line) is
refused and recorded; the other items still go to the human in one decision and run."""

from __future__ import annotations

from pathlib import Path

from agent.case.ledger import iter_entries
from agent.case.store import CaseStore
from agent.case.verify import verify
from agent.run.runner import drive
from agent.run.session import RunSpec, open_case, session_scope
from tests.support.approvers import ScriptedApprover

PLAYBOOK = """\
id: test.fanout.refusal
title: Read files named in a log
version: "1.0"
description: Reads every file a log line names.
severity: low
attack: [T1005]
inputs:
  log:
    type: path
    description: The log to read.
steps:
  - id: named
    title: Files named in the log
    tool: search_logs
    args:
      paths: [{input: log}]
      pattern: 'opened '
    extract:
      files: {builtin: path, column: line}
    guidance: Which files were opened.
  - id: read
    title: Read each named file
    tool: read_file
    for_each: files
    args:
      path: {item: files}
      lines: 5
    guidance: What the files hold.
"""


def test_refused_item_is_recorded_and_the_rest_run(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("hello\n")
    log = tmp_path / "app.log"
    log.write_text(f"Nov 26 03:14:07 h app[1]: opened {note}\nNov 26 03:14:08 h app[1]: opened /etc/shadow\n")
    book = tmp_path / "test" / "fanout" / "refusal.yaml"
    book.parent.mkdir(parents=True)
    book.write_text(PLAYBOOK)
    spec = RunSpec(
        playbook_path=str(book),
        target="local",
        inputs={"log": str(log)},
        backend="guided",
        intel_db=str(tmp_path / "intel.sqlite"),
    )
    approver = ScriptedApprover()
    session = open_case(spec, store=CaseStore(tmp_path / "cases"), approver="fay")
    with session_scope(session):
        outcome = drive(session.ctx, approver, session.initial)
    assert outcome.state is not None and outcome.state.status == "closed"
    assert approver.asked[1].proposal.items == (str(note),)
    entries = list(iter_entries(session.case.dir / "ledger.jsonl"))
    refusals = [e.data for e in entries if e.kind == "refusal"]
    assert (
        len(refusals) == 1
        and "/etc/shadow" in refusals[0]["reason"]
        and "holds secrets" in refusals[0]["reason"]
    )
    runs = [e.data for e in entries if e.kind == "execution_started" and e.data["tool"] == "read_file"]
    assert [r["item"] for r in runs] == [str(note)]
    assert verify(session.case.dir).ok
