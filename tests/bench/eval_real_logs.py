"""Evaluation, not a test: run the library playbooks over the real public logs in ../shared/data/logs.

Each case copies one real log (keeping its mtime) into a temporary folder, runs `sleuth run` against the
`local` target with `--log KIND=PATH`, every step approved, in guided mode, and reads the verdict and the
coverage from report.json. It prints one JSON document: per case the verdict, what was examined (lines,
span, window), the key facts, and whether the verdict is the one expected. Usage:

    .venv/bin/python tests/bench/eval_real_logs.py [--shared ../shared] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class EvalCase:
    """One real log run through one playbook, with the verdict a responder would give it."""

    name: str
    playbook: str
    logs: dict[str, str]
    """Log kind to the file under shared/data/logs (None: a log that does not exist on the host)."""
    expect: str
    why: str
    extra: tuple[str, ...] = field(default=())
    empty_web_root: bool = False
    """Give the web playbook an empty web root (the log is evaluated, not this machine's /var/www)."""


CASES = (
    EvalCase(
        "loghub-linux-sshd",
        "linux.ssh.bruteforce",
        {"auth": "loghub/Linux_Linux_2k.log"},
        "no_evidence",
        "489 PAM/sshd authentication failures from 47 sources, no successful login in the file",
    ),
    EvalCase(
        "fail2ban-sshd",
        "linux.ssh.bruteforce",
        {"auth": "fail2ban/sshd.log"},
        "compromised",
        "fail2ban's sshd corpus has Accepted lines from addresses that failed before (its own annotations)",
    ),
    EvalCase(
        "fail2ban-pam-generic",
        "linux.ssh.bruteforce",
        {"auth": "fail2ban/pam-generic.log"},
        "no_evidence",
        "PAM authentication failures only",
    ),
    EvalCase(
        "elastic-apache-baseline",
        "web.webshell",
        {"web_access": "elastic-apache/apache_logs"},
        "no_evidence",
        "10,000 lines of a benign site (bots and crawlers, no web shell)",
        empty_web_root=True,
    ),
    EvalCase(
        "fail2ban-apache-noscript",
        "web.webshell",
        {"web_access": "", "web_error": "fail2ban/apache-noscript.log"},
        "inconclusive",
        "an Apache error log alone (scripts not found): without the access log a web shell is not ruled out",
        empty_web_root=True,
    ),
    EvalCase(
        "cowrie-json-as-auth",
        "linux.ssh.bruteforce",
        {"auth": "fail2ban/cowrie.log"},
        "inconclusive",
        "a Cowrie honeypot's JSON log is not an sshd auth log: searched as one it decides nothing",
    ),
    EvalCase(
        "fail2ban-dropbear",
        "linux.ssh.bruteforce",
        {"auth": "fail2ban/dropbear.log"},
        "no_evidence",
        "dropbear failures only, no login (known gap: dropbear's lines are not brute-force events yet)",
    ),
    EvalCase(
        "missing-auth-log",
        "linux.ssh.bruteforce",
        {"auth": ""},
        "inconclusive",
        "the log does not exist: the case must not read as clean",
    ),
    EvalCase(
        "window-excludes-everything",
        "linux.ssh.bruteforce",
        {"auth": "loghub/Linux_Linux_2k.log"},
        "inconclusive",
        "a window long before the log: nothing examined, never clean",
        extra=("--since", "2000-01-01", "--until", "2000-01-02"),
    ),
)


def _sleuth() -> list[str]:
    return [str(ROOT / ".venv" / "bin" / "sleuth")] if (ROOT / ".venv/bin/sleuth").exists() else ["sleuth"]


def run_case(case: EvalCase, shared: Path, work: Path) -> dict[str, object]:
    """Run one case and summarise its report."""
    args: list[str] = []
    for kind, rel in case.logs.items():
        if rel:
            src = shared / "data" / "logs" / rel
            dst = work / case.name / src.name
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)  # keeps the mtime: year-less syslog times take their year from it
        else:
            dst = work / case.name / "absent.log"
        args += ["--log", f"{kind}={dst}"]
    if case.empty_web_root:
        (work / case.name / "www").mkdir(parents=True, exist_ok=True)
        args += ["--input", f"web_root={work / case.name / 'www'}"]
    case_dir = work / case.name / "case"
    cmd = [
        *_sleuth(),
        "run",
        case.playbook,
        "--target",
        "local",
        "--backend",
        "guided",
        "--ui",
        "console",
        "--case-dir",
        str(case_dir),
        *args,
        *case.extra,
    ]
    done = subprocess.run(cmd, input="a\n" * 200, capture_output=True, text=True, timeout=600)
    reports = sorted(case_dir.glob("*/report.json")) + sorted(case_dir.glob("report.json"))
    if not reports:
        return {"name": case.name, "error": (done.stderr or done.stdout)[-800:], "exit": done.returncode}
    report = json.loads(reports[-1].read_text(encoding="utf-8"))
    verdict = report.get("verdict") or {}
    coverage = [
        {
            "step_id": c["step_id"],
            "status": c["status"],
            "reasons": c["reasons"],
            **{
                k: (c.get("examined") or {}).get(k)
                for k in ("lines_read", "first_ts", "last_ts", "year_inferred")
            },
        }
        for c in report.get("coverage", [])
    ]
    return {
        "name": case.name,
        "playbook": case.playbook,
        "verdict": verdict.get("status"),
        "expected": case.expect,
        "ok": verdict.get("status") == case.expect,
        "why_expected": case.why,
        "summary": verdict.get("summary"),
        "coverage": coverage,
        "exit": done.returncode,
    }


def main() -> int:
    """Run every case (or one) and print the JSON summary; exit 1 when a verdict is not the expected one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--only", default=None)
    opts = parser.parse_args()
    if not (opts.shared / "data" / "logs").is_dir():
        print(json.dumps({"skipped": f"{opts.shared}/data/logs not found"}))
        return 0
    with tempfile.TemporaryDirectory(prefix="sleuth-eval-") as tmp:
        results = [run_case(c, opts.shared, Path(tmp)) for c in CASES if opts.only in (None, c.name)]
    ok = sum(1 for r in results if r.get("ok"))
    print(json.dumps({"cases": results, "ok": ok, "total": len(results)}, indent=1))
    return 0 if ok == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
