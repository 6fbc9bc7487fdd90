"""Generator of ssh-bruteforce-miner: logs of a brute force and a compromise, a miner, persistence."""

# Paths under /tmp are inside the sandbox host; the random generator only makes data repeatable.
# ruff: noqa: S108, S311, S106

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta

from sandbox import utmp
from sandbox.authlog import AuthLog, Session
from sandbox.filetimes import Stamp, stamp_tree
from sandbox.findings import (
    AttackerFile,
    DroppedFile,
    ExpectedFindings,
    FailedLogins,
    LoginEvent,
    SudoCommand,
    UtmpRecord,
)
from sandbox.hostfiles import (
    Account,
    fake_ed25519_public,
    merged_accounts,
    put,
    sha256_file,
    write_accounts,
)
from sandbox.miner_host import (
    CRONTAB,
    CRONTAB_LINE,
    GHOST,
    HIDDEN,
    MINER,
    PAYLOAD,
    SUDO,
    TMP_DIRS,
    UNIT_LINK,
    UNIT_PATH,
    lay_out_files,
)
from sandbox.scenario import HostContext, PlannedHost
from sandbox.syslog import LogLine, last_times, write_rotated

NAME = "ssh-bruteforce-miner"
# (address, hours before `up` the burst starts and ends, connections): one per TEST-NET block.
ATTACKERS = (("203.0.113.45", 30, 25, 40), ("198.51.100.23", 19, 13, 30), ("192.0.2.77", 5, 3, 24))
ENTRY_IP = "192.0.2.77"
ADMIN_IP = "198.51.100.10"
VALID = ("root", "admin", "deploy")
INVALID = ("ubuntu", "oracle", "test", "postgres1", "git", "user")
# Rotation boundaries: before CUT_OLD -> auth.log.2.gz, before CUT_NEW -> auth.log.1.
CUT_OLD_H, CUT_NEW_H = 24, 12
COMPROMISE_AGO = timedelta(hours=2, minutes=50)
KERNEL = "6.1.0-27-amd64"
def _burst(log: AuthLog, rng: random.Random, now: datetime) -> None:
    for ip, start_h, end_h, connections in ATTACKERS:
        start, end = now - timedelta(hours=start_h), now - timedelta(hours=end_h)
        step = (end - start) / connections
        for n in range(connections):
            when = start + step * n + timedelta(seconds=rng.randint(0, 30))
            users = ("deploy",) * 3 + VALID + INVALID if ip == ENTRY_IP else VALID + INVALID
            user = rng.choice(users)
            log.failed_connection(when, ip, user, user in VALID, rng.choice((1, 1, 2)))


def _wtmp(now: datetime, admin: list[Session], entry: Session, entry_end: datetime) -> list[UtmpRecord]:
    boot = now - timedelta(days=5, minutes=13)
    records = [UtmpRecord(type="BOOT_TIME", user="reboot", line="~", host=KERNEL, timestamp=boot)]
    ends = [s.when + timedelta(minutes=25) for s in admin] + [entry_end]
    for session, end in sorted(zip([*admin, entry], ends, strict=True), key=lambda pair: pair[0].when):
        records.append(
            UtmpRecord(
                type="USER_PROCESS",
                user=session.user,
                line="pts/0",
                host=session.ip,
                timestamp=session.when.replace(microsecond=0),
            )
        )
        records.append(UtmpRecord(type="DEAD_PROCESS", user="", line="pts/0", host="", timestamp=end))
    return records


def _login(session: Session, hostname: str, cuts: tuple[datetime, datetime]) -> LoginEvent:
    return LoginEvent(
        user=session.user,
        ip=session.ip,
        port=session.port,
        method="password" if session.method == "password" else "publickey",
        timestamp=session.when,
        log_file=_file_of(session.when, cuts),
        line=session.accepted_line.render(hostname),
    )


