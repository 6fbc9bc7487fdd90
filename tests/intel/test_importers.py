"""Importers on small files in real feed formats: plain lists, MalwareBazaar and vendor CSVs, MISP JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.intel.conftest import (
    EMPTY_SHA256,
    MALWAREBAZAAR_CSV,
    MD5_A,
    SHA1_A,
    SHA256_A,
    SHA256_B,
    VENDOR_CSV,
    misp_event,
    write,
)
from tools.errors import IntelStoreError
from tools.intel.importers import detect_format
from tools.intel.store import IntelStore


def test_plain_list_with_comments_mixed_case_and_invalid_lines(store: IntelStore, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "list.txt",
        "# a feed header\n"
        "\n"
        f"{SHA256_A.upper()}\n"
        f"{MD5_A}   # inline comment\n"
        f"  {SHA1_A}  \n"
        "zzzz\n"
        f"{SHA256_B}  ./some/file.bin\n"
        f"{SHA256_A}\n"
        f"{EMPTY_SHA256}\n"
        "1234567890abcdef\n",
    )
    report = store.import_file(path, "plain-feed")
    assert report.format == "plain"
    assert (report.imported, report.duplicates, report.skipped_empty_file, report.invalid) == (4, 1, 1, 2)
    assert report.invalid_examples[0].startswith(f"{path}:6: 'zzzz' is not a hash")
    assert report.invalid_examples[1].startswith(f"{path}:10: ")
    hits = store.lookup([SHA256_A, MD5_A.upper(), SHA1_A, SHA256_B])
    assert all(len(v) == 1 and v[0].source == "plain-feed" for v in hits.values())
    assert hits[SHA256_A][0].hash_type == "sha256"


def test_malwarebazaar_csv_with_commented_header_and_quoted_fields(store: IntelStore, tmp_path: Path) -> None:
    path = write(tmp_path, "full.csv", MALWAREBAZAAR_CSV)
    assert detect_format(path) == "csv"
    report = store.import_file(path, "malwarebazaar")
    # Row 1: three hashes; row 2: one (n/a elsewhere); row 3: the empty file's three, skipped.
    assert (report.imported, report.skipped_empty_file, report.invalid) == (4, 3, 0)
    records = store.records([SHA256_A, MD5_A, SHA1_A, SHA256_B])
    assert {r.family for v in records.values() for r in v if r.hash != SHA256_B} == {"AgentTesla"}
    assert records[SHA256_A][0].first_seen == "2024-05-01 09:58:12"
    assert records[SHA256_B][0].family is None


def test_vendor_ioc_csv_skips_other_ioc_types_and_locates_bad_rows(store: IntelStore, tmp_path: Path) -> None:
    path = write(tmp_path, "iocs.csv", VENDOR_CSV)
    report = store.import_file(path, "vendor")
    assert (report.imported, report.not_hashes, report.invalid) == (2, 1, 2)
    assert report.invalid_examples[0] == f"{path}:5: type column says sha1 but '{MD5_A}' is a md5"
    assert report.invalid_examples[1].startswith(f"{path}:6: 'not-a-hash' is not a hash")
    rec = store.records([SHA1_A])[SHA1_A][0]
    assert (rec.family, rec.reference) == ("backdoordiplomacy", "vendor/backdoordiplomacy/README.adoc")


def test_csv_hash_column_found_by_content(store: IntelStore, tmp_path: Path) -> None:
    text = f"when;what;malware\n2024-01-01;{SHA256_A};Mirai\n2024-01-02;{MD5_A};\n"
    path = write(tmp_path, "odd.csv", text)
    report = store.import_file(path, "odd")
    assert report.imported == 2
    assert store.lookup([SHA256_A])[SHA256_A][0].family == "Mirai"


def test_misp_event_attributes_objects_and_families(store: IntelStore, misp_file: Path) -> None:
    assert detect_format(misp_file) == "misp"
    report = store.import_file(misp_file, "misp")
    # sha256 + filename|md5 + the object's sha1; its empty-file sha256 skipped; the deleted one ignored.
    assert (report.imported, report.skipped_empty_file, report.invalid) == (3, 1, 1)
    assert report.not_hashes == 4  # ip-dst, filename, and the av-signature's two text attributes
    assert "Attribute[3]" in report.invalid_examples[0]
    recs = store.records([SHA256_A, MD5_A, SHA1_A, SHA256_B])
    assert recs[SHA256_A][0].family == "TestBot"  # from the malpedia galaxy tag, not ATT&CK
    assert recs[SHA1_A][0].family == "Linux/TestBot.D"  # from the av-signature it is detected-as
    assert recs[MD5_A][0].reference == "misp event 15ebb496-c51c-4f88-b60b-aba5f806db5f: Test botnet campaign"
    assert recs[SHA256_B] == []


def test_misp_rest_search_response_wrapper(store: IntelStore, tmp_path: Path) -> None:
    path = write(tmp_path, "search.json", json.dumps({"response": [misp_event()]}))
    assert store.import_file(path, "misp", fmt="misp").imported == 3


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("binary.bin", b"\x7fELF\x02\x01\x01\x00\x00\x00", ":1: binary file (NUL byte at offset 7)"),
        ("bad.json", b'{"Event": {"info": "x",\n  "Attribute": [}\n', ":2:"),
        ("notmisp.json", b'{"hello": "world"}', ":1: not a MISP event"),
        (
            "nohash.csv",
            b"name,ip\nalpha,192.0.2.1\n",
            ":1: no hash column in the CSV header (columns: name, ip)",
        ),
        ("empty.txt", b"", ": no hashes found"),
        ("comments.txt", b"# nothing here\n\n", ": no hashes found"),
        ("allbad.txt", b"hello\nworld\n", ": no valid hash in the file (2 invalid entries; first: "),
    ],
)
def test_malformed_files_raise_located_errors(
    store: IntelStore, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IntelStoreError) as caught:
        store.import_file(path, "broken")
    assert str(caught.value).startswith(str(path))
    assert expected in str(caught.value)
    assert "broken" not in store.sources()


def test_non_utf8_line_mid_file_rolls_the_whole_import_back(store: IntelStore, tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(f"{SHA256_A}\n{MD5_A}\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(IntelStoreError, match=r"latin1.txt:3: not UTF-8 text \(byte 0xe9 at column 4\)"):
        store.import_file(path, "half")
    assert store.lookup([SHA256_A])[SHA256_A] == []
