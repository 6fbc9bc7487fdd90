"""Ed25519 signature over the ledger head: sign, verify, tamper, pin, truncation against the signed head."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.case.errors import CaseError, SignatureError
from agent.case.payloads import NoteRecorded
from agent.case.signing import generate_key, load_private_key, load_public_key
from agent.case.store import CaseStore
from agent.case.verify import sign_case, verify
from tests.case.conftest import ledger_lines, make_case, write_lines


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "signer"
    path.parent.mkdir()
    generate_key(path)
    return path


def test_sign_then_verify_with_the_pinned_key(cases_root: Path, key: Path) -> None:
    case_dir = make_case(cases_root, close=False)
    assert key.stat().st_mode & 0o777 == 0o600
    sig = sign_case(case_dir, load_private_key(key))
    assert sig.head_seq == 11
    report = verify(case_dir, public_key=load_public_key(key.with_name("signer.pub")))
    assert report.ok, report.problem
    assert (report.signature, report.anchor) == ("valid", "signature")


def test_altered_signature_file_fails(cases_root: Path, key: Path) -> None:
    case_dir = make_case(cases_root)
    sign_case(case_dir, load_private_key(key))
    sig = json.loads((case_dir / "ledger.sig").read_text())
    sig["head_seq"] = 5  # claim a shorter signed head to hide a truncation
    (case_dir / "ledger.sig").write_text(json.dumps(sig))
    report = verify(case_dir)
    assert not report.ok and report.signature == "invalid"
    assert report.problem is not None and "does not verify" in report.problem.reason


def test_resigning_with_another_key_is_caught_only_by_pinning(cases_root: Path, key: Path,
                                                              tmp_path: Path) -> None:
    case_dir = make_case(cases_root)
    sign_case(case_dir, load_private_key(key))
    other = tmp_path / "keys" / "mallory"
    generate_key(other)
    (case_dir / "ledger.sig").unlink()
    sign_case(case_dir, load_private_key(other))
    assert verify(case_dir).ok
    pinned = verify(case_dir, public_key=load_public_key(key.with_name("signer.pub")))
    assert not pinned.ok and pinned.problem is not None and "not the pinned" in pinned.problem.reason


def test_truncation_of_an_open_case_is_caught_against_the_signed_head(cases_root: Path, key: Path) -> None:
    case_dir = make_case(cases_root, close=False)
    sign_case(case_dir, load_private_key(key))
    write_lines(case_dir, ledger_lines(case_dir)[:-1])
    report = verify(case_dir)
    assert report.problem is not None and report.problem.seq == 11
    assert "ledger.sig" in report.problem.reason


def test_entries_after_the_signed_head_fail(cases_root: Path, key: Path) -> None:
    case_dir = make_case(cases_root, close=False)
    sign_case(case_dir, load_private_key(key))
    with CaseStore(cases_root).open(case_dir.name) as case:
        case.ledger.append(NoteRecorded(text="later"), actor="alice")
    report = verify(case_dir)
    assert not report.ok and report.problem is not None and report.problem.seq == 12
    assert "entry 12 comes after the head recorded in ledger.sig (seq 11)" in report.problem.reason


def test_a_broken_ledger_is_never_signed(cases_root: Path, key: Path) -> None:
    case_dir = make_case(cases_root)
    lines = ledger_lines(case_dir)
    del lines[3]
    write_lines(case_dir, lines)
    with pytest.raises(CaseError, match="refusing to sign"):
        sign_case(case_dir, load_private_key(key))
    assert not (case_dir / "ledger.sig").exists()


def test_key_files_are_checked(tmp_path: Path, key: Path) -> None:
    with pytest.raises(SignatureError, match="already exists"):
        generate_key(key)
    (tmp_path / "junk").write_text("not a key")
    with pytest.raises(SignatureError, match="not an unencrypted PEM"):
        load_private_key(tmp_path / "junk")
    with pytest.raises(SignatureError, match="not a PEM public key"):
        load_public_key(tmp_path / "junk")
