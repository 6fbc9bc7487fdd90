"""Ground truth of a brute force that did not succeed: counts with repeats, odd names, one lone login."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from sandbox.findings import ExpectedVerdict, LoginEvent, PlantedProcess, SudoCommand, UtmpRecord


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FailedAttempts(_Fact):
    """Failed passwords over auth.log, auth.log.1 and auth.log.2.gz, a `message repeated N times` line
    counting N attempts."""

    total: int
    """Number of attempts: `Failed password` lines plus N for each repeated one."""
    lines: int
    """Number of lines that carry them (`Failed password ...` and `message repeated N times: [ ...]`)."""
    repeated_lines: int
    """Number of `message repeated N times: [ Failed password ...]` lines."""
    by_source: dict[str, int]
    """Source as sshd logged it (an address, or a host name with UseDNS) to its attempts."""
    by_user: dict[str, int]
    """Attempted user name, exactly as logged (leading space and empty name kept), to its attempts."""
    by_file: dict[str, int]
    """Log path inside the host to its attempts (0 for a file with none)."""
    invalid_users: tuple[str, ...]
    """Exact names of `Invalid user NAME from` lines (` admin` with its space, `` empty), sorted."""
    invalid_user_lines: int
    """Number of `Invalid user ... from ... port N` lines."""
    pam_failure_lines: int
    """Number of `pam_unix(sshd:auth): authentication failure; ... rhost=` lines."""


class ReviewItem(_Fact):
    """A fact a human must judge, and the values a report must name for it."""

    reason: Literal["login_without_failures"]
    """Why it needs a look: a successful login from a source with no failed attempt."""
    user: str
    """The account."""
    source: str
    """The source address."""
    timestamp: datetime
    """When (UTC)."""


class FailedBruteForceFindings(_Fact):
    """Everything a correct investigation of the ssh-bruteforce-failed host must report."""

    kind: Literal["bruteforce-failed"] = "bruteforce-failed"
    """Which ground-truth model this is (the state file tells them apart by it)."""
    scenario: str
    """Scenario name."""
    hostname: str
    """Host name used in the log lines (and by `hostname`)."""
    generated_at: datetime
    """The `up` time the timestamps are relative to (UTC)."""
    verdict: ExpectedVerdict = "no_evidence"
    """The case verdict a correct investigation reaches: brute force, no evidence of compromise."""
    incident_start: datetime
    """First line of the incident (UTC): 12-20 days before `generated_at`."""
    incident_end: datetime
    """Last line of the incident (UTC)."""
    attacker_ips: tuple[str, ...]
    """Brute-force sources as logged (addresses and one host name), sorted."""
    targeted_users: tuple[str, ...]
    """Every user name tried, exactly as logged, sorted."""
    failed: FailedAttempts
    """Counts of failed passwords."""
    accepted_logins: tuple[LoginEvent, ...]
    """Every accepted SSH login: the one legitimate publickey login."""
    needs_review: tuple[ReviewItem, ...]
    """Facts a human must judge (the lone login from an address that never failed)."""
    sudo_commands: tuple[SudoCommand, ...]
    """Allowed sudo commands (the admin's), in order."""
    denied_sudo: tuple[SudoCommand, ...]
    """sudo refused (`user NOT in sudoers`): never a command that ran."""
    wtmp: tuple[UtmpRecord, ...]
    """Records in /var/log/wtmp, in file order (boot, bob's console session, alice's SSH session)."""
    btmp_count: int
    """Number of records in /var/log/btmp: one per failed attempt, folded repeats included."""
    compromised_users: tuple[str, ...] = ()
    """Accounts the attacker got into: none."""
    processes: tuple[PlantedProcess, ...] = ()
    """Processes started inside the host (none in this scenario)."""
