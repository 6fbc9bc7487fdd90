"""Tampering with a real case directory is caught, and the first bad entry is named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.case.verify import verify
from tests.case.conftest import entry_of, ledger_lines, make_case, write_lines

# steps=2, closed: 1 opened, 2-6 first step (5 = execution_finished), 7-11 second, 12 case_closed.
FINISHED_SEQ = 5


def _replace_in_line(case_dir: Path, seq: int, pattern: bytes, replace: bytes) -> None:
    lines = ledger_lines(case_dir)
    new, count = re.subn(pattern, replace, lines[seq - 1], count=1)
    assert count == 1 and new != lines[seq - 1], "the edit must change the line"
    lines[seq - 1] = new
    write_lines(case_dir, lines)


def _other_hex(m: re.Match[bytes]) -> bytes:
    first = m.group(1)
    return m.group(0)[:-1] + (b"1" if first != b"1" else b"2")


def test_untouched_case_verifies(cases_root: Path) -> None:
    case_dir = make_case(cases_root)
    report = verify(case_dir)
    assert report.ok, report.problem
    assert report.entries == 12
    assert report.anchor == "case.json"
    assert report.head_hash == entry_of(ledger_lines(case_dir)[-1])["hash"]


@pytest.mark.parametrize(("what", "pattern", "replace"), [
    ("data", rb'"tool":"list_processes"', b'"tool":"list_processez"'),
    ("data-number", rb'"exit_status":0', b'"exit_status":1'),
    ("hash", rb'"hash":"[0-9a-f]{10}([0-9a-f])', None),
    ("prev", rb'"prev":"[0-9a-f]{10}([0-9a-f])', None),
    ("seq", rb'"seq":5', b'"seq":7'),
    ("ts", rb'"ts":"2', b'"ts":"1'),
])
def test_one_changed_character_names_its_entry(cases_root: Path, what: str, pattern: bytes,
                                               replace: bytes | None) -> None:
    case_dir = make_case(cases_root)
    _replace_in_line(case_dir, FINISHED_SEQ, pattern, replace if replace is not None else _other_hex)  # type: ignore[arg-type]
    report = verify(case_dir)
    assert not report.ok
    assert report.problem is not None
    assert report.problem.seq == FINISHED_SEQ, report.problem
    assert report.problem.line == FINISHED_SEQ
    assert report.entries == FINISHED_SEQ - 1


@pytest.mark.parametrize("mask", [0x01, 0x80])
def test_every_single_byte_flip_is_caught_at_its_line(cases_root: Path, mask: int) -> None:
    case_dir = make_case(cases_root, steps=1)
    original = (case_dir / "ledger.jsonl").read_bytes()
    line_of = [original.count(b"\n", 0, i) + 1 for i in range(len(original))]  # a newline ends its line
    for offset in range(len(original)):
        flipped = bytearray(original)
        flipped[offset] ^= mask
        (case_dir / "ledger.jsonl").write_bytes(bytes(flipped))
        report = verify(case_dir)
        assert not report.ok, f"flip at byte {offset} went unnoticed"
        assert report.problem is not None and report.problem.seq == line_of[offset], (offset, report.problem)


def test_deleted_middle_entry(cases_root: Path) -> None:
    case_dir = make_case(cases_root)
    lines = ledger_lines(case_dir)
    del lines[5]
    write_lines(case_dir, lines)
    report = verify(case_dir)
    assert report.problem is not None
    assert report.problem.seq == 6
    assert "found seq 7" in report.problem.reason


def test_swapped_entries(cases_root: Path) -> None:
    case_dir = make_case(cases_root)
    lines = ledger_lines(case_dir)
    lines[6], lines[7] = lines[7], lines[6]
    write_lines(case_dir, lines)
    report = verify(case_dir)
    assert report.problem is not None
    assert report.problem.seq == 7
    assert "reordered" in report.problem.reason


def test_duplicate_key_that_json_would_hide_is_caught(cases_root: Path) -> None:
    case_dir = make_case(cases_root)
    _replace_in_line(case_dir, 3, rb'^\{"actor":', b'{"actor":"mallory","actor":')
    report = verify(case_dir)
    assert report.problem is not None and report.problem.seq == 3


def test_truncated_tail_is_caught_against_the_head_recorded_at_close(cases_root: Path) -> None:
    case_dir = make_case(cases_root)
    write_lines(case_dir, ledger_lines(case_dir)[:-2])
    report = verify(case_dir)
    assert report.problem is not None
    assert report.problem.seq == 11
    assert "truncated" in report.problem.reason and "case.json" in report.problem.reason


def test_truncated_tail_of_an_open_unsigned_case_is_only_a_warning(cases_root: Path) -> None:
    case_dir = make_case(cases_root, close=False)
    write_lines(case_dir, ledger_lines(case_dir)[:-2])
    report = verify(case_dir)
    assert report.ok
    assert report.anchor == "none"
    assert any("truncated tail would go unnoticed" in w for w in report.warnings)


def test_swapped_evidence_content(cases_root: Path) -> None:
    case_dir = make_case(cases_root)
    digest = entry_of(ledger_lines(case_dir)[FINISHED_SEQ - 1])["data"]["output_sha256"]
    blob = case_dir / "evidence" / str(digest)
    assert blob.stat().st_mode & 0o777 == 0o444
    blob.chmod(0o644)
    blob.write_bytes(b"PID COMMAND\n1 nothing-to-see\n")
    report = verify(case_dir)
    assert report.problem is not None
    assert report.problem.seq == FINISHED_SEQ
    assert "altered" in report.problem.reason


def test_missing_evidence(cases_root: Path) -> None:
    case_dir = make_case(cases_root)
    digest = entry_of(ledger_lines(case_dir)[FINISHED_SEQ - 1])["data"]["output_sha256"]
    (case_dir / "evidence" / str(digest)).unlink()
    report = verify(case_dir)
    assert report.problem is not None and report.problem.seq == FINISHED_SEQ
    assert "missing" in report.problem.reason


def test_edited_case_json_head_is_caught(cases_root: Path) -> None:
    case_dir = make_case(cases_root)
    meta = (case_dir / "case.json").read_text()
    (case_dir / "case.json").write_text(re.sub(r'"head_seq": 12', '"head_seq": 11', meta))
    report = verify(case_dir)
    assert report.problem is not None and report.problem.seq == 11
    assert "does not match the head" in report.problem.reason
