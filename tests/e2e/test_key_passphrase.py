"""An encrypted private key: its passphrase is asked of the approver (hidden TUI input, console line), asked
again only after a wrong one, kept in memory for the case, and written nowhere: not in the ledger, the
evidence, the report or the checkpoints."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from pathlib import Path

from agent.case.ledger import iter_entries
from agent.case.store import CaseStore
from agent.case.verify import verify
from agent.run.session import RunSpec, open_case, session_scope
from agent.tui.app import make_app
from agent.tui.screens import ApprovalScreen, PassphraseScreen, ReasonScreen
from playbooks.discovery import find_playbook
from tests.conftest import SandboxHandle
from tests.support.cli import guided_run, sleuth
from tests.tui.conftest import wait_until

PASSPHRASE = "correct horse battery staple 7"


def _encrypted_key_inventory(sandbox: SandboxHandle, tmp_path: Path) -> Path:
    """The sandbox inventory with its client key replaced by a passphrase-protected copy."""
    key = tmp_path / "client_key"
    shutil.copy(sandbox.state.client_key, key)
    key.chmod(0o600)
    subprocess.run(["ssh-keygen", "-q", "-p", "-P", "", "-N", PASSPHRASE, "-f", str(key)], check=True)
    return sandbox.inventory_with(tmp_path, key_file=key)


def _nowhere_on_disk(case_dir: Path) -> None:
    for path in case_dir.rglob("*"):
        if path.is_file():
            assert PASSPHRASE.encode() not in path.read_bytes(), path


def test_the_tui_asks_once_again_after_a_wrong_one_and_records_only_that_it_was_given(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    spec = RunSpec(
        playbook_path=str(find_playbook("linux.ssh.bruteforce")),
        target=sandbox.host_name,
        inventory=str(_encrypted_key_inventory(sandbox, tmp_path)),
        backend="guided",
    )
    session = open_case(spec, store=CaseStore(tmp_path / "cases"), approver="alice")
    app = make_app(session)
    asked: list[int] = []

    def question(step_id: str) -> bool:
        return isinstance(app.screen, ApprovalScreen) and app.screen.request.proposal.step_id == step_id

    async def type_passphrase(pilot: object, text: str) -> None:
        await wait_until(pilot, lambda: isinstance(app.screen, PassphraseScreen))  # type: ignore[arg-type]
        asked.append(app.screen.attempt)
        await pilot.press(*text, "enter")  # type: ignore[attr-defined]

    async def run() -> None:
        async with app.run_test(size=(140, 45)) as pilot:
            await wait_until(pilot, lambda: question("failed_logins"))
            await pilot.press("a")
            await type_passphrase(pilot, "not it")
            await type_passphrase(pilot, PASSPHRASE)
            await wait_until(pilot, lambda: question("accepted_logins"))  # the run went on
            await pilot.press("b")
            await wait_until(pilot, lambda: isinstance(app.screen, ReasonScreen))
            await pilot.press("enter")
            await wait_until(pilot, lambda: app.outcome is not None)

    with session_scope(session):
        asyncio.run(run())
    assert asked == [1, 2]
    assert app.outcome is not None and app.outcome.state is not None
    (ran,) = app.outcome.state.executions
    assert ran.error is None and ran.rows > 0
    notes = [
        e.data["text"] for e in iter_entries(session.case.dir / "ledger.jsonl") if e.kind.value == "note"
    ]
    given = [n for n in notes if n.startswith("passphrase of key file")]
    assert [re.sub(r".* (given|not given) for .*\(attempt (\d)\)", r"\1 \2", n) for n in given] == [
        "given 1",
        "given 2",
    ]
    _nowhere_on_disk(session.case.dir)
    assert verify(session.case.dir).ok


def test_the_console_reads_it_from_stdin_and_no_passphrase_fails_the_run_not_the_case(
    sandbox: SandboxHandle, tmp_path: Path
) -> None:
    inventory = _encrypted_key_inventory(sandbox, tmp_path)
    # Step 1: approve, then an empty passphrase (give up): the run fails with AuthFailedError. Step 2:
    # approve, then the passphrase: the run goes on. The other steps need step 1's findings.
    proc = sleuth(
        *guided_run(sandbox.host_name, inventory, "--console", "--approver", "bob"),
        home=tmp_path / "home",
        stdin=f"a\n\na\n{PASSPHRASE}\n",
    )
    assert proc.returncode == 0, proc.stderr
    assert PASSPHRASE not in proc.stdout + proc.stderr
    assert "AuthFailedError" in proc.stderr and "no passphrase was given" in proc.stderr
    case_id = re.search(r"case (\S+): closed", proc.stdout).group(1)
    case_dir = tmp_path / "home" / "cases" / case_id
    entries = list(iter_entries(case_dir / "ledger.jsonl"))
    assert [e.data["error"] for e in entries if e.kind.value == "observation"] == ["AuthFailedError"]
    assert len([e for e in entries if e.kind.value == "execution_finished"]) == 1
    _nowhere_on_disk(case_dir)
