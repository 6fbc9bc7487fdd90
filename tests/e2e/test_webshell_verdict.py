"""End to end on the webshell-upload sandbox: `sleuth run web.webshell` reaches the scenario's verdict.

Guided mode through the real CLI, every step approved, judged against the scenario's ground truth
(sandbox/web_findings.py): the shell, every decoded command in order, the exploit, the downloads and the
C2, the scanners, and no benign client, Referer address or address from a URL reported as a client.
The host's logs are named with `--log` (the responder knows it runs Apache): the debian profile's nginx
candidates are then not asked for, so every step can be fully examined.

A window before the incident is a question asked: over access-log lines that are there (benign traffic)
the log-based rules are ruled out. The web shell is still on disk, so with the default `changed_within`
the case is compromised on the file alone; with a `changed_within` that misses it too, the case is
no_evidence and its summary says the window and the lines it rests on.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.web_findings import WebShellFindings
from tests.conftest import SandboxHandle
from tests.sandbox.scenario_up import scenario_host
from tests.support.cli import sleuth

pytestmark = pytest.mark.sshd

APACHE = ("--log", "web_access=/var/log/apache2/access.log", "--log", "web_error=/var/log/apache2/error.log")
# Findings whose values are clients the playbook holds to be attackers, and every client-valued finding.
ACCUSED = (
    "shell_clients",
    "shell_script_clients",
    "scanner_clients",
    "tool_clients",
    "probing_clients",
    "exploit_clients",
)
CLIENTS = (*ACCUSED, "posting_clients", "notfound_clients", "entry_clients")


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    """One webshell-upload host for this module."""
    with scenario_host(tmp_path_factory, "webshell-upload") as handle:
        yield handle


@pytest.fixture(scope="module")
def truth(host: SandboxHandle) -> WebShellFindings:
    """Its ground truth."""
    assert isinstance(host.truth, WebShellFindings)
    return host.truth


def run_case(host: SandboxHandle, home: Path, *extra: str) -> Path:
    """`sleuth run web.webshell` in guided mode, every step approved by alice; the closed case's dir."""
    proc = sleuth(
        "run", "web.webshell", "--target", host.host_name, "--inventory", str(host.inventory),
        "--backend", "guided", "--console", "--approver", "alice", *APACHE, *extra,
        home=home, stdin="a\n" * 40, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    found = re.search(r"case (\S+): closed", proc.stdout)
    assert found is not None, proc.stdout[-3000:]
    return home / "cases" / found.group(1)


def report_of(case_dir: Path) -> dict[str, Any]:
    """report.json as data."""
    data: dict[str, Any] = json.loads((case_dir / "report.json").read_text(encoding="utf-8"))
    return data


def values(report: dict[str, Any], name: str) -> dict[str, dict[str, Any]]:
    """The extractor values of one finding: value to its record (count, first_seen, ...)."""
    return {f["value"]: f for f in report["findings"] if f["name"] == name and f["source"] == "extractor"}


@pytest.fixture(scope="module")
def full(host: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The whole log, default inputs: the case dir and its report."""
    case_dir = run_case(host, tmp_path_factory.mktemp("webshell-full"))
    return case_dir, report_of(case_dir)


def test_the_verdict_is_compromised_on_the_shell_its_commands_and_the_dropped_script(
    truth: WebShellFindings, full: tuple[Path, dict[str, Any]]
) -> None:
    _, report = full
    verdict = report["verdict"]
    assert verdict["status"] == truth.verdict == "compromised"
    fired = {f["id"]: f for f in verdict["fired"]}
    deciding = [f["id"] for f in verdict["fired"] if f["status"] == "compromised"]
    assert deciding == ["commands_through_shell", "webshell_on_disk", "reverse_shell_dropped"]
    assert fired["exploit_attempt"]["status"] == "suspicious"
    basis = {(b["finding"], b["value"]) for b in fired["commands_through_shell"]["basis"]}
    assert ("shell_scripts", truth.shell_url_path) in basis
    assert {v for f, v in basis if f == "shell_clients"} == set(truth.operator_clients)
    assert verdict["summary"].startswith(
        f"compromised: Commands ran through a web shell: shell_scripts {truth.shell_url_path}"
    )
    assert {"T1505.003", "T1059.004", "T1105", "T1095", "T1190", "T1595.002"} <= set(report["attack"])
    assert verdict["ruled_out"] == [
        "No changed web file or downloaded file has a hash known to the intel store"
    ]  # the sandbox's intel store knows no hash of this scenario: said, not hidden
    assert set(values(report, "shell_scripts")) == {truth.shell_url_path}
    assert truth.shell_path in values(report, "changed_files")
    assert set(values(report, "webshell_code")) == {f"system($_GET['{truth.shell_parameter}'])"}
    assert set(values(report, "php_error_scripts")) == {truth.shell_path}
    # The upload: the scripted client's POST to the file-manager connector.
    assert set(values(report, "exploit_clients")) == {truth.upload.client}
    assert set(values(report, "exploited_scripts")) == {truth.upload.request.split(" ")[1]}
    assert set(values(report, "entry_clients")) == {truth.upload.client}  # nobody else reached it


def test_every_decoded_command_in_order_with_its_operator(
    truth: WebShellFindings, full: tuple[Path, dict[str, Any]]
) -> None:
    _, report = full
    commands = values(report, "shell_commands")
    in_order = sorted(commands, key=lambda c: commands[c]["first_seen"])
    assert in_order == [c.command for c in truth.commands]
    assert all(commands[c.command]["first_seen"] == c.timestamp.isoformat() for c in truth.commands)
    clients = values(report, "shell_clients")
    assert {c: f["count"] for c, f in clients.items()} == dict(Counter(c.client for c in truth.commands))
    # The shell's every visitor: the uploader's first GET, then the two operators.
    assert set(values(report, "shell_script_clients")) == {truth.upload.client, *truth.operator_clients}
    assert not values(report, "command_attempts")


def test_the_downloads_and_the_c2(truth: WebShellFindings, full: tuple[Path, dict[str, Any]]) -> None:
    _, report = full
    urls = {u for name in ("command_urls", "dropped_urls", "error_log_urls") for u in values(report, name)}
    assert urls == set(truth.download_urls)
    assert set(values(report, "dropped_files")) == {truth.dropped_script}
    host, port = truth.c2.rsplit(":", 1)
    assert set(values(report, "reverse_shells")) == {f"{host}/{port}"}
    assert set(values(report, "c2_addresses")) == {host}


def test_scanners_found_and_no_benign_or_decoy_address_reported_as_a_client(
    truth: WebShellFindings, full: tuple[Path, dict[str, Any]]
) -> None:
    _, report = full
    by_client = {c.client: c for c in truth.clients}
    scanners = values(report, "scanner_clients")
    assert {c: f["count"] for c, f in scanners.items()} == {
        c: by_client[c].requests for c in truth.scanner_clients
    }
    scripted = {
        c.client
        for c in truth.clients
        if any(a.startswith(("python-requests/", "curl/")) for a in c.user_agents)
    }
    assert set(values(report, "tool_clients")) == scripted and truth.upload.client in scripted
    assert set(values(report, "probing_clients")) <= set(truth.scanner_clients)
    assert set(values(report, "probing_clients"))
    assert set(values(report, "probed_paths")) <= set(truth.probe_paths)
    assert {"/.env", "/.git/config", "/phpmyadmin/", "/cgi-bin/test.cgi"} <= set(
        values(report, "probed_paths")
    )
    burst = next(f for f in report["verdict"]["fired"] if f["id"] == "notfound_burst")
    assert {b["value"] for b in burst["basis"]} == set(truth.scanner_clients)

    accused = {v for name in ACCUSED for v in values(report, name)}
    accused |= {b["value"] for b in burst["basis"]}
    assert accused <= set(truth.attacker_ips) and not accused & set(truth.benign_clients)
    every = {v for name in CLIENTS for v in values(report, name)}
    assert every <= set(by_client)  # every client value is a logged client (host names included)
    assert not every & {truth.server_address, *truth.decoy_addresses}
    assert any(not re.fullmatch(r"[\d.]+", c) for c in values(report, "notfound_clients"))


def test_every_step_examined_approved_and_the_ledger_verifies(
    truth: WebShellFindings, full: tuple[Path, dict[str, Any]]
) -> None:
    case_dir, report = full
    coverage = {c["step_id"]: c for c in report["coverage"]}
    assert {s: c["status"] for s, c in coverage.items()} == dict.fromkeys(coverage, "examined")
    assert len(coverage) == 16
    searched = {s: c for s, c in coverage.items() if c["tool"] == "search_logs" and s != "web_errors"}
    assert all(c["examined"]["lines_read"] == sum(truth.access_lines.values()) for c in searched.values())
    assert all(
        {src["path"] for src in c["examined"]["sources"] if src["found"]} == set(truth.access_lines)
        for c in searched.values()
    )
    assert all(
        c["examined"]["window_since"] is None and c["examined"]["window_until"] is None
        for c in searched.values()
    )
    assert all(s["verdict"] == "approve" and s["approver"] == "alice" for s in report["steps"])
    changed = next(s for s in report["steps"] if s["step_id"] == "changed_web_files")
    assert changed["args"]["modified_within"] == "P90D"  # the default the description states
    md = (case_dir / "report.md").read_text(encoding="utf-8")
    assert (
        md.index("## Verdict")
        < md.index("**COMPROMISED**: Commands ran through a web shell")
        < md.index("## Key facts")
    )
    verify = sleuth("audit", "verify", case_dir.name, home=case_dir.parent.parent)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_window_before_the_incident_still_finds_the_shell_on_disk(
    host: SandboxHandle, truth: WebShellFindings, tmp_path: Path
) -> None:
    report = report_of(run_case(host, tmp_path, "--until", "2d"))
    verdict = report["verdict"]
    assert verdict["status"] == "compromised"
    assert [f["id"] for f in verdict["fired"] if f["status"] == "compromised"] == ["webshell_on_disk"]
    assert (
        "No request with a web-shell command parameter (c=, cmd=, exec=...) was answered 2xx"
        in verdict["ruled_out"]
    )
    assert not values(report, "shell_commands") and not values(report, "scanner_clients")
    assert truth.shell_path in values(report, "changed_files")


def test_a_window_and_file_age_before_the_incident_is_no_evidence_that_says_its_window(
    host: SandboxHandle, truth: WebShellFindings, tmp_path: Path
) -> None:
    report = report_of(run_case(host, tmp_path, "--until", "2d", "--input", "changed_within=1h"))
    verdict = report["verdict"]
    assert verdict["status"] == "no_evidence"
    assert not [f for f in verdict["fired"] if f["status"] in ("compromised", "suspicious")]
    assert len(verdict["ruled_out"]) == 5 and not verdict["undecided"]
    # Honest only with its question: the window and the lines it rests on are in the summary.
    summary = verdict["summary"]
    until = re.search(r"window \.\.(\S+)", summary)
    assert until is not None, summary
    assert f"{sum(truth.access_lines.values())} lines" in summary
    coverage = {c["step_id"]: c for c in report["coverage"]}
    shell = coverage["shell_commands"]
    assert shell["status"] == "examined" and shell["examined"]["window_until"] is not None
    assert until.group(1).rstrip(",;") == shell["examined"]["window_until"]
    assert shell["examined"]["matched"] == 0 or shell["examined"]["kept"] == 0
    assert not {v for name in ACCUSED for v in values(report, name)}
    assert not values(report, "changed_files")
