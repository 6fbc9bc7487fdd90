"""The ledger file: chained, canonical, durable appends; reopen reads only the tail; torn lines repaired."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from agent.case.canonical import GENESIS_PREV, canonical_json
from agent.case.errors import LedgerCorruptError, LedgerError, LedgerTornError
from agent.case.evidence import EvidenceStore
from agent.case.ledger import Ledger, iter_entries
from agent.case.payloads import LedgerKind, NoteRecorded, Resumed
from agent.case.store import CaseStore
from agent.case.verify import verify
from tests.case.conftest import ledger_lines, make_case


def test_entries_chain_and_lines_are_canonical(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    with Ledger.open(path, "c1", create=True) as ledger:
        first = ledger.append(NoteRecorded(text="héllo\nworld"), actor="alice")
        second = ledger.append(NoteRecorded(text="two"), actor="bob")
    assert (first.seq, first.prev) == (1, GENESIS_PREV)
    assert (second.seq, second.prev) == (2, first.hash)
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 3
    obj = json.loads(lines[0])
    assert lines[0] == canonical_json(obj)  # the line is itself canonical
    assert "héllo".encode() in lines[0]  # UTF-8, not \\u escapes
    body = {k: v for k, v in obj.items() if k != "hash"}
    assert obj["hash"] == hashlib.sha256(canonical_json(body)).hexdigest()
    assert [e.kind for e in iter_entries(path)] == [LedgerKind.NOTE, LedgerKind.NOTE]


def test_reopen_continues_the_chain_from_the_tail(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    with Ledger.open(path, "c1", create=True) as ledger:
        for i in range(5):
            last = ledger.append(NoteRecorded(text=str(i)), actor="a")
    with Ledger.open(path, "c1") as ledger:
        assert (ledger.head_seq, ledger.head_hash) == (5, last.hash)
        nxt = ledger.append(Resumed(last_seq=5, reason="restart"), actor="system")
    assert (nxt.seq, nxt.prev) == (6, last.hash)


def test_tail_is_found_behind_entries_longer_than_a_read_block(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    with Ledger.open(path, "c1", create=True) as ledger:
        ledger.append(NoteRecorded(text="x" * 200_000), actor="a")
        big = ledger.append(NoteRecorded(text="y" * 150_000), actor="a")
    with Ledger.open(path, "c1") as ledger:
        assert ledger.head_seq == 2 and ledger.head_hash == big.hash
        assert ledger.torn is None


def test_open_refuses_a_missing_ledger_and_another_case(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="no ledger"):
        Ledger.open(tmp_path / "nope.jsonl", "c1")
    path = tmp_path / "ledger.jsonl"
    with Ledger.open(path, "c1", create=True) as ledger:
        ledger.append(NoteRecorded(text="a"), actor="a")
    with pytest.raises(LedgerError, match="belongs to case 'c1'"):
        Ledger.open(path, "c2")


def test_open_refuses_to_extend_a_tampered_tail(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    with Ledger.open(path, "c1", create=True) as ledger:
        ledger.append(NoteRecorded(text="a"), actor="a")
    path.write_bytes(path.read_bytes().replace(b'"text":"a"', b'"text":"b"'))
    with pytest.raises(LedgerCorruptError, match="does not hash"):
        Ledger.open(path, "c1")


def test_text_that_cannot_be_canonical_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    with Ledger.open(path, "c1", create=True) as ledger:
        with pytest.raises(LedgerError, match="cannot be written"):
            ledger.append(NoteRecorded(text="bad \udcff byte"), actor="a")
        assert ledger.append(NoteRecorded(text="fine"), actor="a").seq == 1
    assert len(path.read_bytes().splitlines()) == 1


@pytest.mark.parametrize(("tail", "reason"), [
    (b'{"actor":"system","case":"', "no trailing newline"),
    (b"\x00\x00\x00\x00\n", "not JSON"),
])
def test_torn_last_line_is_reported_refused_then_repaired_with_a_note(cases_root: Path, tail: bytes,
                                                                     reason: str) -> None:
    case_dir = make_case(cases_root, close=False)
    whole = (case_dir / "ledger.jsonl").read_bytes()
    with (case_dir / "ledger.jsonl").open("ab") as fh:  # what a crash mid-append leaves
        fh.write(tail)
    report = verify(case_dir)
    assert report.problem is not None and report.problem.seq == 12

    case = CaseStore(cases_root).open(case_dir.name)
    with case:
        assert case.ledger.torn is not None and reason in case.ledger.torn.reason
        assert case.ledger.torn.offset == len(whole)
        with pytest.raises(LedgerTornError, match="repair"):
            case.ledger.append(NoteRecorded(text="after crash"), actor="system")
        cut = case.ledger.repair(actor="system", evidence=case.evidence)
        assert cut is not None and cut.length == len(tail)
        assert case.ledger.repair(actor="system") is None  # nothing left to cut
    assert (case_dir / "ledger.jsonl").read_bytes().startswith(whole)  # nothing recorded was lost
    note = ledger_lines(case_dir)[-1]
    entry = json.loads(note)
    assert entry["seq"] == 12 and entry["kind"] == "note"
    assert "torn final line" in entry["data"]["text"]
    assert EvidenceStore(case_dir / "evidence").get(entry["data"]["evidence"]) == tail
    assert verify(case_dir).ok


def test_only_payload_kinds_can_be_appended(tmp_path: Path) -> None:
    from agent.case.payloads import Payload

    with Ledger.open(tmp_path / "ledger.jsonl", "c1", create=True) as ledger:
        with pytest.raises(LedgerError, match="not a ledger payload kind"):
            ledger.append(Payload(), actor="a")
        assert ledger.head_seq == 0


def test_threads_sharing_one_ledger_do_not_interleave(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path = tmp_path / "ledger.jsonl"
    with Ledger.open(path, "c1", create=True) as ledger, ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: ledger.append(NoteRecorded(text=str(i)), actor="t"), range(100)))
    assert [e.seq for e in iter_entries(path)] == list(range(1, 101))
