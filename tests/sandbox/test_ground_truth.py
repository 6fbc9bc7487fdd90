"""The scenario's expected findings agree with the files it wrote, counted independently here."""

from __future__ import annotations

import gzip
import hashlib
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from sandbox import utmp
from tests.conftest import SandboxHandle

FAILED = re.compile(r"sshd\[\d+\]: Failed password for (?:invalid user )?(\S+) from (\S+) port \d+ ssh2$")
LOGS = ("auth.log", "auth.log.1", "auth.log.2.gz")

pytestmark = pytest.mark.sshd


def _lines(tree: Path, name: str) -> list[str]:
    path = tree / "var/log" / name
    data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
    return data.decode().splitlines()


def test_failed_login_counts(sandbox: SandboxHandle) -> None:
    by_file: dict[str, int] = {}
    hits: list[tuple[str, str]] = []
    invalid = 0
    for name in LOGS:
        found = [m.groups() for line in _lines(sandbox.tree, name) if (m := FAILED.search(line))]
        by_file[f"/var/log/{name}"] = len(found)
        hits += [(user, ip) for user, ip in found]
        invalid += sum(" Invalid user " in line for line in _lines(sandbox.tree, name))
    failed = sandbox.expected.failed_logins
    assert failed.total == len(hits) > 50
    assert failed.by_file == by_file and all(by_file.values())
    assert failed.by_ip == dict(Counter(ip for _, ip in hits))
    assert failed.by_user == dict(Counter(user for user, _ in hits))
    assert failed.invalid_user_lines == invalid
    assert set(sandbox.expected.attacker_ips) == {ip for _, ip in hits}
    assert sandbox.expected.targeted_users == tuple(sorted({user for user, _ in hits}))


def test_login_and_sudo_lines(sandbox: SandboxHandle) -> None:
    auth = _lines(sandbox.tree, "auth.log")
    login = sandbox.expected.successful_login
    accepted = [line for line in auth if "Accepted password" in line]
    assert accepted == [login.line]
    assert login.ip in sandbox.expected.attacker_ips and login.user == "deploy"
    assert login.line.startswith(login.timestamp.strftime("%b %e %H:%M:%S "))
    commands = [line.split("COMMAND=", 1)[1] for line in auth if " ; COMMAND=" in line]
    assert commands == [c.command for c in sandbox.expected.sudo_commands]
    for admin in sandbox.expected.legitimate_logins:
        assert admin.line in _lines(sandbox.tree, Path(admin.log_file).name)


def test_utmp_files(sandbox: SandboxHandle) -> None:
    log_dir = sandbox.tree / "var/log"
    assert (log_dir / "wtmp").stat().st_size % utmp.RECORD_SIZE == 0 and utmp.RECORD_SIZE == 384
    assert tuple(utmp.read(log_dir / "wtmp")) == sandbox.expected.wtmp
    btmp = utmp.read(log_dir / "btmp")
    assert len(btmp) == sandbox.expected.btmp_count == sandbox.expected.failed_logins.total
    assert dict(Counter(r.host for r in btmp)) == sandbox.expected.failed_logins.by_ip


def test_files_and_persistence(sandbox: SandboxHandle) -> None:
    for dropped in sandbox.expected.dropped_files:
        data = (sandbox.tree / dropped.path.lstrip("/")).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (dropped.sha256, dropped.size)
    seeds = Path(__file__).resolve().parents[2] / "tools/data/seed_hashes.txt"
    assert sandbox.expected.dropped_files[0].sha256 in seeds.read_text()
    for entry in sandbox.expected.persistence:
        assert entry.line in (sandbox.tree / entry.path.lstrip("/")).read_text().splitlines()
    key = next(e.line for e in sandbox.expected.persistence if e.kind == "authorized_keys")
    printed = subprocess.run(
        ["ssh-keygen", "-lf", "-"], input=key, capture_output=True, text=True, check=True
    )
    assert printed.stdout.split()[1] == sandbox.expected.attacker_key_fingerprint
