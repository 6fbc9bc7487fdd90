"""A host key seen for the first time during a case is put to the approver (TUI modal, console prompt), pinned
only on an explicit answer (the TUI's `p`, the fingerprint's first characters typed on the console: never a
piped `yes`), and every decision, refusals and --trust-new-host-key included, is in the ledger."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from agent.approval.console import pin_answer
from agent.case.ledger import iter_entries
from agent.case.store import CaseStore
from agent.case.verify import verify
from agent.run.session import RunSpec, open_case, session_scope
from agent.tui.app import make_app
from agent.tui.screens import ApprovalScreen, HostKeyScreen
from playbooks.discovery import find_playbook
from tests.conftest import SandboxHandle
from tests.support.cli import guided_run, sleuth
from tests.tui.conftest import wait_until


def _unpinned_inventory(sandbox: SandboxHandle, tmp_path: Path) -> tuple[Path, Path]:
    """The sandbox inventory with an empty known_hosts: its host key is unknown."""
    known = tmp_path / "known_hosts"
    return sandbox.inventory_with(tmp_path, known_hosts=known), known


def _host_key_entries(case_dir: Path) -> list[tuple[str, dict[str, object]]]:
    return [(e.actor, e.data) for e in iter_entries(case_dir / "ledger.jsonl") if e.kind.value == "host_key"]


def test_the_tui_asks_refused_keys_stay_unpinned_and_a_pinned_key_lets_the_run_go_on(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    inventory, known = _unpinned_inventory(sandbox, tmp_path)
    spec = RunSpec(
        playbook_path=str(find_playbook("linux.ssh.bruteforce")),
        target=sandbox.host_name,
        inventory=str(inventory),
        backend="guided",
    )
    session = open_case(spec, store=CaseStore(tmp_path / "cases"), approver="alice")
    app = make_app(session)

    def asked(step_id: str) -> bool:
        return isinstance(app.screen, ApprovalScreen) and app.screen.request.proposal.step_id == step_id

    async def run() -> None:
        async with app.run_test(size=(140, 45)) as pilot:
            await wait_until(pilot, lambda: asked("failed_logins"))
            await pilot.press("a")
            await wait_until(pilot, lambda: isinstance(app.screen, HostKeyScreen))
            assert app.screen.key.fingerprint.removeprefix("SHA256:") in str(
                app.screen.query_one("#hostkey").content
            )
            await pilot.press("enter")  # a stray Enter decides nothing
            assert isinstance(app.screen, HostKeyScreen)
            await pilot.press("r")  # refused: the run fails, the case goes on
            await wait_until(pilot, lambda: asked("accepted_logins"))
            assert not known.exists()
            await pilot.press("a")
            await wait_until(pilot, lambda: isinstance(app.screen, HostKeyScreen))
            await pilot.press("p")  # pinned: the run goes on
            await wait_until(pilot, lambda: app.outcome is not None)

    with session_scope(session):
        asyncio.run(run())
    assert app.outcome is not None and app.outcome.state is not None
    # Step 1 found nothing (its run failed), so the steps that need its findings do not apply.
    assert [o.status for o in app.outcome.state.outcomes] == ["failed", "done"] + ["condition_false"] * 3
    failed, ran = app.outcome.state.executions
    assert failed.error_kind == "HostKeyUnknownError" and "refused when asked" in (failed.error or "")
    assert ran.error is None and ran.rows > 0
    fingerprint = failed.error and re.search(r"SHA256:\S+", failed.error)
    assert fingerprint and known.read_text().count("\n") == 1
    decisions = _host_key_entries(session.case.dir)
    assert [(actor, d["pinned"], d["by"]) for actor, d in decisions] == [
        ("alice", False, "approver"),
        ("alice", True, "approver"),
    ]
    assert {d["fingerprint"] for _, d in decisions} == {fingerprint.group(0)}
    report = json.loads((session.case.dir / "report.json").read_text())
    assert [(k["pinned"], k["by"], k["actor"]) for k in report["host_keys"]] == [
        (False, "approver", "alice"),
        (True, "approver", "alice"),
    ]
    md = (session.case.dir / "report.md").read_text()
    assert "## Host keys first seen during the case" in md and "**refused**" in md and "**pinned**" in md
    assert verify(session.case.dir).ok


def test_the_console_pins_only_on_the_typed_fingerprint_prefix_and_the_flag_is_recorded_too(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    inventory, known = _unpinned_inventory(sandbox, tmp_path)
    prefix = pin_answer(sandbox.host.host_key_fingerprint)
    assert len(prefix) == 8
    # Approve step 1, answer "yes" (not the fingerprint: refused); approve step 2, type the prefix; the rest
    # needs step 1.
    proc = sleuth(
        *guided_run(sandbox.host_name, inventory, "--console", "--approver", "bob"),
        home=tmp_path / "home",
        stdin=f"a\nyes\na\n{prefix}\n",
    )
    assert "type the first 8 characters after `SHA256:`" in proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert "unknown host key" in proc.stderr and "→ refused" in proc.stderr and "→ pinned" in proc.stderr
    case_id = re.search(r"case (\S+): closed", proc.stdout).group(1)
    decisions = _host_key_entries(tmp_path / "home" / "cases" / case_id)
    assert [(a, d["pinned"], d["by"]) for a, d in decisions] == [
        ("bob", False, "approver"),
        ("bob", True, "approver"),
    ]
    assert known.exists()

    inventory, known = _unpinned_inventory(sandbox, tmp_path / "flag")
    proc = sleuth(
        *guided_run(sandbox.host_name, inventory, "--console", "--trust-new-host-key", "--approver", "bob"),
        home=tmp_path / "home",
        stdin="a\nb\n",
    )
    assert proc.returncode == 0, proc.stderr
    case_id = re.search(r"case (\S+): aborted", proc.stdout).group(1)
    decisions = _host_key_entries(tmp_path / "home" / "cases" / case_id)
    assert [(a, d["pinned"], d["by"]) for a, d in decisions] == [("bob", True, "flag")]


@pytest.mark.parametrize("word", ["y", "yes", "a"])
def test_a_piped_yes_approves_the_calls_but_pins_no_host_key(
    sandbox: SandboxHandle, tmp_path: Path, word: str
) -> None:
    inventory, known = _unpinned_inventory(sandbox, tmp_path)
    # What `yes | sleuth run --console` (or `yes a | ...`) feeds: the same word on every line.
    proc = sleuth(
        *guided_run(sandbox.host_name, inventory, "--console", "--approver", "carol"),
        home=tmp_path / "home",
        stdin=f"{word}\n" * 60,
    )
    assert "unknown host key" in proc.stderr and "→ refused" in proc.stderr
    assert "→ pinned" not in proc.stderr
    assert not known.exists()
    case_id = re.search(r"case (\S+): closed", proc.stdout).group(1)
    decisions = _host_key_entries(tmp_path / "home" / "cases" / case_id)
    assert decisions and all((a, d["pinned"], d["by"]) == ("carol", False, "approver") for a, d in decisions)
