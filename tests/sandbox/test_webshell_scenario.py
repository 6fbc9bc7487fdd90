"""webshell-upload: its Apache logs, web root and dropped script agree with its ground truth."""

from __future__ import annotations

import ipaddress
import os
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import TypeAdapter

from sandbox.scenario import available
from sandbox.state import load_state
from sandbox.truth import HostTruth
from sandbox.web_findings import WebShellFindings
from tests.conftest import SandboxHandle
from tests.sandbox.conftest import Remote, connect
from tests.sandbox.scenario_up import log_lines, scenario_host

pytestmark = pytest.mark.sshd

# Apache combined, every field anchored: client, ident, user, time, request, status, size, referer, agent.
COMBINED = re.compile(
    r'^(\S+) (\S+) (\S+) \[(\d{2}/\w{3}/\d{4}:\d{2}:\d{2}:\d{2}) \+0000\] "(\w+) (\S+) (HTTP/1\.[01])" '
    r'(\d{3}) (\d+) "([^"]*)" "([^"]*)"$'
)
ACCESS = ("access.log", "access.log.1", "access.log.2.gz")
TEST_NETS = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]


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


@pytest.fixture(scope="module")
def parsed(host: SandboxHandle) -> dict[str, list[re.Match[str]]]:
    """Each access log inside the host to its lines parsed field by field (every line must parse)."""
    out: dict[str, list[re.Match[str]]] = {}
    for name in ACCESS:
        lines = log_lines(host.tree / "var/log/apache2" / name)
        matches = [COMBINED.match(line) for line in lines]
        assert all(matches), [line for line, m in zip(lines, matches, strict=True) if m is None][:3]
        out[f"/var/log/apache2/{name}"] = [m for m in matches if m is not None]
    return out


