"""Fixtures of the intel tests: a real store under tmp_path and small files in the real feed formats."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.intel.store import IntelStore

EICAR_MD5 = "44d88612fea8a8f36de82e1278abb02f"
EICAR_SHA1 = "3395856ce81f2b7382dee72602f798b642f14140"
EICAR_SHA256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"
EMPTY_SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

# Made-up sample hashes (hex of the right length, not real malware).
SHA256_A = "a" * 63 + "1"
SHA256_B = "b" * 63 + "2"
MD5_A = "c" * 31 + "3"
SHA1_A = "d" * 39 + "4"

_MB_COLUMNS = (
    "first_seen_utc", "sha256_hash", "md5_hash", "sha1_hash", "reporter", "file_name", "file_type_guess",
    "mime_type", "signature", "clamav", "vtpercent", "imphash", "ssdeep", "tlsh",
)
_MB_ROWS = (
    ("2024-05-01 09:58:12", SHA256_A.upper(), MD5_A, SHA1_A, "abuse_ch", "invoice.exe", "exe",
     "application/x-dosexec", "AgentTesla", "n/a", "n/a", "f34d5f2d4577ed6d9ceec516c1f5a744", "48:ab:cd",
     "T1A2"),
    ("2024-05-01 09:57:01", SHA256_B, "n/a", "n/a", "anonymous", "a.sh", "sh", "text/x-shellscript", "n/a",
     "n/a", "n/a", "n/a", "3:xyz:uvw", "n/a"),
    ("2024-05-01 09:56:00", EMPTY_SHA256, EMPTY_MD5, EMPTY_SHA1, "anonymous", "empty", "unknown",
     "application/x-empty", "n/a", "n/a", "n/a", "n/a", "3::", "n/a"),
)
# As MalwareBazaar writes it: a banner, the header inside a comment, every field quoted, ", " between.
MALWAREBAZAAR_CSV = (
    "################################################################\n"
    "# MalwareBazaar Recent Additions (CSV)                         #\n"
    "# Last updated: 2024-05-01 10:00:00 UTC                        #\n"
    "#                                                              #\n"
    "# Terms Of Use: https://bazaar.abuse.ch/faq/#tos               #\n"
    "# For questions please contact bazaar [at] abuse.ch            #\n"
    "################################################################\n"
    "#\n"
    "# " + ",".join(f'"{c}"' for c in _MB_COLUMNS) + "\n"
    + "".join(", ".join(f'"{v}"' for v in row) + "\n" for row in _MB_ROWS)
    + "#\n# Number of entries: 3\n"
)

VENDOR_CSV = f"""hash,type,family,source,context
{SHA1_A.upper()},sha1,backdoordiplomacy,vendor/backdoordiplomacy/README.adoc,{SHA1_A.upper()}
{SHA256_A},sha256,mozi,vendor/mozi/README.adoc,{SHA256_A}
evil.example.com,domain,mozi,vendor/mozi/README.adoc,c2
{MD5_A},sha1,kobalos,vendor/kobalos/README.adoc,wrong type column
not-a-hash,md5,kobalos,vendor/kobalos/README.adoc,bad value
"""


def misp_event() -> dict[str, object]:
    """A MISP event in the shape MISP exports: loose attributes, a file object, an av-signature object."""
    return {
        "Event": {
            "uuid": "15ebb496-c51c-4f88-b60b-aba5f806db5f",
            "info": "Test botnet campaign",
            "date": "2023-11-01",
            "Tag": [
                {"name": "tlp:white"},
                {"name": 'misp-galaxy:mitre-attack-pattern="Malware - T1587.001"'},
                {"name": 'misp-galaxy:malpedia="TestBot"'},
            ],
            "Galaxy": [{"type": "mitre-attack-pattern", "GalaxyCluster": [{"value": "Malware - T1587.001"}]}],
            "Attribute": [
                {"type": "sha256", "value": SHA256_A.upper(), "uuid": "a1", "Galaxy": [], "Tag": []},
                {"type": "filename|md5", "value": f"dropper.bin|{MD5_A}", "uuid": "a2"},
                {"type": "ip-dst", "value": "192.0.2.10", "uuid": "a3"},
                {"type": "sha1", "value": "xyz", "uuid": "a4"},
                {"type": "sha256", "value": SHA256_B, "uuid": "a5", "deleted": True},
            ],
            "Object": [
                {
                    "name": "file",
                    "uuid": "obj-file",
                    "comment": "Kill switch",
                    "ObjectReference": [
                        {"referenced_uuid": "obj-av", "relationship_type": "detected-as"},
                    ],
                    "Attribute": [
                        {"type": "filename", "object_relation": "filename", "value": "kill.bin"},
                        {"type": "sha1", "object_relation": "sha1", "value": SHA1_A},
                        {"type": "sha256", "object_relation": "sha256", "value": EMPTY_SHA256},
                    ],
                },
                {
                    "name": "av-signature",
                    "uuid": "obj-av",
                    "ObjectReference": [],
                    "Attribute": [
                        {"type": "text", "object_relation": "software", "value": "ESET"},
                        {"type": "text", "object_relation": "signature", "value": "Linux/TestBot.D"},
                    ],
                },
            ],
        }
    }


@pytest.fixture
def store(tmp_path: Path) -> Iterator[IntelStore]:
    """A fresh store (seed loaded) in tmp_path."""
    with IntelStore.open(tmp_path / "intel.sqlite") as opened:
        yield opened


@pytest.fixture
def misp_file(tmp_path: Path) -> Path:
    """A MISP event JSON file."""
    path = tmp_path / "event.misp.json"
    path.write_text(json.dumps(misp_event(), indent=1))
    return path


def write(tmp_path: Path, name: str, text: str) -> Path:
    """Write a fixture file and return its path."""
    path = tmp_path / name
    path.write_text(text)
    return path
