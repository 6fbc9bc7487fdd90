"""Generator of ssh-bruteforce-failed: a brute force 12-20 days old that never got in, one lone login."""

# Paths under /tmp are inside the sandbox host; the random generator only makes data repeatable.
# ruff: noqa: S108, S311, S106

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import datetime, timedelta

from sandbox import utmp
from sandbox.authfail import console_login, denied_sudo, repeated_failures
from sandbox.authlog import AuthLog
from sandbox.bruteforce_findings import FailedAttempts, FailedBruteForceFindings, ReviewItem
from sandbox.filetimes import Stamp, stamp_tree
from sandbox.findings import LoginEvent, SudoCommand, UtmpRecord
from sandbox.hostfiles import Account, directory, fake_ed25519_public, merged_accounts, put, write_accounts
from sandbox.scenario import HostContext, PlannedHost
from sandbox.syslog import last_times, write_rotated

NAME = "ssh-bruteforce-failed"
# (source as sshd logs it, days before `up` its attempts start and end, connections).
SOURCES = (
    ("203.0.113.9", 19.5, 17.0, 34),
    ("198.51.100.201", 17.5, 15.5, 26),
    ("192.0.2.66", 15.0, 13.5, 22),
    ("scanner-7.example.net", 14.0, 12.5, 12),
)
# Sources that also send folded repeats for root: (source, days before `up`, repeats).
REPEATS = (("203.0.113.9", 18.2, 5), ("198.51.100.201", 16.1, 4), ("192.0.2.66", 14.4, 3))
VALID = ("root", "alice", "bob")
# Names logged as they were sent: one with a leading space, one empty.
INVALID = ("admin", " admin", "", "ubuntu", "oracle", "test", "pi", "git")
ADMIN_IP = "198.51.100.7"
LOGIN_AGO, DENIED_AGO = timedelta(days=14, hours=3), timedelta(days=13, hours=1)
# Rotation boundaries (days before `up`): before -> auth.log.2.gz, between -> auth.log.1, after -> auth.log.
CUT_OLD_D, CUT_NEW_D, HISTORY_D = 16, 11, 21
BOOT_AGO, KERNEL, SESSION_MIN = timedelta(days=25, minutes=4), "6.1.0-27-amd64", 18
ALLOWED = ("/usr/bin/fail2ban-client status sshd", "/usr/bin/apt-get update")
DENIED = ("/usr/bin/cat /etc/shadow", "/usr/bin/su -")
FAILED = re.compile(r"(?:: message repeated (\d+) times: \[ |: )Failed password for ")


def _attempts(line: str) -> int:
    """Attempts a rendered line stands for: N for a folded repeat, 1 for a plain failure, else 0."""
    found = FAILED.search(line)
    if found is None:
        return 0
    return int(found.group(1)) if found.group(1) else 1


def _burst(log: AuthLog, rng: random.Random, now: datetime) -> None:
    for source, start_d, end_d, connections in SOURCES:
        start, end = now - timedelta(days=start_d), now - timedelta(days=end_d)
        step = (end - start) / connections
        for n in range(connections):
            when = (start + step * n + timedelta(seconds=rng.randint(0, 30))).replace(microsecond=0)
            user = rng.choice(VALID + INVALID)
            log.failed_connection(when, source, user, user in VALID, rng.choice((1, 1, 2, 3)))
    for source, days, times in REPEATS:
        repeated_failures(log, (now - timedelta(days=days)).replace(microsecond=0), source, "root", times)
    # Every odd name at least once, whatever the draws above.
    for n, name in enumerate(INVALID):
        when = (now - timedelta(days=15, minutes=40 - 3 * n)).replace(microsecond=0)
        log.failed_connection(when, SOURCES[2][0], name, False, 1)


def _login(
    log: AuthLog, when: datetime, uid: int, fingerprint: str, hostname: str, cuts: tuple[datetime, datetime]
) -> LoginEvent:
    session = log.accepted(when, "alice", uid, ADMIN_IP, "publickey", fingerprint)
    log.closed(session, when + timedelta(minutes=SESSION_MIN))
    names = ("/var/log/auth.log.2.gz", "/var/log/auth.log.1", "/var/log/auth.log")
    return LoginEvent(
        user=session.user,
        ip=session.ip,
        port=session.port,
        method="publickey",
        timestamp=session.when,
        log_file=names[0] if when < cuts[0] else names[1] if when < cuts[1] else names[2],
        line=session.accepted_line.render(hostname),
    )


def _wtmp(now: datetime, login: LoginEvent) -> list[UtmpRecord]:
    """Boot, bob's console session on tty1, alice's SSH session, in time order."""
    console = (now - DENIED_AGO).replace(microsecond=0)
    sessions = [
        ("bob", "tty1", "", console, console + timedelta(minutes=6)),
        ("alice", "pts/0", login.ip, login.timestamp, login.timestamp + timedelta(minutes=SESSION_MIN)),
    ]
    records = [UtmpRecord(type="BOOT_TIME", user="reboot", line="~", host=KERNEL, timestamp=now - BOOT_AGO)]
    for user, line, host, start, end in sorted(sessions, key=lambda s: s[3]):
        records.append(UtmpRecord(type="USER_PROCESS", user=user, line=line, host=host, timestamp=start))
        records.append(UtmpRecord(type="DEAD_PROCESS", user="", line=line, host="", timestamp=end))
    return records