def _when(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%d/%b/%Y:%H:%M:%S").replace(tzinfo=UTC)


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(os.lstat(path).st_mtime, UTC)


def test_clients_come_from_the_client_field(
    truth: WebShellFindings, parsed: dict[str, list[re.Match[str]]]
) -> None:
    rows = [m for ms in parsed.values() for m in ms]
    assert {f: len(ms) for f, ms in parsed.items()} == truth.access_lines and all(truth.access_lines.values())
    assert 300 <= len(rows) <= 600
    counts = Counter(m.group(1) for m in rows)
    assert {c.client: c.requests for c in truth.clients} == dict(counts)
    assert set(truth.attacker_ips) | set(truth.benign_clients) == set(counts)
    assert not set(truth.attacker_ips) & set(truth.benign_clients)
    for client in truth.attacker_ips:
        assert any(ipaddress.ip_address(client) in net for net in TEST_NETS), client
    assert any(re.search(r"[a-z]", c) for c in truth.benign_clients)  # logged as host names
    # "Any IPv4 in the line" would be wrong: the server in Referers, addresses in paths and user agents.
    assert truth.server_address in truth.decoy_addresses
    assert not set(truth.decoy_addresses) & set(counts)
    assert any(truth.server_address in m.group(10) for m in rows)
    assert any(
        re.search(r"\d+\.\d+\.\d+\.\d+", m.group(6)) and m.group(1) in truth.benign_clients for m in rows
    )
    benign_posts = {m.group(6) for m in rows if m.group(5) == "POST" and m.group(1) in truth.benign_clients}
    assert benign_posts == {"/wp-login.php", "/contact.php"}


def test_scanners_and_upload(truth: WebShellFindings, parsed: dict[str, list[re.Match[str]]]) -> None:
    rows = [m for ms in parsed.values() for m in ms]
    scans = [m for m in rows if m.group(1) in truth.scanner_clients]
    assert {m.group(11) for m in scans} >= {"gobuster/3.6"} and any("Nikto" in m.group(11) for m in scans)
    assert sum(m.group(8) == "404" for m in scans) > len(scans) / 2
    assert {"/.env", "/phpmyadmin/", "/wp-config.php.bak", "/.git/config"} <= set(truth.probe_paths)
    assert {m.group(6) for m in scans} == set(truth.probe_paths)
    span = _when(scans[-1].group(4)) - _when(scans[0].group(4))
    assert len(scans) / max(span.total_seconds(), 1) > 0.05  # a burst, not a visitor
    upload = [m for m in rows if m.group(0) == truth.upload.line]
    assert (
        len(upload) == 1
        and upload[0].group(5) == "POST"
        and _when(upload[0].group(4)) == truth.upload.timestamp
    )
    assert truth.upload.client not in truth.benign_clients


def test_shell_commands_decode_from_the_log(
    truth: WebShellFindings, parsed: dict[str, list[re.Match[str]]]
) -> None:
    sent = [
        (f, m)
        for f, ms in parsed.items()
        for m in ms
        if urlsplit(m.group(6)).path == truth.shell_url_path and urlsplit(m.group(6)).query
    ]
    sent.sort(key=lambda pair: _when(pair[1].group(4)))
    decoded = [parse_qs(urlsplit(m.group(6)).query)[truth.shell_parameter][0] for _, m in sent]
    assert decoded == [c.command for c in truth.commands] and len(decoded) >= 8
    assert [(_when(m.group(4)), m.group(1), f) for f, m in sent] == [
        (c.timestamp, c.client, c.log_file) for c in truth.commands
    ]
    assert len(truth.operator_clients) == 2 and {c.client for c in truth.commands} == set(
        truth.operator_clients
    )
    assert len({c.log_file for c in truth.commands}) == 2  # the commands span a rotation
    assert "uname -a" in decoded and any(c.startswith("wget http://203.0.113.66/") for c in decoded)
    assert any("%2F" in c.encoded for c in truth.commands) and any("+" in c.encoded for c in truth.commands)
    assert {u for c in decoded for u in re.findall(r"https?://\S+", c)} < set(truth.download_urls)


def test_files_and_times_tell_the_story(host: SandboxHandle, truth: WebShellFindings) -> None:
    tree = host.tree
    shell = tree / truth.shell_path.lstrip("/")
    assert "system($_GET['c'])" in shell.read_text()
    assert _mtime(shell) == truth.upload.timestamp
    assert truth.shell_path.endswith(f"/uploads/{truth.upload.timestamp:%Y/%m}/thumb.php")
    script = (tree / truth.dropped_script.lstrip("/")).read_text()
    assert f"/dev/tcp/{truth.c2.replace(':', '/')}" in script
    assert all(u in script for u in truth.download_urls if "k.sh" not in u)
    wget = next(c for c in truth.commands if c.command.startswith("wget "))
    assert _mtime(tree / truth.dropped_script.lstrip("/")) == wget.timestamp > truth.upload.timestamp
    assert {a.path: a.mtime for a in truth.attacker_files} == {
        truth.shell_path: truth.upload.timestamp,
        truth.dropped_script: wget.timestamp,
    }
    changed = {a.path for a in truth.changed_web_files}
    parents = {str(p) for a in changed for p in Path(a).parents}
    old = 0
    for current, dirs, files in os.walk(tree / "var/www/html"):
        for name in (*dirs, *files):
            inside = "/" + (Path(current) / name).relative_to(tree).as_posix()
            when = _mtime(Path(current) / name)
            if inside in changed or (inside in parents and when == truth.upload.timestamp):
                continue
            assert timedelta(days=30) <= truth.generated_at - when <= timedelta(days=400), inside
            old += 1
    assert old >= 10
    for name in ACCESS:
        last = log_lines(tree / "var/log/apache2" / name)[-1]
        match = COMBINED.match(last)
        assert match is not None and _when(match.group(4)) == _mtime(tree / "var/log/apache2" / name), name


def test_error_log_names_the_shell(host: SandboxHandle, truth: WebShellFindings) -> None:
    lines = log_lines(host.tree / "var/log/apache2/error.log")
    naming = [line for line in lines if truth.shell_path in line]
    assert len(naming) == truth.error_log_shell_lines >= 2
    assert all(f"[client {truth.upload.client}:" in line for line in naming)
    assert any("PHP Warning:" in line for line in naming)
    assert any(line.startswith("--") and "http://203.0.113.66/k.sh" in line for line in lines)  # raw stderr


def test_seen_over_ssh(host: SandboxHandle, truth: WebShellFindings) -> None:
    client = connect(host)
    try:
        remote = Remote(client)
        assert (
            remote.run("cat /var/log/apache2/access.log")
            == (host.tree / "var/log/apache2/access.log").read_text()
        )
        assert int(remote.run(f"stat -c %Y {truth.shell_path}")) == int(truth.upload.timestamp.timestamp())
        newer = remote.run(
            f"find /var/www/html -type f -newermt @{int(truth.generated_at.timestamp()) - 7 * 86400}"
        )
        assert newer.split() == [a.path for a in truth.changed_web_files]
        assert "203.0.113.66" in remote.run(f"cat {truth.dropped_script}")
        assert remote.run("hostname").strip() == truth.hostname
    finally:
        client.close()


def test_listed_with_its_verdict(truth: WebShellFindings, capsys: pytest.CaptureFixture[str]) -> None:
    from agent.cli.main import main

    assert truth.verdict == "compromised"
    assert {"webshell-upload", "ssh-bruteforce-failed", "ssh-bruteforce-miner"} <= set(available())
    with pytest.raises(SystemExit):
        main(["sandbox", "up", "--help"])
    shown = capsys.readouterr().out
    assert "webshell-upload" in shown and "ssh-bruteforce-failed" in shown


def test_state_file_tells_the_ground_truths_apart(
    host: SandboxHandle, truth: WebShellFindings, sandbox: SandboxHandle
) -> None:
    saved = load_state(host.state.state_dir)
    assert saved is not None and saved.hosts[0].expected == truth
    # A state file written before ground truths had a kind holds the miner's.
    old = sandbox.expected.model_dump(mode="json", exclude={"kind"})
    assert "kind" not in old
    assert TypeAdapter(HostTruth).validate_python(old) == sandbox.expected
