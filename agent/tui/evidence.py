"""The evidence screen: every run of the case, and for the one picked its commands, hashes, notes and rows."""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from agent.case.errors import CaseError
from agent.case.evidence import EvidenceStore, load_result
from agent.case.state import Execution
from agent.tui.text import field, safe

MAX_ROWS = 500
"""Rows shown per run (the whole result stays in the evidence store and the report)."""
MAX_COLUMNS = 12


class EvidenceScreen(Screen[None]):
    """What ran and what came back, read from the case's evidence store (hash-checked on every read)."""

    DEFAULT_CSS = """
        #runs { height: 12; border: round $primary; }
        #detail { height: auto; max-height: 12; padding: 0 1; border: round $secondary; }
        #rows { height: 1fr; border: round $success; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q,escape,v", "app.pop_screen", "Back")]

    def __init__(self, evidence: EvidenceStore, executions: Sequence[Execution]) -> None:
        super().__init__()
        self.evidence = evidence
        self.executions = list(executions)

    def compose(self) -> ComposeResult:
        """Runs, the picked run's provenance, its rows."""
        yield Header()
        yield DataTable(id="runs", cursor_type="row")
        yield Static(id="detail")
        yield DataTable(id="rows", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        """List the runs, newest last, and show the newest."""
        self.title = "Sleuth · evidence"
        runs = self.query_one("#runs", DataTable)
        runs.border_title = f"runs ({len(self.executions)})"
        runs.add_columns("call", "tool", "host", "item", "rows", "outcome")
        for index, ex in enumerate(self.executions):
            outcome = ex.error_kind or ("truncated" if ex.truncated else "ok")
            cells = (ex.proposal_id, ex.tool, ex.host, ex.item or "", str(ex.rows), outcome)
            runs.add_row(*(safe(c) for c in cells), key=str(index))
        if self.executions:
            runs.move_cursor(row=len(self.executions) - 1)
            self.show(len(self.executions) - 1)
        else:
            self.query_one("#detail", Static).update(Text("nothing has run yet", "dim"))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Follow the cursor in the runs table."""
        if event.data_table.id == "runs" and event.row_key.value is not None:
            self.show(int(event.row_key.value))

    def show(self, index: int) -> None:
        """The run's commands, hashes and notes, and its rows (the first MAX_ROWS)."""
        ex = self.executions[index]
        table = self.query_one("#rows", DataTable)
        table.clear(columns=True)
        lines = [field("args", json.dumps(ex.args, sort_keys=True, ensure_ascii=False))]
        if ex.error is not None:
            lines.append(field("error", f"{ex.error_kind}: {ex.error}", value_style="red"))
        lines.append(field("evidence", ex.evidence_sha256 or "(none: the tool failed before any output)"))
        if ex.result_sha256 is None:
            self.query_one("#detail", Static).update(Text("\n").join(lines))
            table.border_title = "rows"
            return
        try:
            result = load_result(self.evidence, ex.result_sha256)
        except CaseError as exc:  # missing or altered evidence: say so, never show unverified bytes
            lines.append(field("!", str(exc), value_style="bold red"))
            self.query_one("#detail", Static).update(Text("\n").join(lines))
            return
        lines[1:1] = [field("command", shlex.join(c.argv)) for c in result.commands]
        if result.host_key_fingerprint:
            lines.append(field("host key", result.host_key_fingerprint))
        lines.extend(field("note", note) for note in result.notes)
        self.query_one("#detail", Static).update(Text("\n").join(lines))
        columns = list(dict.fromkeys(k for row in result.rows[:MAX_ROWS] for k in row))[:MAX_COLUMNS]
        table.add_columns(*columns)
        for row in result.rows[:MAX_ROWS]:
            table.add_row(*(safe("" if row.get(c) is None else str(row.get(c))) for c in columns))
        shown = min(len(result.rows), MAX_ROWS)
        cut = ", truncated at the source" if result.truncated else ""
        table.border_title = f"rows: {shown} of {len(result.rows)}{cut}"
