"""auth.log events of access that failed: folded repeats, a console login, sudo refused to a user."""

from __future__ import annotations

from datetime import datetime, timedelta

from sandbox.authlog import LOGIND_PID, AuthLog, FailedAttempt
from sandbox.syslog import LogLine


def repeated_failures(log: AuthLog, when: datetime, ip: str, user: str, times: int) -> None:
    """One connection sending wrong passwords for a valid user: rsyslog folds the identical lines after
    the first into `message repeated N times: [ ... ]`, so the attempts are 1 + times."""
    pid, port = log.rng.randint(1200, 64000), log.rng.randint(32768, 60999)
    pam = (
        "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
        f"rhost={ip}  user={user}"
    )
    failed = f"Failed password for {user} from {ip} port {port} ssh2"
    log.lines.append(LogLine(when, "sshd", pid, pam))
    first = when + timedelta(seconds=2)
    log.lines.append(LogLine(first, "sshd", pid, failed))
    log.failures.append(FailedAttempt(first, user, ip, True))
    last = first + timedelta(seconds=3 * times)
    log.lines.append(LogLine(last, "sshd", pid, f"message repeated {times} times: [ {failed}]"))
    log.failures.extend(FailedAttempt(last, user, ip, True) for _ in range(times))
    log.lines.append(
        LogLine(
            last,
            "sshd",
            pid,
            f"error: maximum authentication attempts exceeded for {user} from {ip} port {port} ssh2"
            " [preauth]",
        )
    )
    log.lines.append(
        LogLine(
            last,
            "sshd",
            pid,
            f"PAM {times} more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= "
            f"rhost={ip}  user={user}",
        )
    )


def console_login(log: AuthLog, when: datetime, user: str, uid: int, session_id: int) -> None:
    """A local login on tty1 (login(1) and logind): no SSH, no source address."""
    log.lines.append(
        LogLine(
            when,
            "login",
            803,
            f"pam_unix(login:session): session opened for user {user}(uid={uid}) by LOGIN(uid=0)",
        )
    )
    log.lines.append(LogLine(when, "systemd-logind", LOGIND_PID, f"New session {session_id} of user {user}."))


def denied_sudo(log: AuthLog, when: datetime, user: str, tty: str, pwd: str, command: str) -> LogLine:
    """sudo refusing a user absent from sudoers (the command never ran); returns the logged line."""
    line = LogLine(
        when,
        "sudo",
        None,
        f"{user:>8} : user NOT in sudoers ; TTY={tty} ; PWD={pwd} ; USER=root ; COMMAND={command}",
    )
    log.lines.append(line)
    return line
