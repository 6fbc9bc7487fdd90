"""Part 3: bad input at the CLI; each must end in its documented exit code with a clear line, no traceback.

Inputs: damaged cases (a paused case and a closed one, copied and broken one way each), bad numbers,
missing files, bad URLs, broken inventories, and every malformed playbook of tests/data/playbooks_invalid
(linted in one call: each error the .expected file names must be located at its line:col). Exit codes
are the README's: 1 a check found problems, 2 bad input, 74 a local file could not be read or written;
70 (internal error) is never right.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.campaign.common import Run, first_line, only_case, sleuth
from tests.campaign.kills import ANSWERS, Scene
from tests.support.cli import ROOT, read_hostname_args

INVALID = ROOT / "tests" / "data" / "playbooks_invalid"
ERROR_LINE = re.compile(r"^sleuth( [a-z ]+)?: error: ")
"""`sleuth: error: ...`, or argparse's `sleuth run: error: ...`."""


@dataclass(frozen=True)
class BadInput:
    """One bad input: a name, how to make its arguments in a prepared directory, the exit it must get."""

    name: str
    group: str
    args: Callable[[Path], list[str]]
    """The argv after `sleuth`, given the work directory (set up by `prepare`)."""
    expect: tuple[int, ...]
    """The exit codes it may end with (one, except where the README leaves it open: see the note)."""
    prepare: Callable[[Path], None] | None = None
    """Breaks a copy of a case (or writes a file) under the work directory first."""


def _local_run(*extra: str) -> Callable[[Path], list[str]]:
    return lambda w: [
        "run",
        "linux.ssh.bruteforce",
        "--target",
        "local",
        "--backend",
        "guided",
        "--console",
        "--case-dir",
        str(w / "fresh"),
        *extra,
    ]


def _inventory_run(text: str) -> tuple[Callable[[Path], None], Callable[[Path], list[str]]]:
    def prepare(w: Path) -> None:
        (w / "inventory.yaml").write_text(text, encoding="utf-8")

    def args(w: Path) -> list[str]:
        return read_hostname_args(w / "inventory.yaml")

    return prepare, args


def _damaged(which: str, damage: Callable[[Path], None]) -> Callable[[Path], None]:
    """Copy the `which` case (paused or closed) to w/cases and damage the copy."""

    def prepare(w: Path) -> None:
        source = only_case(w.parent.parent / "cases" / which / "cases")  # w is work/inputs/<name>
        assert source is not None
        target = w / "cases" / source.name
        shutil.copytree(source, target)
        damage(target)

    return prepare


def _case_cmd(*cmd: str) -> Callable[[Path], list[str]]:
    def args(w: Path) -> list[str]:
        case = only_case(w / "cases")
        assert case is not None
        return [*cmd, case.name, "--case-dir", str(w / "cases")]

    return args


def _garbage(name: str) -> Callable[[Path], None]:
    def damage(case: Path) -> None:
        (case / name).write_bytes(b"\x00garbage, not what this file should hold\xff\n" * 8)

    return damage


def _remove(name: str) -> Callable[[Path], None]:
    return lambda case: (case / name).unlink()


