"""The auth parser on the real loghub Linux syslog sample (skipped where ../shared/data/logs is absent)."""

from __future__ import annotations

import collections
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tools.logformats import parse_line

LOGHUB = Path(__file__).resolve().parents[3] / "shared" / "data" / "logs" / "loghub" / "Linux_Linux_2k.log"


def test_loghub_sshd_authentication_failures() -> None:
    if not LOGHUB.is_file():
        pytest.skip(f"{LOGHUB} is absent: the real public logs are only on the maintainers' machines")
    reference = datetime(2005, 12, 31, tzinfo=UTC)  # the sample is from 2005 (Jun..Jul)
    sources: collections.Counter[str] = collections.Counter()
    events: collections.Counter[tuple[str, str]] = collections.Counter()
    unparsed = 0
    for raw in LOGHUB.read_bytes().splitlines():
        parsed = parse_line("auth", raw, reference=reference)
        if parsed is None:
            unparsed += 1
            continue
        assert parsed.time is not None and parsed.time.year == 2005 and parsed.year_inferred
        event = str(parsed.fields.get("event"))
        events[(str(parsed.fields.get("service")), event)] += parsed.repeat
        if parsed.fields.get("service") == "sshd" and event == "auth_failure":
            assert parsed.fields.get("program") == "sshd(pam_unix)"
            if parsed.fields.get("src"):
                sources[str(parsed.fields["src"])] += parsed.repeat
    assert unparsed == 0
    # `sshd(pam_unix)[N]: authentication failure; ... rhost=H [user=U]`: every one has a source.
    assert events[("sshd", "auth_failure")] == 489
    assert sum(sources.values()) == 489
    assert len(sources) == 47
    assert sources.most_common(1) == [("150.183.249.110", 80)]
    assert any(not source[0].isdigit() for source in sources)  # some sources are logged as hostnames
    assert "n219076184117.netvigator.com" in sources
    assert events[("gdm", "auth_failure")] == 1  # a local one, with an empty rhost: no source
    assert events[("su", "session_opened")] == events[("su", "session_closed")] > 0
