"""The new-case form's Since/Until fields: checked like `sleuth run --since/--until`, resolved when the case
opens, recorded in case_opened, and shown in the first proposal the approver sees."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.widgets import Input, Select, Static

from agent.case.ledger import iter_entries
from agent.case.payloads import CaseOpened
from agent.case.store import CaseStore
from agent.tui.app import make_app
from agent.tui.home import HomeOptions, HomeScreen, NewCaseScreen
from agent.tui.screens import ApprovalScreen
from playbooks.discovery import find_playbook
from tests.tui.conftest import FIXTURES, HOST, replay_inventory, wait_until

SIZE = (140, 50)


def test_the_form_checks_the_window_and_the_case_inherits_it(tmp_path: Path) -> None:
    options = HomeOptions(
        approver="dana",
        case_dir=tmp_path / "cases",
        inventory=replay_inventory(tmp_path),
        backend="guided",
        replay_dir=FIXTURES,
    )
    app = make_app(home=options)
    shown: dict[str, object] = {}
    opened_after = datetime.now(UTC).replace(microsecond=0)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
            await pilot.press("n")
            await wait_until(pilot, lambda: isinstance(app.screen, NewCaseScreen))
            form = app.screen
            form.query_one("#playbook", Select).value = str(find_playbook("linux.ssh.bruteforce"))
            form.query_one("#target", Input).value = HOST
            error = form.query_one("#error", Static)
            for since, until, message in (
                ("last week", "", "--since last week: expected an ISO 8601 date or datetime"),
                ("2099-01-01", "", "is in the future"),
                ("2026-11-21", "2026-11-20T00:00", "is after --until 2026-11-20T00:00"),
            ):
                form.query_one("#since", Input).value = since
                form.query_one("#until", Input).value = until
                await pilot.press("ctrl+s")
                assert message in str(error.content), (since, until, error.content)
                assert isinstance(app.screen, NewCaseScreen)  # an invalid window opens nothing
            form.query_one("#since", Input).value = "14d"
            form.query_one("#until", Input).value = ""
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, ApprovalScreen))
            shown.update(app.screen.request.proposal.args)
            await pilot.press("q")  # leave at the first question: the case pauses
            await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
            await pilot.press("q")

    asyncio.run(run())
    (summary,) = CaseStore(options.case_dir).summaries()
    first = next(iter_entries(options.case_dir / summary.id / "ledger.jsonl"))
    window = CaseOpened.model_validate(first.data).window
    assert window is not None and window.since is not None and window.until is None
    assert window.since_given == "14d"
    assert opened_after - timedelta(days=14) <= window.since <= datetime.now(UTC) - timedelta(days=14)
    assert shown["since"] == window.since.isoformat() and "until" not in shown
