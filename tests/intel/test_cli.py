"""`sleuth intel import|lookup|stats` as a user runs them: a real subprocess, SLEUTH_HOME under tmp_path."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.intel.conftest import EICAR_MD5, EMPTY_SHA256, MALWAREBAZAAR_CSV, SHA256_A, SHA256_B, write
from tests.support import cli


def sleuth(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """`sleuth ARGV` in a subprocess with SLEUTH_HOME=home."""
    return cli.sleuth(*argv, home=home, timeout=60)


def test_import_then_lookup_then_stats(tmp_path: Path) -> None:
    text = f"# feed\n{SHA256_A.upper()}\n{SHA256_A}\nnot-a-hash\n{EMPTY_SHA256}\n"
    feed = write(tmp_path, "feed.txt", text)
    imported = sleuth(tmp_path, "intel", "import", str(feed), "--source", "demo")
    assert imported.returncode == 0, imported.stderr
    for line in ("imported: 1", "duplicates: 1", "skipped empty-file hashes: 1", "invalid entries: 1"):
        assert line in imported.stdout
    assert f"invalid entry: {feed}:4: 'not-a-hash' is not a hash" in imported.stderr
    assert (tmp_path / "intel.sqlite").is_file()

    looked = sleuth(tmp_path, "intel", "lookup", SHA256_A.upper(), SHA256_B, EICAR_MD5, EMPTY_SHA256)
    assert looked.returncode == 0, looked.stderr
    lines = looked.stdout.splitlines()
    assert lines[0].startswith(f"{SHA256_A}  sha256  KNOWN") and "source: demo" in lines[0]
    assert lines[1] == f"{SHA256_B}  sha256  not in the intel store"
    assert lines[2].startswith(f"{EICAR_MD5}  md5  KNOWN  EICAR")
    assert "never reported as malware" in lines[3]

    as_json = json.loads(sleuth(tmp_path, "intel", "lookup", "--json", SHA256_A, SHA256_B).stdout)
    assert [(v["hash"], v["known"]) for v in as_json] == [(SHA256_A, True), (SHA256_B, False)]
    assert as_json[0]["records"][0]["source"] == "demo"

    stats = json.loads(sleuth(tmp_path, "intel", "stats", "--json").stdout)
    demo = next(s for s in stats["sources"] if s["source"] == "demo")
    assert (demo["sha256"], demo["total"]) == (1, 1)


def test_db_flag_json_import_and_replace(tmp_path: Path) -> None:
    db = tmp_path / "other" / "store.sqlite"
    csv_file = write(tmp_path, "mb.csv", MALWAREBAZAAR_CSV)
    first = sleuth(tmp_path, "intel", "import", str(csv_file), "--source", "mb", "--db", str(db), "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert (report["format"], report["imported"], report["skipped_empty_file"]) == ("csv", 4, 3)
    plain = write(tmp_path, "one.txt", SHA256_B)
    again = sleuth(
        tmp_path, "intel", "import", str(plain), "--source", "mb", "--replace", "--db", str(db), "--json"
    )
    assert json.loads(again.stdout)["source_total"] == 1
    assert not (tmp_path / "intel.sqlite").exists()


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["intel", "lookup", "xyz"], 2, "sleuth: error: invalid hash: 'xyz' is not a hash"),
        (["intel", "import", "{missing}", "--source", "s"], 2, "no such file"),  # bad input: exit 2
        (["intel", "import", "{binary}", "--source", "s"], 4, ":1: binary file"),
        (["intel", "import", "{binary}", "--source", "bad name"], 2, "invalid source name"),
    ],
)
def test_user_errors_are_one_line_with_a_specific_exit_code(
    tmp_path: Path, argv: list[str], code: int, message: str
) -> None:
    binary = tmp_path / "blob.bin"
    binary.write_bytes(b"\x00\x01\x02")
    paths = {"missing": str(tmp_path / "nope.txt"), "binary": str(binary)}
    proc = sleuth(tmp_path, *(a.format(**paths) for a in argv))
    assert proc.returncode == code
    assert len(proc.stderr.strip().splitlines()) == 1
    assert message in proc.stderr


@pytest.mark.parametrize("sub", ["import", "lookup", "stats"])
def test_every_subcommand_has_help(tmp_path: Path, sub: str) -> None:
    proc = sleuth(tmp_path, "intel", sub, "--help")
    assert proc.returncode == 0
    assert "--db" in proc.stdout and "--json" in proc.stdout
