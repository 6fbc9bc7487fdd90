"""linux.ssh.bruteforce on a brute force that did NOT succeed: no evidence of compromise, the lone legitimate
login for review, counts that include folded repeats, odd user names kept; and a window that hides the
incident says what it examined instead of reading as clean."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.bruteforce_findings import FailedBruteForceFindings
from tests.conftest import SandboxHandle
from tests.sandbox.scenario_up import scenario_host
from tests.support.cli import sleuth


@pytest.fixture(scope="module")
def failed_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with scenario_host(tmp_path_factory, "ssh-bruteforce-failed") as handle:
        yield handle


def _truth(handle: SandboxHandle) -> FailedBruteForceFindings:
    truth = handle.truth
    assert isinstance(truth, FailedBruteForceFindings)
    return truth


def _run(handle: SandboxHandle, home: Path, *extra: str) -> dict[str, object]:
    proc = sleuth(
        "run",
        "linux.ssh.bruteforce",
        "--target",
        handle.host_name,
        "--inventory",
        str(handle.inventory),
        "--backend",
        "guided",
        "--ui",
        "console",
        *extra,
        home=home,
        stdin="a\n" * 10,
    )
    assert proc.returncode == 0, proc.stderr
    case_id = re.search(r"case (\S+): closed", proc.stdout)
    assert case_id is not None, proc.stdout
    report: dict[str, object] = json.loads((home / "cases" / case_id.group(1) / "report.json").read_text())
    report["_stdout"] = proc.stdout
    report["_md"] = (home / "cases" / case_id.group(1) / "report.md").read_text()
    return report


def _values(report: dict[str, object], name: str) -> dict[str, int]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return {f["value"]: f["count"] for f in findings if f["name"] == name}


def test_failed_brute_force_is_no_evidence_with_the_lone_login_for_review(
    failed_host: SandboxHandle, tmp_path: Path
) -> None:
    truth = _truth(failed_host)
    report = _run(failed_host, tmp_path)
    verdict = report["verdict"]
    assert isinstance(verdict, dict)
    assert verdict["status"] == truth.verdict == "no_evidence"
    assert "No source that failed to log in ever logged in" in verdict["summary"]
    assert "the whole log (no window)" in verdict["summary"]  # an absence says what it examined
    # Every attempt counted per source, a folded "message repeated N times" line as N attempts.
    assert _values(report, "sources") == truth.failed.by_source
    assert set(_values(report, "targeted_users")) == {u for u in truth.failed.by_user if u}
    # Odd names are kept exactly (a leading space); an empty name is no value to report.
    assert set(_values(report, "invalid_users")) == {u for u in truth.failed.invalid_users if u}
    fired = {f["id"]: f for f in verdict["fired"]}
    assert "bruteforce_succeeded" not in fired and "bruteforce" in fired
    lone = {b["value"] for b in fired["login_without_failures"]["basis"]}
    assert lone == {item.source for item in truth.needs_review}
    md = str(report["_md"])
    assert (
        md.index("## Verdict")
        < md.index("## Key facts")
        < md.index("## Needs review")
        < md.index("## Coverage")
    )
    # Syslog times carry no year: every place that shows one says it was inferred.
    assert "(year inferred)" in md[md.index("## Key facts") : md.index("## Needs review")]
    assert "(year inferred)" in md[md.index("## Coverage") :]
    review = md[md.index("## Needs review") : md.index("## Coverage")]
    assert all(item.source in review for item in truth.needs_review)
    # No compromise: the denied sudo of a local user is not a sudo command of anyone.
    assert _values(report, "sudo_commands") == {}
    assert "T1078" not in report["attack"]  # Valid Accounts is not claimed without a compromise


def test_a_window_before_the_incident_is_no_clean_bill(failed_host: SandboxHandle, tmp_path: Path) -> None:
    report = _run(failed_host, tmp_path, "--since", "7d")
    verdict = report["verdict"]
    assert isinstance(verdict, dict)
    assert _values(report, "sources") == {}
    # Whatever the status, the answer is bounded by the window and says so, with the log's own span.
    assert "window " in verdict["summary"] and "spanning" in verdict["summary"]
    coverage = report["coverage"]
    assert isinstance(coverage, list)
    failed = next(c for c in coverage if c["step_id"] == "failed_logins")
    assert failed["examined"]["window_since"] is not None
