"""`sleuth audit ...` and `sleuth cases` as a responder runs them: a subprocess with SLEUTH_HOME set."""

from __future__ import annotations

import json
from pathlib import Path

from agent.case.lease import CaseLease
from tests.case.conftest import ledger_lines, make_case, sleuth, write_lines


def test_verify_ok_then_tampered(tmp_path: Path) -> None:
    case_dir = make_case(tmp_path / "cases")
    ok = sleuth("audit", "verify", case_dir.name, home=tmp_path)
    head = json.loads(ledger_lines(case_dir)[-1])["hash"]
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"ledger OK: 12 entries, head {head}")

    lines = ledger_lines(case_dir)
    lines[4] = lines[4].replace(b'"exit_status":0', b'"exit_status":1')
    write_lines(case_dir, lines)
    bad = sleuth("audit", "verify", case_dir.name, home=tmp_path)
    assert bad.returncode == 1
    assert bad.stdout.startswith("ledger FAILED at seq 5 (line 5): hash mismatch")

    as_json = sleuth("audit", "verify", case_dir.name, "--json", home=tmp_path)
    report = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and report["ok"] is False and report["problem"]["seq"] == 5


def test_case_dir_option_and_path_argument(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    case_dir = make_case(elsewhere, steps=1)
    by_id = sleuth("audit", "verify", case_dir.name, "--case-dir", str(elsewhere), home=tmp_path / "home")
    by_path = sleuth("audit", "verify", str(case_dir), home=tmp_path / "home")
    assert by_id.returncode == 0 and by_path.returncode == 0, (by_id.stderr, by_path.stderr)


def test_unknown_case_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = sleuth("audit", "verify", "no-such-case", home=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("sleuth: error: no case 'no-such-case'")
    assert len(result.stderr.strip().splitlines()) == 1


def test_keygen_sign_and_verify_with_a_pinned_key(tmp_path: Path) -> None:
    case_dir = make_case(tmp_path / "cases")
    key = tmp_path / "signer"
    gen = sleuth("audit", "keygen", str(key), home=tmp_path)
    assert gen.returncode == 0 and "ed25519:" in gen.stdout
    assert sleuth("audit", "keygen", str(key), home=tmp_path).returncode == 2  # never overwrites
    signed = sleuth("audit", "sign", case_dir.name, "--key", str(key), home=tmp_path)
    assert signed.returncode == 0 and signed.stdout.startswith("signed head seq 12 ")
    ok = sleuth("audit", "verify", case_dir.name, "--public-key", f"{key}.pub", home=tmp_path)
    assert ok.returncode == 0 and "signature: valid" in ok.stdout

    sig = json.loads((case_dir / "ledger.sig").read_text())
    sig["signature"] = ("0" if sig["signature"][0] != "0" else "1") + sig["signature"][1:]
    (case_dir / "ledger.sig").write_text(json.dumps(sig))
    bad = sleuth("audit", "verify", case_dir.name, home=tmp_path)
    assert bad.returncode == 1 and "does not verify" in bad.stdout


def test_repair_a_torn_line(tmp_path: Path) -> None:
    case_dir = make_case(tmp_path / "cases", close=False)
    with (case_dir / "ledger.jsonl").open("ab") as fh:
        fh.write(b'{"actor":"sys')
    assert sleuth("audit", "verify", case_dir.name, home=tmp_path).returncode == 1
    fixed = sleuth("audit", "repair", case_dir.name, home=tmp_path)
    assert fixed.returncode == 0 and "cut 13 bytes" in fixed.stdout
    assert sleuth("audit", "verify", case_dir.name, home=tmp_path).returncode == 0
    again = sleuth("audit", "repair", case_dir.name, home=tmp_path)
    assert again.returncode == 0 and "nothing to repair" in again.stdout


def test_cases_lists_table_and_json(tmp_path: Path) -> None:
    assert sleuth("cases", home=tmp_path).stdout.strip() == "no cases"
    first = make_case(tmp_path / "cases", steps=1)
    second = make_case(tmp_path / "cases", steps=1, close=False)
    table = sleuth("cases", home=tmp_path)
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["ID", "OPENED", "PLAYBOOK", "TARGET", "STATUS", "ENTRIES"]
    assert [line.split()[0] for line in lines[1:]] == sorted([first.name, second.name])
    rows = {r["id"]: r for r in json.loads(sleuth("cases", "--json", home=tmp_path).stdout)}
    assert rows[first.name]["status"] == "closed" and rows[first.name]["entries"] == 7
    assert rows[second.name]["status"] == "open" and rows[second.name]["playbook_id"] == "ssh-bruteforce"


def test_verify_output_shows_a_tampered_ledgers_text_inert(tmp_path: Path) -> None:
    """A key planted in a ledger entry is quoted by the failure reason: escaped there, in both outputs."""
    case_dir = make_case(tmp_path / "cases", steps=1)
    hostile = "k\u202eev\x1b]8;;http://x\x07\u200b\x9b"
    lines = ledger_lines(case_dir)
    entry = json.loads(lines[2])
    entry[hostile] = 1
    lines[2] = json.dumps(entry, ensure_ascii=False).encode() + b"\n"
    write_lines(case_dir, lines)
    for extra in ((), ("--json",)):
        done = sleuth("audit", "verify", case_dir.name, *extra, home=tmp_path)
        assert done.returncode == 1, done.stderr
        assert all(ch.isprintable() or ch == "\n" for ch in done.stdout), repr(done.stdout)
    report = json.loads(done.stdout)
    assert hostile in report["problem"]["reason"]  # json.loads gives the raw value back


def test_repair_waits_for_no_one_while_another_process_drives_the_case(tmp_path: Path) -> None:
    """`audit repair` writes to the ledger: refused (exit 2, one line) while the case's lease is held."""
    case_dir = make_case(tmp_path / "cases", close=False)
    before = (case_dir / "ledger.jsonl").read_bytes()
    with CaseLease.acquire(case_dir, command="sleuth resume"):
        held = sleuth("audit", "repair", case_dir.name, home=tmp_path)
    assert held.returncode == 2, held.stderr
    assert "is being driven by pid" in held.stderr and len(held.stderr.strip().splitlines()) == 1
    assert (case_dir / "ledger.jsonl").read_bytes() == before
    free = sleuth("audit", "repair", case_dir.name, home=tmp_path)
    assert free.returncode == 0 and "nothing to repair" in free.stdout, free.stderr
