"""ssh-bruteforce-failed: counts with folded repeats, odd names, one lone login, sudo refused; all old."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from sandbox import utmp
from sandbox.bruteforce_findings import FailedBruteForceFindings
from tests.conftest import SandboxHandle
from tests.sandbox.conftest import Remote, connect
from tests.sandbox.scenario_up import log_lines, scenario_host

pytestmark = pytest.mark.sshd

LOGS = ("auth.log", "auth.log.1", "auth.log.2.gz")
# `sshd[PID]: Failed password for [invalid user ]NAME from SOURCE port N ssh2`, optionally folded by rsyslog
# into `message repeated N times: [ ...]`. NAME may be empty or start with a space: `(.*?)` keeps it.
FAILED = re.compile(
    r"^(\w{3} [ \d]\d \d\d:\d\d:\d\d) \S+ sshd\[\d+\]: (?:message repeated (\d+) times: \[ )?"
    r"Failed password for (invalid user )?(.*?) from (\S+) port \d+ ssh2\]?$"
)
INVALID = re.compile(r"sshd\[\d+\]: Invalid user (.*) from \S+ port \d+$")


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    """One ssh-bruteforce-failed host for this module."""
    with scenario_host(tmp_path_factory, "ssh-bruteforce-failed") as handle:
        yield handle


@pytest.fixture(scope="module")
def truth(host: SandboxHandle) -> FailedBruteForceFindings:
    """Its ground truth."""
    assert isinstance(host.truth, FailedBruteForceFindings)
    return host.truth


def _lines(host: SandboxHandle) -> dict[str, list[str]]:
    return {f"/var/log/{name}": log_lines(host.tree / "var/log" / name) for name in LOGS}


def _when(stamp: str, truth: FailedBruteForceFindings) -> datetime:
    # Year-less syslog time: the year of `up`, or the one before when that would lie in the future.
    when = datetime.strptime(f"{truth.generated_at.year} {stamp}", "%Y %b %d %H:%M:%S").replace(tzinfo=UTC)
    return when.replace(year=when.year - 1) if when > truth.generated_at else when


def test_failed_attempts_count_the_repeats(host: SandboxHandle, truth: FailedBruteForceFindings) -> None:
    by_file: dict[str, int] = {}
    attempts: list[tuple[str, str]] = []
    repeated = carrying = 0
    for path, lines in _lines(host).items():
        found = [m for line in lines if (m := FAILED.match(line))]
        by_file[path] = sum(int(m.group(2) or 1) for m in found)
        attempts += [(m.group(4), m.group(5)) for m in found for _ in range(int(m.group(2) or 1))]
        repeated += sum(m.group(2) is not None for m in found)
        carrying += len(found)
    failed = truth.failed
    assert failed.total == len(attempts) == sum(by_file.values()) > 100
    assert failed.by_file == by_file and by_file["/var/log/auth.log"] == 0
    assert by_file["/var/log/auth.log.1"] > 0 and by_file["/var/log/auth.log.2.gz"] > 0
    assert failed.repeated_lines == repeated >= 3
    assert failed.lines == carrying < failed.total
    assert failed.by_source == dict(Counter(source for _, source in attempts))
    assert failed.by_user == dict(Counter(user for user, _ in attempts))
    assert "scanner-7.example.net" in failed.by_source  # a source logged by name
    assert set(truth.attacker_ips) == set(failed.by_source) and truth.compromised_users == ()


def test_invalid_users_keep_their_exact_names(host: SandboxHandle, truth: FailedBruteForceFindings) -> None:
    every = [line for lines in _lines(host).values() for line in lines]
    names = [m.group(1) for line in every if (m := INVALID.search(line))]
    assert truth.failed.invalid_user_lines == len(names)
    assert truth.failed.invalid_users == tuple(sorted(set(names)))
    assert {" admin", "", "admin"} <= set(truth.failed.invalid_users)
    assert any("Invalid user  admin from " in line for line in every)
    pam = [line for line in every if "pam_unix(sshd:auth): authentication failure;" in line]
    assert len(pam) == truth.failed.pam_failure_lines and all(" rhost=" in line for line in pam)


def test_one_lone_login_needs_review(host: SandboxHandle, truth: FailedBruteForceFindings) -> None:
    accepted = [(p, line) for p, lines in _lines(host).items() for line in lines if ": Accepted " in line]
    (login,) = truth.accepted_logins
    assert accepted == [(login.log_file, login.line)]
    assert "Accepted publickey for alice from 198.51.100.7 " in login.line
    assert login.ip not in truth.failed.by_source
    (review,) = truth.needs_review
    assert (review.reason, review.user, review.source, review.timestamp) == (
        "login_without_failures",
        login.user,
        login.ip,
        login.timestamp,
    )
    assert truth.verdict == "no_evidence"


def test_sudo_denied_is_not_a_command_that_ran(host: SandboxHandle, truth: FailedBruteForceFindings) -> None:
    every = [line for lines in _lines(host).values() for line in lines]
    sudo = [line.split(" sudo: ", 1)[1] for line in every if " sudo: " in line and " ; COMMAND=" in line]
    denied = [s.split("COMMAND=", 1)[1] for s in sudo if ": user NOT in sudoers ;" in s]
    allowed = [s.split("COMMAND=", 1)[1] for s in sudo if ": user NOT in sudoers ;" not in s]
    assert denied == [c.command for c in truth.denied_sudo] and {c.user for c in truth.denied_sudo} == {"bob"}
    assert allowed == [c.command for c in truth.sudo_commands] and {c.user for c in truth.sudo_commands} == {
        "alice"
    }


def test_the_incident_is_older_than_a_week(host: SandboxHandle, truth: FailedBruteForceFindings) -> None:
    now = truth.generated_at
    assert timedelta(days=12) <= now - truth.incident_end < now - truth.incident_start <= timedelta(days=20)
    times = [
        _when(m.group(1), truth) for ls in _lines(host).values() for line in ls if (m := FAILED.match(line))
    ]
    assert truth.incident_start <= min(times) and max(times) <= truth.incident_end
    recent = [
        line
        for ls in _lines(host).values()
        for line in ls
        if now - _when(line[:15], truth) <= timedelta(days=7)
    ]
    # A 7-day window sees only cron noise: no failure, no login, no sudo.
    assert len(recent) > 100 and all(" CRON[" in line for line in recent)


def test_log_times_and_files_over_ssh(host: SandboxHandle, truth: FailedBruteForceFindings) -> None:
    for path, lines in _lines(host).items():
        mtime = datetime.fromtimestamp(os.stat(host.tree / path.lstrip("/")).st_mtime, UTC)
        assert _when(lines[-1][:15], truth) == mtime, path
    client = connect(host)
    try:
        remote = Remote(client)
        assert (
            remote.run("zcat /var/log/auth.log.2.gz").splitlines() == _lines(host)["/var/log/auth.log.2.gz"]
        )
        assert remote.run("hostname").strip() == truth.hostname
        assert "alice@laptop" in remote.run("cat /home/alice/.ssh/authorized_keys")
    finally:
        client.close()


def test_utmp_files_agree(host: SandboxHandle, truth: FailedBruteForceFindings) -> None:
    log_dir = host.tree / "var/log"
    assert tuple(utmp.read(log_dir / "wtmp")) == truth.wtmp
    users = [(r.user, r.line, r.host) for r in truth.wtmp if r.type == "USER_PROCESS"]
    (login,) = truth.accepted_logins
    assert users == [("alice", "pts/0", login.ip), ("bob", "tty1", "")]
    btmp = utmp.read(log_dir / "btmp")
    # btmp holds every attempt: sshd writes a record for each, whatever rsyslog folded.
    assert len(btmp) == truth.btmp_count == truth.failed.total
    assert dict(Counter(r.host for r in btmp)) == truth.failed.by_source
    assert dict(Counter(r.user for r in btmp)) == truth.failed.by_user
    client = connect(host)
    try:
        lastb = Remote(client).run("lastb -f /var/log/btmp")
        assert sum("ssh:notty" in line for line in lastb.splitlines()) == truth.btmp_count
    finally:
        client.close()
