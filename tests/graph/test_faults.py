"""A failing tool (host down, host key refused) is an observation: recorded, shown, and the case goes on."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from agent.case.payloads import LedgerKind
from tests.conftest import SandboxHandle
from tests.graph.crash_harness import Harness, of_kind


def _inventory_copy(sandbox: SandboxHandle, dest: Path, **changes: object) -> Path:
    """The sandbox inventory with some fields of its host replaced."""
    data = yaml.safe_load(sandbox.inventory.read_text(encoding="utf-8"))
    data["hosts"][sandbox.host_name].update(changes)
    dest.write_text(yaml.safe_dump(data), encoding="utf-8")
    return dest


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port that refuses connections: bound (so nobody else takes it) but not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def _run_failing_case(h: Harness, inventory: Path, error_kind: str) -> str:
    """Run the playbook where every tool call fails with `error_kind`; check the case still closes, and
    exits 3 saying the target was never reached."""
    done = h.run_case(answers=5, inventory=inventory)
    assert done.returncode == 3, done.stderr
    assert "target never reached" in done.stderr
    assert done.stderr.count(f"failed ({error_kind})") == 2  # shown to the human as it happens
    case = h.only_case()
    entries = h.ledger(case)

    starts = of_kind(entries, LedgerKind.EXECUTION_STARTED)
    observations = of_kind(entries, LedgerKind.OBSERVATION)
    assert not of_kind(entries, LedgerKind.EXECUTION_FINISHED)
    assert [o.data["started_seq"] for o in observations] == [s.seq for s in starts]
    assert {o.data["error"] for o in observations} == {error_kind}
    # Step 1 failed, the case went on to step 2 (asked, run), then skipped the steps that need findings.
    proposals = [p.data["proposal_id"] for p in of_kind(entries, LedgerKind.PROPOSAL)]
    assert proposals == ["failed_logins#1", "accepted_logins#1"]
    assert h.prompts == 2 and len(starts) == 2
    assert of_kind(entries, LedgerKind.OBSERVATION)[0].seq < of_kind(entries, LedgerKind.PROPOSAL)[1].seq
    assert entries[-1].kind == LedgerKind.CASE_CLOSED and h.status(case) == "closed"

    shown = h.sleuth("report", case, "--case-dir", str(h.cases))
    assert shown.returncode == 0
    assert shown.stdout.count(f"error {error_kind}: ") == 2
    assert "**attacker_logins** skipped: its condition does not hold" in shown.stdout
    verified = h.verify(case)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    return str(observations[0].data["message"])


def test_host_down_is_an_observation(sandbox: SandboxHandle, tmp_path: Path, closed_port: int) -> None:
    """sshd not there: HostUnreachableError naming the address, in the ledger and the report."""
    h = Harness(tmp_path / "home", sandbox.inventory, sandbox.host_name)
    inventory = _inventory_copy(sandbox, tmp_path / "down.yaml", port=closed_port, connect_timeout_s=5.0)
    message = _run_failing_case(h, inventory, "HostUnreachableError")
    assert f"127.0.0.1:{closed_port}" in message and sandbox.host_name in message


def test_refused_host_key_is_an_observation(sandbox: SandboxHandle, tmp_path: Path) -> None:
    """An unpinned host key is refused (never silently trusted), recorded, and the case goes on."""
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("", encoding="utf-8")
    h = Harness(tmp_path / "home", sandbox.inventory, sandbox.host_name)
    inventory = _inventory_copy(sandbox, tmp_path / "unpinned.yaml", known_hosts=str(known_hosts))
    message = _run_failing_case(h, inventory, "HostKeyUnknownError")
    assert "not pinned" in message and "--trust-new-host-key" in message
    assert known_hosts.read_text(encoding="utf-8") == ""  # nothing was pinned behind the responder's back
