"""A small brute-force playbook with verdict rules over one log file, for cases run on `local`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

AUTH = (
    "Dec  1 10:00:01 web01 sshd[101]: Failed password for root from 203.0.113.9 port 40001 ssh2\n"
    "Dec  1 10:00:02 web01 sshd[101]: Failed password for root from 203.0.113.9 port 40002 ssh2\n"
    "Dec  1 10:00:03 web01 sshd[101]: Failed password for admin from 203.0.113.9 port 40003 ssh2\n"
    "Dec  1 10:00:04 web01 sshd[102]: Failed password for root from 198.51.100.7 port 40004 ssh2\n"
    "Dec  1 10:05:00 web01 sshd[103]: Accepted password for deploy from 203.0.113.9 port 40005 ssh2\n"
)
FAILED = r"Failed \S+ for (?P<user>\S+) from (?P<src>\S+) port"
ACCEPTED = r"Accepted \S+ for (?P<user>\S+) from (?P<src>\S+) port"


def write_playbook(
    directory: Path, log: Path, *, since: str | None = None, gated: bool = True, name: str = "verdict"
) -> Path:
    """A two-step brute-force playbook over `log` with verdict rules; `since` pins the first step's window."""
    failed: dict[str, Any] = {"paths": [str(log)], "pattern": FAILED}
    if since is not None:
        failed["since"] = since
    accepted_step: dict[str, Any] = {
        "id": "accepted",
        "title": "Accepted logins",
        "tool": "search_logs",
        "args": {"paths": [str(log)], "pattern": ACCEPTED},
        "extract": {"login_users": {"column": "user"}, "login_sources": {"builtin": "ipv4", "column": "src"}},
    }
    if gated:
        accepted_step["when"] = {"exists": "sources"}
    playbook = {
        "id": f"test.{name}",
        "title": "Brute force verdict",
        "version": "1.0",
        "description": "Failed and accepted logins in one log, and what they mean.",
        "severity": "high",
        "attack": ["T1110.001", "T1078"],
        "steps": [
            {
                "id": "failed_logins",
                "title": "Failed logins",
                "tool": "search_logs",
                "args": failed,
                "extract": {"sources": {"builtin": "ipv4", "column": "src", "attack": ["T1110.001"]}},
            },
            accepted_step,
        ],
        "conclusions": [
            {
                "id": "intrusion",
                "status": "compromised",
                "when": {"exists": "login_sources"},
                "summary": "A source that failed logins also logged in",
                "decided_by": ["failed_logins", "accepted"],
                "attack": ["T1078"],
            },
            {
                "id": "brute_force",
                "status": "suspicious",
                "when": {"exists": "sources"},
                "summary": "Failed logins",
                "ruled_out": "No failed logins in the log",
            },
        ],
    }
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(playbook, sort_keys=False), encoding="utf-8")
    return path