def _bad_middle_line(case: Path) -> None:
    lines = (case / "ledger.jsonl").read_bytes().splitlines(keepends=True)
    lines[len(lines) // 2] = b'{"seq": "not a number"}\n'
    (case / "ledger.jsonl").write_bytes(b"".join(lines))


def _first_evidence_gone(case: Path) -> None:
    next(p for p in sorted((case / "evidence").iterdir()) if p.is_file()).unlink()


def inputs() -> list[BadInput]:
    """Every bad input of the part."""
    out = [
        BadInput(
            "resume: checkpoints.sqlite garbage",
            "damaged case",
            _case_cmd("resume"),
            (1,),
            _damaged("paused", _garbage("checkpoints.sqlite")),
        ),
        BadInput(
            "resume: run.json garbage",
            "damaged case",
            _case_cmd("resume"),
            (1,),
            _damaged("paused", _garbage("run.json")),
        ),
        BadInput(
            "resume: run.json missing",
            "damaged case",
            _case_cmd("resume"),
            (1,),
            _damaged("paused", _remove("run.json")),
        ),
        # run.json corrupt is exit 1; case.json corrupt is exit 2 (read as bad input): both clear, both taken.
        BadInput(
            "resume: case.json garbage",
            "damaged case",
            _case_cmd("resume"),
            (1, 2),
            _damaged("paused", _garbage("case.json")),
        ),
        BadInput(
            "resume: ledger line garbage",
            "damaged case",
            _case_cmd("resume"),
            (1,),
            _damaged("paused", _bad_middle_line),
        ),
        BadInput(
            "resume: ledger missing",
            "damaged case",
            _case_cmd("resume"),
            (2,),
            _damaged("paused", _remove("ledger.jsonl")),
        ),
        BadInput(
            "audit verify: ledger line garbage",
            "damaged case",
            _case_cmd("audit", "verify"),
            (1,),
            _damaged("closed", _bad_middle_line),
        ),
        BadInput(
            "audit verify: evidence blob missing",
            "damaged case",
            _case_cmd("audit", "verify"),
            (1,),
            _damaged("closed", _first_evidence_gone),
        ),
        # `report` shows the files as they are (`audit verify` is what catches an altered one): shown, or
        # refused as a damaged case, are both fine; an internal error is not.
        BadInput(
            "report --format json: report.json garbage",
            "damaged case",
            _case_cmd("report", "--format", "json"),
            (0, 1),
            _damaged("closed", _garbage("report.json")),
        ),
        BadInput(
            "report: report.md garbage",
            "damaged case",
            _case_cmd("report"),
            (0, 1),
            _damaged("closed", _garbage("report.md")),
        ),
        BadInput(
            "report: no such case",
            "damaged case",
            lambda w: ["report", "no-such-case", "--case-dir", str(w / "cases")],
            (2,),
        ),
        BadInput("run --timeout -1", "bad number", _local_run("--timeout", "-1"), (2,)),
        BadInput("run --timeout nan", "bad number", _local_run("--timeout", "nan"), (2,)),
        BadInput("run --concurrency 0", "bad number", _local_run("--concurrency", "0"), (2,)),
        BadInput("run --approval-ttl -5", "bad number", _local_run("--approval-ttl", "-5"), (2,)),
        BadInput("run --model-deadline abc", "bad number", _local_run("--model-deadline", "abc"), (2,)),
        BadInput("run --since not-a-time", "bad number", _local_run("--since", "not-a-time"), (2,)),
        BadInput(
            "run --until before --since",
            "bad number",
            _local_run("--since", "2026-11-20", "--until", "2026-11-01"),
            (2,),
        ),
        BadInput(
            "tool max_matches=-3",
            "bad number",
            lambda w: [
                "tool",
                "search_logs",
                "--target",
                "local",
                "paths=/etc/hostname",
                "pattern=x",
                "max_matches=-3",
            ],
            (2,),
        ),
        BadInput(
            "tool --timeout 0",
            "bad number",
            lambda w: ["tool", "read_file", "--target", "local", "path=/etc/hostname", "--timeout", "0"],
            (2,),
        ),
        BadInput(
            "run --inventory missing",
            "missing file",
            lambda w: ["run", "linux.ssh.bruteforce", "--target", "box", "--inventory", str(w / "nope.yaml")],
            (2,),
        ),
        BadInput(
            "run playbook file missing",
            "missing file",
            lambda w: ["run", str(w / "nope.yaml"), "--target", "local"],
            (2,),
        ),
        BadInput(
            "playbook lint missing file",
            "missing file",
            lambda w: ["playbook", "lint", str(w / "nope.yaml")],
            (1,),
        ),
        BadInput(
            "intel import missing file",
            "missing file",
            lambda w: ["intel", "import", str(w / "nope.txt"), "--source", "x"],
            (2,),
        ),
        BadInput(
            "run --base-url not-a-url",
            "bad URL",
            _local_run("--backend", "openai", "--base-url", "not-a-url"),
            (2,),
        ),
        BadInput(
            "run --base-url ftp://",
            "bad URL",
            _local_run("--backend", "openai", "--base-url", "ftp://example.org/v1"),
            (2,),
        ),
        BadInput(
            "run --base-url http://",
            "bad URL",
            _local_run("--backend", "openai", "--base-url", "http://"),
            (2,),
        ),
    ]
    for name, text in (
        ("inventory: YAML syntax error", "hosts:\n  box: {address: 127.0.0.1\n"),
        ("inventory: duplicate key", "hosts:\n  box: {address: 127.0.0.1}\n  box: {address: 127.0.0.2}\n"),
        ("inventory: unknown field", "hosts:\n  box: {address: 127.0.0.1, colour: red}\n"),
        ("inventory: port not a number", "hosts:\n  box: {address: 127.0.0.1, port: abc}\n"),
        ("inventory: hosts a list", "hosts:\n  - box\n"),
        ("inventory: empty file", ""),
    ):
        prepare, args = _inventory_run(text)
        out.append(BadInput(name, "inventory", args, (2,), prepare))
    broken = sorted(INVALID.glob("*.yaml"))[0]
    out.append(
        BadInput(
            f"run malformed playbook {broken.name}",
            "malformed playbook",
            lambda w: ["run", str(broken), "--target", "local", "--backend", "guided"],
            (2,),
        )
    )
    return out


QUICK = (
    "resume: checkpoints.sqlite garbage",
    "run --timeout nan",
    "inventory: duplicate key",
    "run --base-url not-a-url",
)


def _check(bad: BadInput, work: Path) -> dict[str, Any]:
    w = work / re.sub(r"[^a-z0-9]+", "-", bad.name.lower()).strip("-")
    w.mkdir(parents=True)
    if bad.prepare is not None:
        bad.prepare(w)
    run = sleuth(*bad.args(w), home=work / "home", timeout=120)
    message = _message(run)
    gates = {
        "exit_code": run.returncode in bad.expect,
        "clear_line": bool(message) and (bool(ERROR_LINE.match(message)) or run.returncode in (0, 1)),
        "no_traceback": not run.traceback,
        "not_internal_error": run.returncode != 70,
    }
    return {
        "input": bad.name,
        "group": bad.group,
        "exit": run.returncode,
        "expected": list(bad.expect),
        "stderr_line": message,
        "traceback": run.traceback,
        "ok": all(gates.values()),
        "gates": gates,
    }


def _message(run: Run) -> str:
    """The `sleuth: error:` line (argparse prints usage first), else the first line of stdout (what a check
    command, `audit verify` or `playbook lint`, reports), else of stderr."""
    errors = [line for line in run.stderr.splitlines() if ERROR_LINE.match(line)]
    return errors[0] if errors else (first_line(run.stdout) or run.first_stderr_line)


def _lint_invalid(work: Path) -> dict[str, Any]:
    """Lint every malformed playbook in one call; each .expected `line:col: error[CODE]` must be there."""
    files = sorted(INVALID.glob("*.yaml"))
    run = sleuth("playbook", "lint", *map(str, files), home=work / "home", timeout=300)
    located = 0
    missing: list[str] = []
    for path in files:
        expected_file = path.with_suffix(".expected")
        wanted = (
            [
                line.split(" ", 2)[:2]
                for line in expected_file.read_text(encoding="utf-8").splitlines()
                if line.strip()
            ]
            if expected_file.is_file()
            else []
        )
        mine = [line for line in run.stdout.splitlines() if line.startswith(f"{path}:")]
        absent = [
            " ".join(w) for w in wanted if not any(line.startswith(f"{path}:{' '.join(w)}") for line in mine)
        ]
        errors_located = all(re.match(rf"{re.escape(str(path))}:\d+:\d+: (error|warning)\[", x) for x in mine)
        if not absent and errors_located and any(": error[" in x for x in mine):
            located += 1
        else:
            missing.append(f"{path.name}: not located {absent or 'an error'}")
    return {
        "files": len(files),
        "all_located": located == len(files),
        "located": located,
        "exit": run.returncode,
        "traceback": run.traceback,
        "problems": missing,
        "ok": located == len(files) and run.returncode == 1 and not run.traceback,
    }


def _cases(work: Path) -> None:
    """A paused case (no answers: exit 5) and a closed one, the originals every damaged copy starts from."""
    for which, stdin, want in (("paused", "", 5), ("closed", ANSWERS, 0)):
        scene = Scene(work / "cases" / which)
        done = sleuth(*scene.run_args(), home=scene.home, stdin=stdin, timeout=120)
        if done.returncode != want:
            raise RuntimeError(
                f"the {which} case did not end with {want}: rc {done.returncode} {done.stderr[-500:]}"
            )


def run_bad_inputs(quick: bool) -> dict[str, Any]:
    """The bad-inputs part: a JSON-able summary."""
    todo = [b for b in inputs() if not quick or b.name in QUICK]
    with tempfile.TemporaryDirectory(prefix="sleuth-inputs-") as tmp:
        work = Path(tmp)
        _cases(work)
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(lambda b: _check(b, work / "inputs"), todo))
        lint = None if quick else _lint_invalid(work)
    return {
        "ok": all(r["ok"] for r in results) and (lint is None or lint["ok"]),
        "inputs": len(results),
        "passed": sum(r["ok"] for r in results),
        "tracebacks": sum(r["traceback"] for r in results) + (1 if lint and lint["traceback"] else 0),
        "exit_70": sum(r["exit"] == 70 for r in results),
        "malformed_playbooks": lint,
        "failed": [r for r in results if not r["ok"]],
        "results": [{k: r[k] for k in ("input", "exit", "stderr_line", "traceback")} for r in results],
    }
