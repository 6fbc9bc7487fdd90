"""Every library playbook, live through the real graph (guided, all approved), vs the sandbox ground truth."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.case.store import CaseStore
from agent.run.runner import drive
from agent.run.session import RunSpec, open_case, session_scope
from playbooks.discovery import find_playbook
from sandbox.findings import ExpectedFindings
from tests.support.approvers import ScriptedApprover
from tools.intel.store import IntelStore

pytestmark = pytest.mark.sshd


@dataclass(frozen=True)
class Investigation:
    findings: dict[str, set[str]]
    steps: dict[str, str]
    errors: list[str]
    verdict: str | None


def investigate(sandbox, tmp_path: Path, playbook_id: str) -> Investigation:
    """Run the playbook live on the sandbox host; the findings and step outcomes of its report.json."""
    spec = RunSpec(
        playbook_path=str(find_playbook(playbook_id)),
        target=sandbox.host_name,
        inventory=str(sandbox.inventory),
        backend="guided",
        intel_db=str(tmp_path / "intel.sqlite"),
    )
    session = open_case(spec, store=CaseStore(tmp_path / "cases"), approver="tester")
    with session_scope(session):
        outcome = drive(session.ctx, ScriptedApprover(), session.initial)
    assert outcome.state is not None and outcome.state.status == "closed"
    report = json.loads((session.case.dir / "report.json").read_text())
    findings: dict[str, set[str]] = {}
    for f in report["findings"]:
        assert f["host"] == sandbox.host_name
        findings.setdefault(f["name"], set()).add(f["value"])
    errors = [f"{r['tool']}: {r['error']}" for s in report["steps"] for r in s["runs"] if r["error"]]
    verdict = (report.get("verdict") or {}).get("status")
    return Investigation(findings, {o["step_id"]: o["status"] for o in report["outcomes"]}, errors, verdict)


def intel_families(tmp_path: Path, hashes: set[str]) -> dict[str, set[str]]:
    with IntelStore.open(tmp_path / "intel.sqlite") as store:
        hits = store.lookup(sorted(hashes))
    return {h: {hit.family or "" for hit in found} for h, found in hits.items() if found}


def test_ssh_bruteforce(sandbox, tmp_path: Path) -> None:
    run = investigate(sandbox, tmp_path, "linux.ssh.bruteforce")
    gt: ExpectedFindings = sandbox.expected
    assert run.errors == []
    assert set(run.steps.values()) == {"done"}
    f = run.findings
    assert f["sources"] == set(gt.attacker_ips)
    assert f["targeted_users"] == set(gt.targeted_users)
    assert f["invalid_sources"] <= set(gt.attacker_ips)
    assert f["compromised_users"] == {gt.successful_login.user}
    assert f["intrusion_sources"] == {gt.successful_login.ip}
    assert f["sudo_commands"] == {c.command for c in gt.sudo_commands}
    urls = {u for c in gt.sudo_commands for u in re.findall(r"https?://\S+", c.command)}
    assert f["download_urls"] == urls
    assert f["wtmp_sources"] == {r.host for r in gt.wtmp if r.type == "USER_PROCESS"}
    logins = (gt.successful_login, *gt.legitimate_logins)
    assert f["accepted_sources"] == {login.ip for login in logins}
    assert f["accepted_users"] == {login.user for login in logins}
    assert f["pam_sources"] == set(gt.attacker_ips)
    assert f["invalid_users"] == set(gt.failed_logins.invalid_users)
    assert set(f) == {
        "sources",
        "pam_sources",
        "targeted_users",
        "invalid_sources",
        "invalid_users",
        "accepted_sources",
        "accepted_users",
        "compromised_users",
        "intrusion_sources",
        "sudo_commands",
        "download_urls",
        "wtmp_sources",
    }


def test_process_suspicious(sandbox, tmp_path: Path) -> None:
    run = investigate(sandbox, tmp_path, "linux.process.suspicious")
    gt: ExpectedFindings = sandbox.expected
    bad = [p for p in gt.processes if p.malicious]
    assert {p.role for p in bad} == {"miner", "deleted-exe"}
    assert run.errors == []
    f = run.findings
    assert f["suspicious_pids"] == {str(p.pid) for p in bad}
    assert f["suspicious_exes"] == {p.exe.removesuffix(" (deleted)") for p in bad}
    assert f["temp_exes"] == f["suspicious_exes"]  # both run from /tmp/.ICE-unix/.x
    assert (
        f["deleted_temp_exes"]
        == f["deleted_exes"]
        == {p.exe.removesuffix(" (deleted)") for p in bad if p.exe_deleted}
    )
    assert f["fake_kernel_threads"] == {gt.miner.argv[0]}
    assert f["connected_processes"] == {gt.miner.comm}
    assert f["suspicious_users"] == {p.user for p in bad}
    assert gt.miner.remote is not None
    host, port = gt.miner.remote.rsplit(":", 1)
    assert f["remote_ips"] == {host} and f["remote_ports"] == {port}
    # The deleted executable cannot be hashed by path: only the miner's hash is found.
    assert f["exe_sha256"] == {p.exe_sha256 for p in bad if not p.exe_deleted}
    assert "malware_families" not in f  # the miner is a copy of a system binary, unknown to intel
    assert set(f) == {
        "suspicious_pids",
        "suspicious_exes",
        "suspicious_users",
        "remote_ips",
        "remote_ports",
        "exe_sha256",
        "temp_exes",
        "deleted_temp_exes",
        "deleted_exes",
        "fake_kernel_threads",
        "connected_processes",
    }
    # A deleted binary from /tmp and a /tmp process holding a connection; the disguise is suspicious.
    assert run.verdict == "compromised"


def _host_files_recent(sandbox) -> set[str]:
    """This machine's own cron/profile files that show through the sandbox's /etc overlay and changed in the
    last 7 days (list_persistence's window): normally none, but a freshly built image could have some."""
    out: set[str] = set()
    for root in (
        "/etc/crontab",
        "/etc/cron.hourly",
        "/etc/cron.daily",
        "/etc/cron.weekly",
        "/etc/cron.monthly",
        "/etc/profile.d",
    ):
        base = Path(root)
        for path in [base] if base.is_file() else sorted(base.glob("*")) if base.is_dir() else []:
            if (sandbox.tree / path.relative_to("/")).exists():
                continue  # the scenario's own file, with the scenario's time
            if path.is_file() and path.stat().st_mtime >= time.time() - 7 * 86400:
                out.add(str(path))
    return out


def test_persistence(sandbox, tmp_path: Path) -> None:
    run = investigate(sandbox, tmp_path, "linux.persistence")
    gt: ExpectedFindings = sandbox.expected
    assert run.errors == []
    assert set(run.steps.values()) == {"done"}
    f = run.findings
    launches = f["cron_launches"] | f["unit_launches"] | f["rc_launches"]
    assert launches == {e.line for e in gt.persistence if e.kind != "authorized_keys"}
    assert f["reboot_entries"] == {e.line for e in gt.persistence if e.line.startswith("@reboot")}
    # Only the attacker's files are recent; an enabled unit's link is no red sign by itself.
    recent = {p.path for p in gt.attacker_files if p.persistence}
    assert f["persistence_files"] == recent | _host_files_recent(sandbox)
    attacker_keys = {k.path for k in gt.authorized_keys if k.origin == "attacker"}
    assert attacker_keys <= f["recent_files"] <= recent | _host_files_recent(sandbox)
    # The unit the attacker enabled is a review fact; its Exec line (from /tmp) is what decides.
    assert f["recent_units"] == {Path(a.path).name for a in gt.attacker_files if ".wants/" in a.path}
    assert f["known_malware_files"] == {d.path for d in gt.dropped_files if d.in_intel}
    assert run.verdict == "compromised"
    # Recency is per file: the other keys of the files the attacker appended to (the sandbox's own
    # client key in root's, the CI key in deploy's) are flagged with the attacker's, the admin's is not.
    assert f["key_fingerprints"] == {k.fingerprint for k in gt.authorized_keys if k.path in recent}
    assert f["all_key_fingerprints"] == {k.fingerprint for k in gt.authorized_keys}
    assert f["file_owners"] == {"root", "deploy"}
    assert {d.path for d in gt.dropped_files} <= f["launched_files"]
    planted = {d.sha256 for d in gt.dropped_files if d.in_intel}
    assert set(intel_families(tmp_path, f["launched_sha256"])) == planted
    assert f["malware_families"] == set().union(*intel_families(tmp_path, planted).values())


def test_hash_sweep(sandbox, tmp_path: Path) -> None:
    run = investigate(sandbox, tmp_path, "linux.malware.hash_sweep")
    gt: ExpectedFindings = sandbox.expected
    assert run.errors == []
    f = run.findings
    assert {d.path for d in gt.dropped_files} <= f["candidate_files"]
    planted = {d.sha256 for d in gt.dropped_files if d.in_intel}
    assert planted, "the scenario plants a sample known to the intel store"
    families = intel_families(tmp_path, f["file_sha256"])
    assert set(families) == planted  # exactly the planted sample matches, nothing else does
    family = set().union(*families.values())
    assert f["malware_families"] == family
    assert f["known_families"] == family
    assert f["known_malware_files"] == {d.path for d in gt.dropped_files if d.in_intel}
    assert f["known_hashes"] == planted
    assert f["executable_files"] == {gt.miner.exe}  # the bash copy; the deleted binary is gone
    assert {d.path for d in gt.dropped_files} <= f["hidden_dir_files"]
    assert run.verdict == "compromised"


def test_account_compromise(sandbox, tmp_path: Path) -> None:
    run = investigate(sandbox, tmp_path, "linux.account.compromise")
    gt: ExpectedFindings = sandbox.expected
    assert run.errors == []
    logins = [gt.successful_login, *gt.legitimate_logins]
    f = run.findings
    assert f["login_sources"] == {login.ip for login in logins}
    # `list_logins which=success` also reports wtmp's boot record, whose user is `reboot`.
    assert f["login_users"] - {"reboot"} == {login.user for login in logins}
    assert f["sudo_users"] == {c.user for c in gt.sudo_commands}
    assert f["sudo_commands"] == {c.command for c in gt.sudo_commands}
    assert f["key_fingerprints"] == {k.fingerprint for k in gt.authorized_keys}
    # Staging in /tmp/.ICE-unix/.x as root: every sudo command that names a path under /tmp.
    assert f["staging_commands"] == {c.command for c in gt.sudo_commands if "/tmp/" in c.command}
    planted = {"/etc/cron.d/dbus-kworker", "/root/.ssh/authorized_keys", "system-update.service"}
    assert f["persistence_commands"] == {
        c.command for c in gt.sudo_commands if any(p in c.command for p in planted)
    }
    appended = {a.path for a in gt.attacker_files}
    assert f["recent_keys"] == {k.fingerprint for k in gt.authorized_keys if k.path in appended}
    assert "new_accounts" not in f and "uid0_accounts" not in f  # the scenario creates no account
    assert run.verdict == "compromised"
    assert run.steps["new_account_activity"] == "condition_false"
