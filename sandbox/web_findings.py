"""Ground truth of a web-shell compromise: scanner, upload, the shell's commands, dropped script, C2."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from sandbox.findings import AttackerFile, ExpectedVerdict, PlantedProcess

ClientRole = Literal["scanner", "uploader", "operator", "benign"]


class _Fact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebClient(_Fact):
    """One client of the web server as Apache logged it (%h: an address, or a name with HostnameLookups)."""

    client: str
    """The first field of its access-log lines."""
    requests: int
    """Number of its access-log lines, over access.log, access.log.1 and access.log.2.gz."""
    user_agents: tuple[str, ...]
    """The distinct User-Agent values it sent, sorted."""
    role: ClientRole
    """scanner: probe burst; uploader: sent the POST that planted the shell; operator: ran commands
    through the shell; benign: normal visitors and search bots, never to be reported as attackers."""
    statuses: dict[int, int]
    """HTTP status to its number of lines."""


class ShellCommand(_Fact):
    """One command run through the web shell: a GET to the shell with a URL-encoded parameter."""

    timestamp: datetime
    """The access-log line's time (UTC, seconds)."""
    client: str
    """Who sent it."""
    encoded: str
    """The parameter's value as logged (URL-encoded)."""
    command: str
    """The decoded command."""
    log_file: str
    """The access log inside the host holding the line."""


class WebShellUpload(_Fact):
    """The request that planted the shell."""

    timestamp: datetime
    """The POST line's time, also the shell's mtime."""
    client: str
    """Who sent it."""
    request: str
    """The request line (`POST /path HTTP/1.1`)."""
    line: str
    """The exact access-log line."""


class WebShellFindings(_Fact):
    """Everything a correct investigation of the webshell-upload host must report."""

    kind: Literal["webshell"] = "webshell"
    """Which ground-truth model this is (the state file tells them apart by it)."""
    scenario: str
    """Scenario name."""
    hostname: str
    """Host name used in the error log and by `hostname`."""
    generated_at: datetime
    """The `up` time the timestamps are relative to (UTC)."""
    verdict: ExpectedVerdict = "compromised"
    """The case verdict a correct investigation reaches."""
    server_address: str
    """The server's own public address (in Referer headers: never a client)."""
    attacker_ips: tuple[str, ...]
    """Scanner, uploader and operator clients, sorted."""
    scanner_clients: tuple[str, ...]
    """Clients of the probe burst, sorted."""
    operator_clients: tuple[str, ...]
    """Clients that sent commands to the shell, sorted."""
    benign_clients: tuple[str, ...]
    """Every other client (addresses and host names), sorted: must NOT be reported as attackers."""
    decoy_addresses: tuple[str, ...]
    """IPv4 addresses in access-log lines that are no client (the server's in Referers, others in
    paths and queries), sorted."""
    clients: tuple[WebClient, ...]
    """Every client with its counts, sorted by client."""
    probe_paths: tuple[str, ...]
    """Paths the scanners requested, sorted and distinct."""
    shell_path: str
    """The web shell's file inside the host."""
    shell_url_path: str
    """Its URL path."""
    shell_parameter: str
    """The query parameter carrying commands."""
    upload: WebShellUpload
    """The request that planted it."""
    commands: tuple[ShellCommand, ...]
    """Every command sent to the shell, in log order."""
    download_urls: tuple[str, ...]
    """URLs fetched by the commands and by the dropped script, sorted."""
    c2: str
    """host:port the dropped script connects back to."""
    dropped_script: str
    """The script the shell downloaded (inside the host)."""
    changed_web_files: tuple[AttackerFile, ...]
    """Files under the web root the attack created or changed; every other file there is months old."""
    attacker_files: tuple[AttackerFile, ...]
    """Every file the attack wrote (web root and elsewhere), with its mtime."""
    access_lines: dict[str, int]
    """Access log inside the host to its number of lines."""
    error_log_shell_lines: int
    """Number of error.log lines that name the shell."""
    processes: tuple[PlantedProcess, ...] = ()
    """Processes started inside the host (none in this scenario)."""
