"""`sleuth tui`: a case opened from the form, left half-way, resumed from the list, its report read; a
case that cannot be opened says why and creates nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import DataTable, Input, Select, Static, TextArea

from agent.case.lease import read_holder
from agent.case.ledger import iter_entries
from agent.case.store import CaseStore
from agent.case.verify import verify
from agent.tui.app import make_app
from agent.tui.case_screen import CaseScreen
from agent.tui.home import HomeOptions, HomeScreen, NewCaseScreen, ReportScreen
from agent.tui.screens import ApprovalScreen, ErrorScreen
from playbooks.discovery import find_playbook
from tests.tui.conftest import FIXTURES, HOST, replay_inventory, wait_until

SIZE = (140, 45)


def _options(tmp_path: Path) -> HomeOptions:
    inventory = replay_inventory(tmp_path)
    return HomeOptions(
        approver="dana",
        case_dir=tmp_path / "cases",
        inventory=inventory,
        backend="guided",
        replay_dir=FIXTURES,
    )


def _driver(case_dir: Path) -> str | None:
    holder = read_holder(case_dir)
    return holder.command if holder is not None else None


def test_a_case_opened_from_the_form_pauses_resumes_from_the_list_and_shows_its_report(
    tmp_path: Path,
) -> None:
    options = _options(tmp_path)
    app = make_app(home=options)

    def asked() -> bool:
        return isinstance(app.screen, ApprovalScreen)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
            await pilot.press("n")
            await wait_until(pilot, lambda: isinstance(app.screen, NewCaseScreen))
            form = app.screen
            await pilot.press("ctrl+s")
            assert "choose a playbook" in str(form.query_one("#error", Static).content)
            form.query_one("#playbook", Select).value = str(find_playbook("linux.ssh.bruteforce"))
            target = form.query_one("#target", Input)
            target.focus()
            await pilot.press("s", "right")  # the inventory's host names complete
            assert target.value == HOST
            form.query_one("#inputs", Input).value = "web_root"
            await pilot.press("ctrl+s")
            assert "'web_root' is not K=V" in str(form.query_one("#error", Static).content)
            form.query_one("#inputs", Input).value = ""
            form.query_one("#since", Input).value = "yesterday"
            await pilot.press("ctrl+s")
            assert "--since yesterday: expected an ISO 8601" in str(form.query_one("#error", Static).content)
            form.query_one("#since", Input).value = "2d"
            form.query_one("#until", Input).value = "3d"
            await pilot.press("ctrl+s")
            assert "is after --until 3d" in str(form.query_one("#error", Static).content)
            form.query_one("#since", Input).value = ""  # no window: the whole log, as recorded
            form.query_one("#until", Input).value = ""
            await pilot.press("ctrl+s")
            await wait_until(pilot, asked)
            (case_dir,) = (tmp_path / "cases").iterdir()
            assert _driver(case_dir) == "sleuth tui"
            await pilot.press("a")
            await wait_until(
                pilot, lambda: asked() and app.screen.request.proposal.step_id == "accepted_logins"
            )
            await pilot.press("q")  # leave at the second question: the case pauses
            await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
            table = app.screen.query_one("#cases", DataTable)
            await wait_until(pilot, lambda: table.row_count == 1 and str(table.get_row_at(0)[4]) == "open")
            await pilot.press("enter")  # resume it
            await wait_until(pilot, asked)
            assert _driver(case_dir) == "sleuth tui"
            assert app.screen.request.proposal.step_id == "accepted_logins"
            for _ in range(4):
                await wait_until(pilot, asked)
                await pilot.press("a")
            await wait_until(pilot, lambda: isinstance(app.screen, CaseScreen) and not app.screen.running)
            await pilot.press("q")
            await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
            await wait_until(pilot, lambda: str(table.get_row_at(0)[4]) == "closed")
            await pilot.press("enter")  # a closed case: its report
            await wait_until(pilot, lambda: isinstance(app.screen, ReportScreen))
            assert app.screen.query_one("#report", TextArea).text.startswith("# Case ")
            await pilot.press("q")
            await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
            await pilot.press("q")

    asyncio.run(run())
    (summary,) = CaseStore(options.case_dir).summaries()
    assert summary.status == "closed" and summary.playbook_id == "linux.ssh.bruteforce"
    case_dir = options.case_dir / summary.id
    entries = list(iter_entries(case_dir / "ledger.jsonl"))
    decisions = [e.data for e in entries if e.kind.value == "decision"]
    assert [(d["verdict"], d["approver"]) for d in decisions] == [("approve", "dana")] * 5
    assert [e.kind.value for e in entries].count("resumed") == 1
    assert entries[0].data["inputs"] == {} and entries[0].data["window"] is None
    assert verify(case_dir).ok


def test_a_case_that_cannot_be_opened_says_why_and_creates_nothing(tmp_path: Path) -> None:
    options = _options(tmp_path)
    app = make_app(home=options)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
            await pilot.press("n")
            await wait_until(pilot, lambda: isinstance(app.screen, NewCaseScreen))
            app.screen.query_one("#playbook", Select).value = str(find_playbook("linux.ssh.bruteforce"))
            app.screen.query_one("#target", Input).value = "no-such-host"
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, ErrorScreen))
            message = str(app.screen.query_one("#message", Static).content)
            assert "no-such-host" in message
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, HomeScreen))
            await pilot.press("q")

    asyncio.run(run())
    assert CaseStore(options.case_dir).summaries() == []
