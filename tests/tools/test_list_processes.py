"""list_processes: parsers on captured ps/find output, and run() against real processes we start."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tools.conftest import DATA
from tools.base import ToolContext
from tools.hoststate.procs import ProcessRow, parse_comms, parse_exe_links, parse_ps, process_flags
from tools.list_processes import TOOL

SLEEP = shutil.which("sleep") or "/bin/sleep"


def _entry(args: str, pid: int = 500, ppid: int = 1) -> ProcessRow:
    return ProcessRow(
        pid=pid, ppid=ppid, uid=0, user="root", start=None, elapsed_s=1, cpu=0.0, mem=0.0, comm="", exe="",
        cmdline=args, flags="",
    )


def test_parse_ps_reads_every_captured_line() -> None:
    entries, bad = parse_ps((DATA / "ps.txt").read_bytes())
    assert bad == []
    assert len(entries) == 70
    kthreadd = next(e for e in entries if e.pid == 2)
    assert (kthreadd.ppid, kthreadd.user, kthreadd.cmdline) == (0, "root", "[kthreadd]")
    assert kthreadd.start == "2026-11-26T14:14:12"


def test_parse_comms_and_exe_links_from_captured_output() -> None:
    comms = parse_comms((DATA / "comm.txt").read_bytes())
    exes = parse_exe_links((DATA / "exe.bin").read_bytes())
    assert comms[2] == "kthreadd"
    assert exes[1114] == "/usr/bin/bash"
    assert exes[1113].endswith(" (deleted)")
    assert 2 not in exes  # kernel threads have no exe: empty targets are dropped


def test_kernel_threads_in_the_capture_are_not_flagged() -> None:
    entries, _ = parse_ps((DATA / "ps.txt").read_bytes())
    comms = parse_comms((DATA / "comm.txt").read_bytes())
    kernel = [e for e in entries if e.ppid == 2]
    assert kernel
    assert all(process_flags(e, comms.get(e.pid, ""), "") == [] for e in kernel)


@pytest.mark.parametrize(
    ("args", "comm", "exe", "expected"),
    [
        ("sh -c true", "sh", "/usr/bin/dash", []),
        ("python3 -m x", "python3", "/usr/bin/python3.11", []),
        ("sshd: root@pts/0", "sshd", "/usr/sbin/sshd", []),
        ("-bash", "bash", "/usr/bin/bash", []),
        ("[kworker/u8:2]", "kdevtmpfsi", "/tmp/.x/kdevtmpfsi",
         ["exe_in_tmp", "exe_hidden_dir", "fake_kernel_thread", "name_mismatch"]),
        ("./xmrig -o pool", "kworker", "/opt/xmrig", ["name_mismatch"]),
        ("/dev/shm/a", "a", "/dev/shm/a (deleted)", ["exe_deleted", "exe_in_tmp"]),
    ],
)
def test_process_flags(args: str, comm: str, exe: str, expected: list[str]) -> None:
    assert process_flags(_entry(args), comm, exe) == expected


def test_bracketed_name_without_readable_exe_is_fake_unless_parent_is_kthreadd() -> None:
    assert "fake_kernel_thread" in process_flags(_entry("[kswapd0]", ppid=1), "kswapd0", "")
    assert process_flags(_entry("[kswapd0]", ppid=2), "kswapd0", "") == []


@pytest.fixture
def planted(tmp_path: Path) -> Iterator[dict[str, int]]:
    """A fake kernel thread run from a hidden dir under /tmp, and a process whose exe was deleted."""
    hidden = tmp_path / ".x"
    hidden.mkdir()
    miner = hidden / "kdevtmpfsi"
    shutil.copy2(SLEEP, miner)
    gone = tmp_path / "gone"
    shutil.copy2(SLEEP, gone)
    procs = [
        subprocess.Popen(["[kworker/u8:2]", "300"], executable=str(miner)),
        subprocess.Popen([str(gone), "301"]),
        subprocess.Popen([SLEEP, "302"]),
    ]
    # Wait until each has exec'd (its comm is no longer python's) before deleting the binary.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if all(Path(f"/proc/{p.pid}/exe").resolve().name in ("kdevtmpfsi", "gone", Path(SLEEP).resolve().name)
               for p in procs):
            break
        time.sleep(0.02)
    gone.unlink()
    try:
        yield {"miner": procs[0].pid, "deleted": procs[1].pid, "plain": procs[2].pid}
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def test_run_flags_planted_processes(local_ctx: ToolContext, needs_root: None,
                                     planted: dict[str, int], tmp_path: Path) -> None:
    result = TOOL.run(TOOL.parse_args({}), local_ctx)
    by_pid = {row["pid"]: row for row in result.rows}
    miner = by_pid[planted["miner"]]
    assert miner["cmdline"] == "[kworker/u8:2] 300"
    assert miner["comm"] == "kdevtmpfsi"
    assert miner["exe"] == str(tmp_path / ".x" / "kdevtmpfsi")
    assert miner["flags"] == "exe_in_tmp,exe_hidden_dir,fake_kernel_thread,name_mismatch"
    deleted = by_pid[planted["deleted"]]
    assert deleted["exe"] == f"{tmp_path / 'gone'} (deleted)"
    assert deleted["flags"] == "exe_deleted,exe_in_tmp"
    assert by_pid[planted["plain"]]["flags"] == ""
    assert [c.argv[0] for c in result.commands] == ["ps", "ps", "find"]
    assert len(result.commands) == 3 and result.sha256


def test_run_filters(local_ctx: ToolContext, needs_root: None, planted: dict[str, int]) -> None:
    flagged = TOOL.run(TOOL.parse_args({"only_flagged": True}), local_ctx)
    pids = {row["pid"] for row in flagged.rows}
    assert {planted["miner"], planted["deleted"]} <= pids
    assert planted["plain"] not in pids
    named = TOOL.run(TOOL.parse_args({"name": "KDEVTMPFSI"}), local_ctx)
    # Sandbox hosts started by other tests run their own kdevtmpfsi, visible from the root PID namespace.
    assert planted["miner"] in [row["pid"] for row in named.rows]
    assert all("kdevtmpfsi" in f"{row['comm']} {row['exe']}".lower() for row in named.rows)
    capped = TOOL.run(TOOL.parse_args({"max_rows": 1}), local_ctx)
    assert len(capped.rows) == 1 and capped.truncated


def test_args_are_strict() -> None:
    with pytest.raises(ValueError, match="extra"):
        TOOL.parse_args({"shell": "ps aux"})
    with pytest.raises(ValueError):
        TOOL.parse_args({"user": "root; rm -rf /"})
