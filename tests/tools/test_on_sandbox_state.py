"""Each host-state tool over SSH against the sandbox host returns exactly the scenario's planted findings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SandboxHandle
from tools.base import Row, ToolContext, ToolResult
from tools.intel.store import IntelStore
from tools.inventory import load_inventory
from tools.registry import get_tool
from tools.transport.ssh import SSHPool

pytestmark = pytest.mark.sshd

# Flags that mark an entry as suspicious on content, not just age (everything in the sandbox is new).
STRONG_PERSISTENCE_FLAGS = frozenset({"@reboot", "runs_from_tmp", "hidden_path", "download_exec"})


@pytest.fixture(scope="module")
def ssh_ctx(sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ToolContext]:
    """A tool context on the sandbox host over the real SSH pool, with a real intel store (seeded)."""
    pool = SSHPool(load_inventory(sandbox.inventory))
    store = IntelStore.open(Path(tmp_path_factory.mktemp("intel")) / "intel.sqlite")
    try:
        yield ToolContext(transport=pool.transport(sandbox.host_name), intel=store)
    finally:
        store.close()
        pool.close()


def _run(ctx: ToolContext, name: str, args: dict[str, object]) -> ToolResult:
    tool = get_tool(name)
    return tool.run(tool.parse_args(args), ctx)


def _flags(row: Row) -> set[str]:
    return set(str(row["flags"]).split(",")) - {""}


def test_list_processes_flags_exactly_the_malicious_processes(
    sandbox: SandboxHandle, ssh_ctx: ToolContext
) -> None:
    result = _run(ssh_ctx, "list_processes", {"only_flagged": True})
    expected = {p.pid for p in sandbox.expected.processes if p.malicious}
    assert {row["pid"] for row in result.rows} == expected
    miner = next(r for r in result.rows if r["pid"] == sandbox.expected.miner.pid)
    assert miner["exe"] == sandbox.expected.miner.exe
    assert miner["cmdline"] == " ".join(sandbox.expected.miner.argv)
    assert {"exe_in_tmp", "fake_kernel_thread", "name_mismatch"} <= _flags(miner)
    deleted = next(r for r in result.rows if r["pid"] == sandbox.expected.deleted_exe_process.pid)
    assert deleted["exe"] == sandbox.expected.deleted_exe_process.exe
    assert "exe_deleted" in _flags(deleted)
    assert result.host_key_fingerprint is not None


def test_list_connections_shows_the_pool_connection(sandbox: SandboxHandle, ssh_ctx: ToolContext) -> None:
    result = _run(ssh_ctx, "list_connections", {"state": "established"})
    remotes = {
        (r["pid"], f"{r['peer_addr']}:{r['peer_port']}") for r in result.rows if r["pid"] is not None
    }
    planted = {(p.pid, p.remote) for p in sandbox.expected.processes if p.remote}
    assert planted
    assert planted <= remotes


def test_list_persistence_finds_exactly_the_planted_entries(
    sandbox: SandboxHandle, ssh_ctx: ToolContext
) -> None:
    result = _run(ssh_ctx, "list_persistence", {})
    expected = sandbox.expected.persistence
    strong = {(r["path"], r["entry"]) for r in result.rows if _flags(r) & STRONG_PERSISTENCE_FLAGS}
    assert strong == {(e.path, e.line) for e in expected if e.kind != "authorized_keys"}
    attacker_keys = {
        (r["path"], r["entry"]) for r in result.rows
        if r["kind"] == "authorized_key" and r["key_fingerprint"] == sandbox.expected.attacker_key_fingerprint
    }
    assert attacker_keys == {(e.path, e.line) for e in expected if e.kind == "authorized_keys"}


def test_list_logins_matches_wtmp_and_btmp(sandbox: SandboxHandle, ssh_ctx: ToolContext) -> None:
    result = _run(ssh_ctx, "list_logins", {"max_entries": 100000})
    success = Counter((r["user"], r["source"]) for r in result.rows if r["kind"] == "success")
    planted = Counter((r.user, r.host) for r in sandbox.expected.wtmp if r.type == "USER_PROCESS")
    assert success == planted
    assert sum(1 for r in result.rows if r["kind"] == "failed") == sandbox.expected.btmp_count
    failed_ips = {r["source"] for r in result.rows if r["kind"] == "failed"}
    assert failed_ips == set(sandbox.expected.attacker_ips)


def test_hash_files_matches_the_dropped_files(sandbox: SandboxHandle, ssh_ctx: ToolContext) -> None:
    dropped = sandbox.expected.dropped_files
    result = _run(ssh_ctx, "hash_files", {"paths": [f.path for f in dropped]})
    got = {(r["path"], r["sha256"], r["size"], r["intel_match"]) for r in result.rows}
    assert got == {(f.path, f.sha256, f.size, f.in_intel) for f in dropped}


def test_find_files_and_file_info_see_the_hidden_drop_dir(
    sandbox: SandboxHandle, ssh_ctx: ToolContext
) -> None:
    miner_dir = sandbox.expected.miner.exe.rsplit("/", 1)[0]
    found = _run(ssh_ctx, "find_files", {"roots": ["/tmp"], "hidden_only": True, "type": "dir"})
    assert miner_dir in {r["path"] for r in found.rows}
    info = _run(ssh_ctx, "file_info", {"paths": [miner_dir]})
    assert [(r["path"], r["type"]) for r in info.rows] == [(miner_dir, "dir")]


def test_list_users_on_the_sandbox(ssh_ctx: ToolContext) -> None:
    result = _run(ssh_ctx, "list_users", {})
    assert {"root", "deploy", "admin"} <= {r["user"] for r in result.rows}
