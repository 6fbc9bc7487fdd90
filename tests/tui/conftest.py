"""The real Textual app over the real graph: cases replayed from a playbook's recorded sandbox fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from langchain_core.language_models import BaseChatModel
from textual.pilot import Pilot

from agent.case.store import CaseStore
from agent.run.session import RunSpec, Session, open_case, session_scope
from playbooks.discovery import find_playbook

HOST = "sandbox-01"
FIXTURES = Path(find_playbook("linux.ssh.bruteforce")).with_suffix(".tests") / "sandbox" / "fixtures"

OpenSession = Callable[..., Session]


def replay_inventory(directory: Path) -> Path:
    """An inventory naming the recorded host (replay never connects: it only names the target)."""
    inventory = directory / "inventory.yaml"
    inventory.write_text(yaml.safe_dump({"hosts": {HOST: {"address": "127.0.0.1", "user": "replay"}}}))
    return inventory


@pytest.fixture
def open_replay(tmp_path: Path) -> Iterator[OpenSession]:
    """Open linux.ssh.bruteforce cases on the recorded sandbox host (replayed: no sshd needed)."""
    inventory = replay_inventory(tmp_path)
    opened: list[Session] = []

    def open_one(*, chat_model: BaseChatModel | None = None, approver: str = "alice") -> Session:
        spec = RunSpec(
            playbook_path=str(find_playbook("linux.ssh.bruteforce").resolve()),
            target=HOST,
            inventory=str(inventory),
            backend="local" if chat_model is not None else "guided",
            replay_dir=str(FIXTURES.resolve()),
        )
        session = open_case(
            spec, store=CaseStore(tmp_path / "cases"), approver=approver, chat_model=chat_model
        )
        opened.append(session)
        return session

    yield open_one
    for session in opened:
        with session_scope(session):
            pass


async def wait_until(pilot: Pilot[None], ready: Callable[[], object], timeout: float = 20.0) -> None:
    """Let the app (and its worker thread) run until `ready()` is true and the screen shown is mounted."""
    waited = 0.0
    while not (ready() and pilot.app.screen.is_mounted):
        if waited >= timeout:
            raise AssertionError(f"timed out after {timeout} s; screen is {type(pilot.app.screen).__name__}")
        await pilot.pause(0.05)
        waited += 0.05