def _syslog(rng: random.Random, now: datetime, entry: Session) -> list[LogLine]:
    lines: list[LogLine] = []
    for hours in range(48, 0, -1):
        at = (now - timedelta(hours=hours)).replace(minute=17, second=1)
        lines.append(
            LogLine(
                at,
                "CRON",
                rng.randint(1200, 64000),
                "(root) CMD (cd / && run-parts --report /etc/cron.hourly)",
            )
        )
        if hours % 12 == 0:
            lines.append(
                LogLine(
                    at + timedelta(minutes=9),
                    "systemd",
                    1,
                    "Starting apt-daily.service - Daily apt download activities...",
                )
            )
            lines.append(
                LogLine(
                    at + timedelta(minutes=9, seconds=2),
                    "systemd",
                    1,
                    "apt-daily.service: Deactivated successfully.",
                )
            )
    lines.append(
        LogLine(
            entry.when,
            "systemd",
            1,
            f"Started session-{entry.session_id}.scope - Session {entry.session_id} of User deploy.",
        )
    )
    return lines


def generate(ctx: HostContext) -> PlannedHost:
    """Write the host's files under ctx.tree; return the processes to start and the ground truth."""
    rng = random.Random(ctx.seed * 100 + ctx.index)
    now = ctx.now.replace(microsecond=0)
    accounts = merged_accounts(
        [
            Account("deploy", 1001, "/home/deploy", gecos="Deploy user,,,"),
            Account("admin", 1002, "/home/admin", gecos="Site admin,,,"),
        ]
    )
    uid = {a.name: a.uid for a in accounts}
    admin_key, admin_fp = fake_ed25519_public(rng, "admin@laptop")
    log = AuthLog(rng)
    cuts = (now - timedelta(hours=CUT_OLD_H), now - timedelta(hours=CUT_NEW_H))
    _burst(log, rng, now)
    admin = [
        log.accepted(now - timedelta(hours=h), "admin", uid["admin"], ADMIN_IP, "publickey", admin_fp)
        for h in (47, 23, 7)
    ]
    for session in admin:
        log.closed(session, session.when + timedelta(minutes=25))
    for hours in range(48, 0, -1):
        log.cron_session((now - timedelta(hours=hours)).replace(minute=17, second=1))
    entry = log.accepted(now - COMPROMISE_AGO, "deploy", uid["deploy"], ENTRY_IP, "password")
    files = lay_out_files(ctx, rng, accounts, admin_key)
    sudo: list[SudoCommand] = []
    for n, command in enumerate(SUDO):
        when = entry.when + timedelta(minutes=2 + 2 * n, seconds=rng.randint(0, 50))
        log.sudo(when, "deploy", uid["deploy"], "pts/0", "/home/deploy", command)
        sudo.append(
            SudoCommand(
                user="deploy", tty="pts/0", pwd="/home/deploy", run_as="root", command=command, timestamp=when
            )
        )
    entry_end = entry.when + timedelta(minutes=25)
    log.closed(entry, entry_end)

    log_dir = ctx.path("/var/log")
    rendered = write_rotated(log_dir, "auth.log", log.lines, ctx.hostname, cuts)
    syslog = sorted(_syslog(rng, now, entry), key=lambda line: line.when)
    put(log_dir / "syslog", "".join(line.render(ctx.hostname) + "\n" for line in syslog), 0o640)
    wtmp = _wtmp(now, admin, entry, entry_end)
    utmp.write(log_dir / "wtmp", [(r, 0 if r.type == "BOOT_TIME" else 4000 + i) for i, r in enumerate(wtmp)])
    btmp = [
        UtmpRecord(type="LOGIN_PROCESS", user=f.user, line="ssh:notty", host=f.ip, timestamp=f.when)
        for f in log.failures
    ]
    utmp.write(log_dir / "btmp", [(r, 5000 + i) for i, r in enumerate(btmp)])
    (log_dir / "btmp").chmod(0o660)
    write_accounts(ctx.path("/etc"), accounts)

    by_file = {
        f"/var/log/{name}": sum("Failed password" in line for line in lines)
        for name, lines in rendered.items()
    }
    failed = FailedLogins(
        total=len(log.failures),
        by_ip=dict(sorted(Counter(f.ip for f in log.failures).items())),
        by_user=dict(sorted(Counter(f.user for f in log.failures).items())),
        by_file=by_file,
        invalid_users=tuple(sorted({f.user for f in log.failures if not f.valid_user})),
        invalid_user_lines=log.invalid_user_lines,
    )
    attacker = _attacker_files(entry, sudo, entry_end)
    put(ctx.path(CRONTAB), _crontab(next(a.mtime for a in attacker if a.path == CRONTAB)), 0o600)
    stamps = {a.path: Stamp(a.mtime, a.change == "created") for a in attacker}
    # Not in the ground truth: a directory (its mtime is its last entry's) and a file deleted once it runs.
    stamps[HIDDEN] = Stamp(sudo[1].timestamp, True)
    stamps[GHOST] = Stamp(sudo[3].timestamp + timedelta(seconds=30), True)
    logs = {**last_times(log.lines, cuts, "auth.log"), "syslog": syslog[-1].when}
    logs |= {"wtmp": max(r.timestamp for r in wtmp), "btmp": max(r.timestamp for r in btmp)}
    stamps |= {f"/var/log/{name}": Stamp(when, False) for name, when in logs.items()}
    # /tmp is a tmpfs: it and its socket directories date from the boot wtmp records.
    stamps |= {d: Stamp(wtmp[0].timestamp, True) for d in ("/tmp", *TMP_DIRS)}
    stamp_tree(ctx.tree, now, stamps)
    payload = ctx.path(PAYLOAD)
    findings = ExpectedFindings(
        scenario=NAME,
        hostname=ctx.hostname,
        generated_at=now,
        attacker_ips=tuple(sorted(ip for ip, *_ in ATTACKERS)),
        targeted_users=tuple(sorted({f.user for f in log.failures})),
        failed_logins=failed,
        successful_login=_login(entry, ctx.hostname, cuts),
        legitimate_logins=tuple(_login(s, ctx.hostname, cuts) for s in admin),
        sudo_commands=tuple(sudo),
        processes=(),
        dropped_files=(
            DroppedFile(
                path=PAYLOAD, sha256=sha256_file(payload), size=payload.stat().st_size, in_intel=True
            ),
        ),
        persistence=files.persistence,
        attacker_key_fingerprint=files.attacker_fingerprint,
        attacker_files=attacker,
        authorized_keys=files.authorized_keys,
        wtmp=tuple(wtmp),
        btmp_count=len(btmp),
    )
    return PlannedHost(processes=files.processes, findings=findings, exe_sha256=files.exe_sha256)


