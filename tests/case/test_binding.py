"""`audit verify` binds each execution to its approval: the tool and args run must be the approved ones."""

from __future__ import annotations

from pathlib import Path

from pydantic import JsonValue

from agent.case.payloads import DecisionRecorded, ExecutionStarted, ProposalRecorded
from agent.case.store import Case, CaseStore
from agent.case.verify import verify

ITEMS = {"a.log": {"path": "/var/log/a.log"}, "b.log": {"path": "/var/log/b.log"}}


def _case(root: Path) -> Case:
    return CaseStore(root).create(playbook_id="pb", target="web01", actor="alice")


def _start(
    case: Case,
    d: int,
    p: int,
    *,
    tool: str = "search_logs",
    args: dict[str, JsonValue],
    item: str | None = None,
    host: str = "web01",
) -> int:
    return case.ledger.append(
        ExecutionStarted(decision_seq=d, proposal_seq=p, tool=tool, host=host, args=args, item=item),
        actor="system",
    ).seq


def _approved(
    case: Case, *, verdict: str = "approve", args: dict[str, JsonValue] | None = None, fanout: bool = False
) -> tuple[int, int]:
    p = case.ledger.append(
        ProposalRecorded(
            tool="search_logs",
            args={"pattern": "Failed", "path": "/var/log/auth.log"},
            host="web01",
            hosts=("web01",),
            items=tuple(ITEMS) if fanout else None,
            item_args={k: {"pattern": "Failed", **v} for k, v in ITEMS.items()} if fanout else None,
        ),
        actor="model",
    ).seq
    d = case.ledger.append(
        DecisionRecorded(proposal_seq=p, verdict=verdict, approver="alice", args=args),  # type: ignore[arg-type]
        actor="alice",
    ).seq
    return p, d


def _reason(case: Case) -> str:
    report = verify(case.dir)
    assert report.problem is not None, "the mismatch was not flagged"
    return report.problem.reason


def test_the_approved_call_verifies(cases_root: Path) -> None:
    with _case(cases_root) as case:
        p, d = _approved(case)
        _start(case, d, p, args={"pattern": "Failed", "path": "/var/log/auth.log"})
    assert verify(case.dir).ok


def test_swapped_args_are_flagged(cases_root: Path) -> None:
    with _case(cases_root) as case:
        p, d = _approved(case)
        _start(case, d, p, args={"pattern": "Failed", "path": "/etc/shadow"})
    assert "args differ from the approved ones" in _reason(case)


def test_another_tool_is_flagged(cases_root: Path) -> None:
    with _case(cases_root) as case:
        p, d = _approved(case)
        _start(case, d, p, tool="read_file", args={"pattern": "Failed", "path": "/var/log/auth.log"})
    assert "not the approved search_logs" in _reason(case)


def test_an_edit_binds_its_own_args_not_the_proposal_s(cases_root: Path) -> None:
    edited: dict[str, JsonValue] = {"pattern": "Accepted", "path": "/var/log/auth.log"}
    with _case(cases_root) as case:
        p, d = _approved(case, verdict="edit", args=edited)
        _start(case, d, p, args={"pattern": "Failed", "path": "/var/log/auth.log"})
    assert "args differ" in _reason(case)
    with _case(cases_root) as ok_case:
        p, d = _approved(ok_case, verdict="edit", args=edited)
        _start(ok_case, d, p, args=edited)
    assert verify(ok_case.dir).ok


def test_a_fan_out_item_runs_its_own_args(cases_root: Path) -> None:
    with _case(cases_root) as case:
        p, d = _approved(case, fanout=True)
        _start(case, d, p, item="a.log", args={"pattern": "Failed", "path": "/var/log/a.log"})
        _start(case, d, p, item="b.log", args={"pattern": "Failed", "path": "/var/log/a.log"})
    assert "args differ" in _reason(case)


def test_a_host_the_proposal_did_not_name_is_flagged(cases_root: Path) -> None:
    with _case(cases_root) as case:
        p, d = _approved(case)
        _start(case, d, p, host="db01", args={"pattern": "Failed", "path": "/var/log/auth.log"})
    assert "did not name" in _reason(case)
