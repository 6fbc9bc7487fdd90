"""The case report (report.json + report.md): a verdict, coverage, and claims that cite their ledger entries.

`check_claims` refuses a report naming an IOC that is not present in the evidence it cites.
"""

from agent.report.build import ReportClaimError, build_report, check_claims, read_verdict, write_report
from agent.report.markdown import render_markdown
from agent.report.model import (
    Basis,
    CaseStatus,
    CaseVerdict,
    FiredConclusion,
    HostKeyRecord,
    ModelVerdict,
    Report,
    StepRecord,
    TimelineEvent,
    UndecidedConclusion,
)

__all__ = [
    "Basis",
    "CaseStatus",
    "CaseVerdict",
    "FiredConclusion",
    "HostKeyRecord",
    "ModelVerdict",
    "Report",
    "ReportClaimError",
    "StepRecord",
    "TimelineEvent",
    "UndecidedConclusion",
    "build_report",
    "check_claims",
    "read_verdict",
    "render_markdown",
    "write_report",
]
