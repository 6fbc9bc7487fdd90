"""A signature is `valid` only against a trusted key (`--public-key` or config.yaml); else `unverified`."""

from __future__ import annotations

from pathlib import Path

import yaml

from agent.case.signing import generate_key, load_private_key, load_public_key
from agent.case.verify import sign_case, verify
from tests.case.conftest import make_case, sleuth


def _signed(tmp_path: Path, name: str = "signer") -> tuple[Path, Path]:
    case_dir = make_case(tmp_path / "cases")
    key = tmp_path / "keys" / name
    key.parent.mkdir(exist_ok=True)
    generate_key(key)
    sign_case(case_dir, load_private_key(key))
    return case_dir, key


def test_a_signature_checked_only_against_its_own_key_is_unverified(tmp_path: Path) -> None:
    case_dir, key = _signed(tmp_path)
    unpinned = verify(case_dir)
    assert unpinned.ok and unpinned.signature == "unverified"
    assert verify(case_dir, public_key=load_public_key(key.with_name("signer.pub"))).signature == "valid"


def test_a_resigned_ledger_never_shows_valid_without_a_trusted_key(tmp_path: Path) -> None:
    case_dir, _ = _signed(tmp_path)
    mallory = tmp_path / "keys" / "mallory"
    generate_key(mallory)
    (case_dir / "ledger.sig").unlink()
    sign_case(case_dir, load_private_key(mallory))
    out = sleuth("audit", "verify", case_dir.name, home=tmp_path).stdout
    assert "signature: unverified" in out and "signature: valid" not in out


def test_the_configured_key_is_trusted(tmp_path: Path) -> None:
    case_dir, key = _signed(tmp_path)
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({"audit_public_key": str(key) + ".pub"}))
    done = sleuth("audit", "verify", case_dir.name, home=tmp_path)
    assert done.returncode == 0 and "signature: valid" in done.stdout, done.stdout + done.stderr
    mallory = tmp_path / "keys" / "mallory"
    generate_key(mallory)
    (case_dir / "ledger.sig").unlink()
    sign_case(case_dir, load_private_key(mallory))
    bad = sleuth("audit", "verify", case_dir.name, home=tmp_path)
    assert bad.returncode == 1 and "not the pinned" in bad.stdout