def _attacker_files(entry: Session, sudo: list[SudoCommand], logout: datetime) -> tuple[AttackerFile, ...]:
    """What the attacker wrote and when: at its sudo line's second, else between the session's lines."""
    at = [c.timestamp for c in sudo]

    def s(seconds: int) -> timedelta:
        return timedelta(seconds=seconds)

    # (path, mtime, created, index of the sudo command that wrote it or None, is persistence)
    rows = (
        ("/home/deploy/.ssh/authorized_keys", entry.when + s(60), False, None, True),
        (PAYLOAD, at[2], True, 2, False),
        (MINER, at[3], True, 3, False),
        (f"{HIDDEN}/.s", at[3] + s(20), True, None, False),
        (f"{HIDDEN}/.w", at[3] + s(40), True, None, False),
        (f"{HIDDEN}/.p", at[3] + s(45), True, None, False),
        ("/etc/cron.d/dbus-kworker", at[4], True, 4, True),
        (CRONTAB, at[4] + s(40), True, None, True),
        ("/root/.ssh/authorized_keys", at[5], False, 5, True),
        (UNIT_PATH, at[6] - s(30), True, None, True),
        (UNIT_LINK, at[6], True, 6, True),
        ("/etc/rc.local", at[6] + s(40), True, None, True),
        ("/home/deploy/.bash_history", logout, True, None, False),
    )
    return tuple(
        AttackerFile(
            path=path,
            mtime=when,
            change="created" if created else "appended",
            sudo_command=None if n is None else sudo[n].command,
            persistence=persistence,
        )
        for path, when, created, n, persistence in rows
    )


def _crontab(installed: datetime) -> str:
    # crontab(1) names its temporary file and the install time in the header it writes.
    return (
        "# DO NOT EDIT THIS FILE - edit the master and reinstall.\n"
        f"# (/tmp/crontab.Xq3kLm installed on {installed:%a %b %e %H:%M:%S %Y})\n"
        "# (Cron version -- $Id: crontab.c,v 2.13 1994/01/17 03:20:37 vixie Exp $)\n"
        f"{CRONTAB_LINE}\n"
    )


def _file_of(when: datetime, cuts: tuple[datetime, datetime]) -> str:
    if when < cuts[0]:
        return "/var/log/auth.log.2.gz"
    return "/var/log/auth.log.1" if when < cuts[1] else "/var/log/auth.log"
