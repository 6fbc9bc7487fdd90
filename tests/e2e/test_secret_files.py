"""Through the real graph: files an attacker-written log names (a link to /etc/shadow, a private key under an
ordinary name, a credential store) are refused at run time, and nothing of their content reaches any case
file (ledger, evidence, checkpoints, report)."""

from __future__ import annotations

from pathlib import Path

from agent.case.ledger import iter_entries
from agent.case.store import CaseStore
from agent.case.verify import verify
from agent.run.runner import drive
from agent.run.session import RunSpec, open_case, session_scope
from tests.e2e.test_fanout_refusal import PLAYBOOK
from tests.support.approvers import ScriptedApprover

KEY_BODY = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZWNSECRETKEYBODY"
SECRETS = (b"NSECRETKEYBODY", b"TOPSECRETHASH", b"hunter2pw")


def test_secret_files_named_in_a_log_are_refused_and_leave_no_trace(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("hello\n")
    key = tmp_path / "backup.txt"
    key.write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY_BODY}\n-----END OPENSSH PRIVATE KEY-----\n")
    stash = tmp_path / "stash"
    stash.write_text("root:$6$saltsalt$TOPSECRETHASH:19000:0:99999:7:::\n")
    link = tmp_path / "innocent.log"
    link.symlink_to(stash)
    shadow_link = tmp_path / "shadow.log"
    shadow_link.symlink_to("/etc/shadow")
    pgpass = tmp_path / "pg.txt"
    pgpass.write_text("db.example:5432:app:alice:hunter2pw\n")
    named = [note, key, link, shadow_link, pgpass]
    log = tmp_path / "app.log"
    log.write_text("".join(f"Nov 26 03:14:0{i} h app[1]: opened {p}\n" for i, p in enumerate(named)))
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
    session = open_case(spec, store=CaseStore(tmp_path / "cases"), approver="fay")
    with session_scope(session):
        outcome = drive(session.ctx, ScriptedApprover(), session.initial)
    assert outcome.state is not None and outcome.state.status == "closed"
    entries = list(iter_entries(session.case.dir / "ledger.jsonl"))
    started = {e.seq: e.data["item"] for e in entries if e.kind == "execution_started" and e.data["item"]}
    assert sorted(started.values()) == sorted(str(p) for p in named)
    finished = [started.get(e.data["started_seq"]) for e in entries if e.kind == "execution_finished"]
    refused = {started.get(e.data["started_seq"]): e.data for e in entries if e.kind == "observation"}
    assert str(note) in finished and str(note) not in refused
    assert sorted(refused) == sorted(str(p) for p in named[1:])
    assert all(o["error"] == "SecretFileError" and "holds secrets" in o["message"] for o in refused.values())
    leaked = [
        (str(p), s)
        for p in session.case.dir.rglob("*")
        if p.is_file()
        for s in SECRETS
        if s in p.read_bytes()
    ]
    assert leaked == []
    assert verify(session.case.dir).ok
