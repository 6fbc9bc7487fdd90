"""Ground truth a scenario states about one host: what a correct investigation must find there."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

PersistenceKind = Literal["cron.d", "crontab", "authorized_keys", "systemd", "rc.local"]
ExpectedVerdict = Literal["compromised", "suspicious", "no_evidence", "inconclusive"]


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FailedLogins(_Fact):
    """Failed password attempts, counted over auth.log, auth.log.1 and auth.log.2.gz together."""

    total: int
    """Number of `Failed password for ...` lines (also the number of btmp records)."""
    by_ip: dict[str, int]
    """Source IP to its number of failed passwords."""
    by_user: dict[str, int]
    """Attempted user name to its number of failed passwords."""
    by_file: dict[str, int]
    """Log path inside the host (/var/log/auth.log, ...) to its number of failed passwords."""
    invalid_users: tuple[str, ...]
    """Attempted names that do not exist on the host (`Invalid user ...`), sorted."""
    invalid_user_lines: int
    """Number of `Invalid user NAME from IP port N` lines."""


class LoginEvent(_Fact):
    """One accepted SSH login."""

    user: str
    """The account that logged in."""
    ip: str
    """Source address."""
    port: int
    """Source port."""
    method: Literal["password", "publickey"]
    """How it authenticated."""
    timestamp: datetime
    """When (UTC, seconds precision), as written in the log line."""
    log_file: str
    """The log inside the host holding the `Accepted ...` line."""
    line: str
    """The exact `Accepted ...` log line."""


class SudoCommand(_Fact):
    """One command run through sudo, as logged."""

    user: str
    """Who ran sudo."""
    tty: str
    """Terminal, e.g. pts/0."""
    pwd: str
    """Working directory."""
    run_as: str
    """Target user (USER=...)."""
    command: str
    """The full COMMAND= value."""
    timestamp: datetime
    """When (UTC)."""


class PlantedProcess(_Fact):
    """A process running inside the host, with its values as seen inside the host's PID namespace."""

    role: str
    """What it stands for: miner, deleted-exe, pool, benign-http, benign-sleep."""
    pid: int
    """PID inside the host's PID namespace (what `ps` over SSH shows)."""
    ppid: int
    """Parent PID inside the namespace."""
    user: str
    """Owner."""
    exe: str
    """Target of /proc/PID/exe (with ` (deleted)` when the file was removed)."""
    exe_deleted: bool
    """True when the executable was deleted after the start."""
    argv: tuple[str, ...]
    """The command line (/proc/PID/cmdline split on NUL)."""
    comm: str
    """The kernel's short name (/proc/PID/comm, `ps -o comm`)."""
    exe_sha256: str
    """SHA-256 of the executable's bytes when it was started."""
    listen: str | None = None
    """host:port it listens on, if any."""
    remote: str | None = None
    """host:port of its outbound TCP connection (ESTABLISHED), if any."""
    malicious: bool
    """True for the attacker's processes, False for benign ones and the sandbox's pool stand-in."""


class DroppedFile(_Fact):
    """A file the attacker left on disk."""

    path: str
    """Absolute path inside the host."""
    sha256: str
    """SHA-256 of its content (known to the intel store for planted samples)."""
    size: int
    """Size in bytes."""
    in_intel: bool
    """True when the hash is in tools/data/seed_hashes.txt."""


class PersistenceEntry(_Fact):
    """One line that brings the attacker back."""

    kind: PersistenceKind
    """Which mechanism."""
    path: str
    """File inside the host."""
    line: str
    """The exact line (without newline)."""


class AttackerFile(_Fact):
    """A file the attacker created or wrote to, with the time of that write (its mtime on the host)."""

    path: str
    """Absolute path inside the host."""
    mtime: datetime
    """Its modification (and access) time on the host (UTC, seconds)."""
    change: Literal["created", "appended"]
    """created: a new file (its directory's mtime is the same); appended: lines added to an existing one."""
    sudo_command: str | None
    """The logged sudo COMMAND= that wrote it (same second); None: the attacker's shell wrote it unlogged."""
    persistence: bool
    """True when the file itself brings the attacker back (cron table, unit, its enable link, rc.local,
    authorized_keys)."""


