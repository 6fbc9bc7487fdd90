"""`--json` output is inert on a terminal: a log's bidi, zero-width, ANSI and C1 characters are printed as
`\\u` escapes (json.loads still returns them), by `sleuth tool --json` and by report.json."""

from __future__ import annotations

import json
from pathlib import Path

from agent.report.jsonsafe import dumps_inert
from tests.support.cli import sleuth

HOSTILE = "user\u202eroot\u200b\x1b[31mred\x85next\u2066x\U000e0041"
RAW = ("\u202e", "\u200b", "\x1b", "\x85", "\u2066", "\U000e0041")


def test_tool_json_prints_no_raw_control_or_bidi_character(tmp_path: Path) -> None:
    log = tmp_path / "auth.log"
    log.write_text(f"Nov 26 03:14:07 h sshd[1]: Failed password for {HOSTILE} from 10.0.0.1\n", "utf-8")
    done = sleuth("tool", "search_logs", "--target", "local", f"paths={log}", "pattern=Failed", "--json")
    assert done.returncode == 0, done.stderr
    assert not [ch for ch in RAW if ch in done.stdout]
    assert all(ch.isprintable() or ch == "\n" for ch in done.stdout)
    assert HOSTILE in json.loads(done.stdout)["text"]  # the raw value round-trips


def test_inert_json_round_trips_every_value() -> None:
    value = {HOSTILE: [HOSTILE, "plain é 日本"], "n": 1}
    text = dumps_inert(value)
    assert not [ch for ch in RAW if ch in text]
    assert "é 日本" in text  # readable UTF-8 stays
    assert json.loads(text) == value
