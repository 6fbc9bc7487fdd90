"""Case directories: ids, metadata, reopening, closing, listing."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.case.errors import CaseError, CaseNotFoundError
from agent.case.meta import new_case_id, read_meta
from agent.case.payloads import LedgerKind, NoteRecorded
from agent.case.store import CaseStore, default_cases_root
from tests.case.conftest import ledger_lines, make_case


def test_case_ids_are_sortable_and_unique() -> None:
    early = new_case_id(datetime(2026, 11, 26, 14, 15, 3, tzinfo=UTC))
    late = new_case_id(datetime(2026, 11, 26, 14, 15, 4, tzinfo=UTC))
    assert re.fullmatch(r"2026-11-26T141503-[0-9a-f]{6}", early)
    assert early < late
    assert len({new_case_id() for _ in range(200)}) == 200


def test_default_root_follows_sleuth_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLEUTH_HOME", str(tmp_path))
    assert default_cases_root() == tmp_path / "cases"
    assert CaseStore().root == tmp_path / "cases"


def test_create_writes_metadata_and_the_opening_entry(cases_root: Path) -> None:
    store = CaseStore(cases_root)
    with store.create(playbook_id="pb", target="web01", actor="alice", approver="bob",
                      inputs={"hours": 24}) as case:
        assert case.dir == cases_root / case.id
        assert (case.dir / "evidence").is_dir()
    meta = read_meta(case.dir)
    assert (meta.playbook_id, meta.target, meta.approver, meta.status) == ("pb", "web01", "bob", "open")
    first = json.loads(ledger_lines(case.dir)[0])
    assert first["kind"] == LedgerKind.CASE_OPENED and first["data"]["inputs"] == {"hours": 24}


def test_close_records_the_head_in_case_json(cases_root: Path) -> None:
    case_dir = make_case(cases_root, steps=1)
    meta = read_meta(case_dir)
    last = json.loads(ledger_lines(case_dir)[-1])
    assert meta.status == "closed" and last["kind"] == "case_closed"
    assert (meta.head_seq, meta.head_hash) == (last["seq"], last["hash"])


def test_reopen_by_id_and_by_path(cases_root: Path) -> None:
    case_dir = make_case(cases_root, steps=1, close=False)
    store = CaseStore(cases_root)
    with store.open(case_dir.name) as case:
        assert case.ledger.append(NoteRecorded(text="back"), actor="alice").seq == 7
    assert store.case_dir(str(case_dir)) == case_dir


@pytest.mark.parametrize("ref", ["../etc", "..", "a b", "-x"])
def test_bad_or_unknown_case_refs(cases_root: Path, ref: str) -> None:
    with pytest.raises(CaseError):
        CaseStore(cases_root).case_dir(ref)
    with pytest.raises(CaseNotFoundError, match="no case 'nope'"):
        CaseStore(cases_root).case_dir("nope")


def test_explicit_case_id_collision_is_refused(cases_root: Path) -> None:
    store = CaseStore(cases_root)
    store.create(playbook_id="pb", target="t", actor="a", case_id="inc-1").release()
    with pytest.raises(CaseError, match="already exists"):
        store.create(playbook_id="pb", target="t", actor="a", case_id="inc-1")


def test_summaries_list_every_case_and_mark_damaged_ones(cases_root: Path) -> None:
    first = make_case(cases_root, steps=1)
    second = make_case(cases_root, steps=2, close=False)
    (cases_root / "broken").mkdir()
    (cases_root / "broken" / "case.json").write_text("{not json")
    rows = {s.id: s for s in CaseStore(cases_root).summaries()}
    assert (rows[first.name].status, rows[first.name].entries) == ("closed", 7)
    assert (rows[second.name].status, rows[second.name].entries) == ("open", 11)
    assert rows["broken"].status == "damaged"
    assert CaseStore(cases_root / "none").summaries() == []