class AuthorizedKey(_Fact):
    """One key line of an authorized_keys file on the host, and who put it there."""

    path: str
    """The authorized_keys file inside the host."""
    fingerprint: str
    """SHA256:... of the key blob."""
    comment: str
    """The key's comment (user@host)."""
    origin: Literal["attacker", "benign", "sandbox"]
    """attacker: the scenario's backdoor; benign: the host users' own; sandbox: the sandbox's client key,
    infrastructure that lets tools log in, no part of the scenario (it sits in root's file, which the
    attacker appended to last)."""


class UtmpRecord(_Fact):
    """One record the scenario wrote to wtmp or btmp."""

    type: Literal["BOOT_TIME", "USER_PROCESS", "DEAD_PROCESS", "LOGIN_PROCESS"]
    """ut_type."""
    user: str
    """ut_user (empty for DEAD_PROCESS)."""
    line: str
    """ut_line, e.g. pts/0 or ssh:notty."""
    host: str
    """ut_host (source address, or the kernel version for reboot)."""
    timestamp: datetime
    """ut_tv (UTC, seconds)."""


class ExpectedFindings(_Fact):
    """Everything a correct investigation of this host must report, computed from the files written."""

    kind: Literal["bruteforce-compromise"] = "bruteforce-compromise"
    """Which ground-truth model this is (the state file tells them apart by it)."""
    scenario: str
    """Scenario name."""
    hostname: str
    """Host name used in the log lines (and by `hostname`)."""
    generated_at: datetime
    """The `up` time the timestamps are relative to (UTC)."""
    attacker_ips: tuple[str, ...]
    """Brute-force sources, sorted."""
    targeted_users: tuple[str, ...]
    """Every user name the brute force tried, sorted."""
    failed_logins: FailedLogins
    """Counts of failed passwords."""
    successful_login: LoginEvent
    """The attacker's accepted password login."""
    legitimate_logins: tuple[LoginEvent, ...]
    """Benign accepted logins (the admin's publickey logins)."""
    sudo_commands: tuple[SudoCommand, ...]
    """What the attacker ran through sudo, in order."""
    processes: tuple[PlantedProcess, ...]
    """Processes started inside the host (malicious and benign)."""
    dropped_files: tuple[DroppedFile, ...]
    """Files the attacker left."""
    persistence: tuple[PersistenceEntry, ...]
    """Malicious persistence lines."""
    attacker_key_fingerprint: str
    """SHA256:... of the SSH key the attacker added to authorized_keys."""
    attacker_files: tuple[AttackerFile, ...] = ()
    """Every file the attacker wrote, with its mtime; other files are 30-400 days old, logs
    excepted (a log's mtime is its last line's time)."""
    authorized_keys: tuple[AuthorizedKey, ...] = ()
    """Every line of every authorized_keys file the scenario wrote."""
    wtmp: tuple[UtmpRecord, ...]
    """Records in /var/log/wtmp, in file order."""
    btmp_count: int
    """Number of records in /var/log/btmp (one per failed password)."""
    verdict: ExpectedVerdict = "compromised"
    """The case verdict a correct investigation reaches."""

    def process(self, role: str) -> PlantedProcess:
        """The planted process with this role."""
        for proc in self.processes:
            if proc.role == role:
                return proc
        raise KeyError(role)

    @property
    def miner(self) -> PlantedProcess:
        """The miner-like process."""
        return self.process("miner")

    @property
    def deleted_exe_process(self) -> PlantedProcess:
        """The process whose executable was deleted after it started."""
        return self.process("deleted-exe")
