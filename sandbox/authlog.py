"""Builders of Debian auth.log events (sshd, pam_unix, logind, sudo, CRON) that record what they wrote."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sandbox.syslog import LogLine

LOGIND_PID = 412


@dataclass(frozen=True)
class FailedAttempt:
    """One `Failed password` line written."""

    when: datetime
    user: str
    ip: str
    valid_user: bool


@dataclass(frozen=True)
class Session:
    """An accepted SSH login and its session."""

    when: datetime
    user: str
    ip: str
    port: int
    method: str
    sshd_pid: int
    session_id: int
    accepted_line: LogLine


@dataclass
class AuthLog:
    """Accumulates auth.log lines and the facts behind them."""

    rng: random.Random
    lines: list[LogLine] = field(default_factory=list)
    failures: list[FailedAttempt] = field(default_factory=list)
    invalid_user_lines: int = 0
    next_session: int = 1

    def _pid(self) -> int:
        return self.rng.randint(1200, 64000)

    def _port(self) -> int:
        return self.rng.randint(32768, 60999)

    def _add(self, when: datetime, program: str, pid: int | None, message: str) -> None:
        self.lines.append(LogLine(when, program, pid, message))

    def failed_connection(self, when: datetime, ip: str, user: str, valid: bool, attempts: int) -> None:
        """A brute-force connection: `attempts` wrong passwords for one user, then the client leaves."""
        pid, port = self._pid(), self._port()
        who = user if valid else f"invalid user {user}"
        t = when
        if not valid:
            self._add(t, "sshd", pid, f"Invalid user {user} from {ip} port {port}")
            self.invalid_user_lines += 1
            self._add(t, "sshd", pid, "pam_unix(sshd:auth): check pass; user unknown")
        suffix = f"  user={user}" if valid else ""
        self._add(
            t,
            "sshd",
            pid,
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
            f"rhost={ip}{suffix}",
        )
        for _ in range(attempts):
            t += timedelta(seconds=self.rng.randint(1, 3))
            self._add(t, "sshd", pid, f"Failed password for {who} from {ip} port {port} ssh2")
            self.failures.append(FailedAttempt(t, user, ip, valid))
        if attempts > 1 and valid:
            self._add(
                t,
                "sshd",
                pid,
                f"PAM {attempts - 1} more authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
                f"rhost={ip}  user={user}",
            )
        t += timedelta(seconds=1)
        if self.rng.random() < 0.5:
            closer = f"authenticating user {user}" if valid else f"invalid user {user}"
            self._add(t, "sshd", pid, f"Connection closed by {closer} {ip} port {port} [preauth]")
        else:
            self._add(t, "sshd", pid, f"Received disconnect from {ip} port {port}:11: Bye Bye [preauth]")
            closer = f"authenticating user {user}" if valid else f"invalid user {user}"
            self._add(t, "sshd", pid, f"Disconnected from {closer} {ip} port {port} [preauth]")

    def accepted(
        self, when: datetime, user: str, uid: int, ip: str, method: str, key_fp: str = ""
    ) -> Session:
        """An accepted login, its PAM session and logind's new session."""
        pid, port = self._pid(), self._port()
        detail = f": ED25519 {key_fp}" if method == "publickey" else ""
        accepted = LogLine(
            when, "sshd", pid, f"Accepted {method} for {user} from {ip} port {port} ssh2{detail}"
        )
        self.lines.append(accepted)
        self._add(
            when, "sshd", pid, f"pam_unix(sshd:session): session opened for user {user}(uid={uid}) by (uid=0)"
        )
        session_id = self.next_session
        self.next_session += 1
        self._add(when, "systemd-logind", LOGIND_PID, f"New session {session_id} of user {user}.")
        return Session(when, user, ip, port, method, pid, session_id, accepted)

    def closed(self, session: Session, when: datetime) -> None:
        """The client of a session disconnects."""
        pid, ip, port, user = session.sshd_pid, session.ip, session.port, session.user
        self._add(when, "sshd", pid, f"Received disconnect from {ip} port {port}:11: disconnected by user")
        self._add(when, "sshd", pid, f"Disconnected from user {user} {ip} port {port}")
        self._add(when, "sshd", pid, f"pam_unix(sshd:session): session closed for user {user}")
        self._add(
            when,
            "systemd-logind",
            LOGIND_PID,
            f"Session {session.session_id} logged out. Waiting for processes to exit.",
        )
        self._add(when, "systemd-logind", LOGIND_PID, f"Removed session {session.session_id}.")

    def sudo(self, when: datetime, user: str, uid: int, tty: str, pwd: str, command: str) -> None:
        """sudo's own line (user right-aligned in 8 columns, as sudo writes it) and its PAM session."""
        self._add(when, "sudo", None, f"{user:>8} : TTY={tty} ; PWD={pwd} ; USER=root ; COMMAND={command}")
        self._add(
            when,
            "sudo",
            None,
            f"pam_unix(sudo:session): session opened for user root(uid=0) by {user}(uid={uid})",
        )
        self._add(
            when + timedelta(seconds=1), "sudo", None, "pam_unix(sudo:session): session closed for user root"
        )

    def cron_session(self, when: datetime) -> None:
        """An hourly cron job's PAM session (benign noise)."""
        pid = self._pid()
        self._add(when, "CRON", pid, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")
        self._add(when, "CRON", pid, "pam_unix(cron:session): session closed for user root")