def generate(ctx: HostContext) -> PlannedHost:
    """Write the host's files under ctx.tree; return what to expect (no processes to start)."""
    rng = random.Random(ctx.seed * 100 + ctx.index)
    now = ctx.now.replace(microsecond=0)
    accounts = merged_accounts(
        [
            Account("alice", 1001, "/home/alice", gecos="Alice (admin),,,"),
            Account("bob", 1002, "/home/bob", gecos="Bob,,,"),
        ]
    )
    uid = {a.name: a.uid for a in accounts}
    alice_key, alice_fp = fake_ed25519_public(rng, "alice@laptop")
    cuts = (now - timedelta(days=CUT_OLD_D), now - timedelta(days=CUT_NEW_D))
    log = AuthLog(rng)
    _burst(log, rng, now)
    login = _login(log, now - LOGIN_AGO, uid["alice"], alice_fp, ctx.hostname, cuts)
    allowed = []
    for n, command in enumerate(ALLOWED):
        when = login.timestamp + timedelta(minutes=3 + 4 * n)
        log.sudo(when, "alice", uid["alice"], "pts/0", "/home/alice", command)
        allowed.append(
            SudoCommand(
                user="alice", tty="pts/0", pwd="/home/alice", run_as="root", command=command, timestamp=when
            )
        )
    console_login(log, now - DENIED_AGO, "bob", uid["bob"], log.next_session)
    denied = []
    for n, command in enumerate(DENIED):
        when = now - DENIED_AGO + timedelta(minutes=2, seconds=40 * n)
        denied_sudo(log, when, "bob", "tty1", "/home/bob", command)
        denied.append(
            SudoCommand(
                user="bob", tty="tty1", pwd="/home/bob", run_as="root", command=command, timestamp=when
            )
        )
    incident = (min(line.when for line in log.lines), max(line.when for line in log.lines))
    for hours in range(HISTORY_D * 24, 0, -1):
        log.cron_session((now - timedelta(hours=hours)).replace(minute=17, second=1))

    log_dir = directory(ctx.path("/var/log"))
    rendered = write_rotated(log_dir, "auth.log", log.lines, ctx.hostname, cuts)
    write_accounts(ctx.path("/etc"), accounts)
    put(ctx.path("/etc/hostname"), f"{ctx.hostname}\n")
    directory(ctx.path("/etc/ssh"))
    directory(ctx.path("/tmp"), 0o1777)
    directory(ctx.path("/root/.ssh"), 0o700)
    put(ctx.path("/root/.ssh/authorized_keys"), f"{ctx.client_public} sleuth-sandbox\n", 0o600)
    for account in accounts:
        home = directory(ctx.path(account.home), 0o755, account.uid)
        if account.name == "alice":
            directory(home / ".ssh", 0o700, account.uid)
            put(home / ".ssh/authorized_keys", f"{alice_key}\n", 0o600, account.uid)
    wtmp = _wtmp(now, login)
    utmp.write(log_dir / "wtmp", [(r, 0 if r.type == "BOOT_TIME" else 4000 + i) for i, r in enumerate(wtmp)])
    btmp = [
        UtmpRecord(type="LOGIN_PROCESS", user=f.user, line="ssh:notty", host=f.ip, timestamp=f.when)
        for f in log.failures
    ]
    utmp.write(log_dir / "btmp", [(r, 5000 + i) for i, r in enumerate(btmp)])
    (log_dir / "btmp").chmod(0o660)
    logs = last_times(log.lines, cuts, "auth.log")
    logs |= {"wtmp": max(r.timestamp for r in wtmp), "btmp": max(r.timestamp for r in btmp)}
    stamps = {f"/var/log/{name}": Stamp(when, False) for name, when in logs.items()}
    stamps["/tmp"] = Stamp(now - timedelta(days=3, minutes=12), True)
    stamp_tree(ctx.tree, now, stamps)

    failures = log.failures
    texts = [line for lines in rendered.values() for line in lines]
    failed = FailedAttempts(
        total=len(failures),
        lines=sum(_attempts(line) > 0 for line in texts),
        repeated_lines=sum(": message repeated " in line for line in texts),
        by_source=dict(sorted(Counter(f.ip for f in failures).items())),
        by_user=dict(sorted(Counter(f.user for f in failures).items())),
        by_file={
            f"/var/log/{name}": sum(_attempts(line) for line in lines) for name, lines in rendered.items()
        },
        invalid_users=tuple(sorted({f.user for f in failures if not f.valid_user})),
        invalid_user_lines=log.invalid_user_lines,
        pam_failure_lines=sum("pam_unix(sshd:auth): authentication failure;" in line for line in texts),
    )
    findings = FailedBruteForceFindings(
        scenario=NAME,
        hostname=ctx.hostname,
        generated_at=now,
        incident_start=incident[0],
        incident_end=incident[1],
        attacker_ips=tuple(sorted(failed.by_source)),
        targeted_users=tuple(sorted(failed.by_user)),
        failed=failed,
        accepted_logins=(login,),
        needs_review=tuple(
            ReviewItem(reason="login_without_failures", user=a.user, source=a.ip, timestamp=a.timestamp)
            for a in (login,)
            if a.ip not in failed.by_source
        ),
        sudo_commands=tuple(allowed),
        denied_sudo=tuple(denied),
        wtmp=tuple(wtmp),
        btmp_count=len(btmp),
    )
    return PlannedHost(processes=(), findings=findings, exe_sha256={})
