"""Part 4: alter a closed case's ledger, evidence and reports in many ways; count what `audit verify` catches.

Ways: a byte flipped at four places of every line; every line deleted, duplicated, swapped with the next;
the file cut after every line (a lost tail) and mid-line; a finding's value rewritten with that entry's
hash recomputed (the next entry's `prev` still names the old one); every evidence blob and both reports
altered by one byte. Every one of these must be caught. Also tried, and reported apart because no
unsigned ledger can catch it (README: a signature is the anchor for that): a finding rewritten with the
whole chain after it re-hashed and case.json's head rewritten to match.

Verification runs in this process (`agent.case.verify.verify`, a few ms each instead of a 2 s start-up);
one tamper of each way is also run through `sleuth audit verify`, which must agree.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.campaign.common import only_case, sleuth
from tests.campaign.kills import ANSWERS, Scene

Ledger = list[bytes]
"""The ledger's lines, each with its newline."""
Tamper = tuple[str, str, Callable[[Path], None]]
"""(way, label, a function altering a copy of the case directory)."""


def _canonical(obj: Any) -> bytes:
    """The ledger's canonical JSON form, as agent/case/canonical.py documents it."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def _rehash(entry: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return {**body, "hash": hashlib.sha256(_canonical(body)).hexdigest()}


def _write(case: Path, lines: Ledger) -> None:
    (case / "ledger.jsonl").write_bytes(b"".join(lines))


def _ledger_edit(edit: Callable[[Ledger], Ledger]) -> Callable[[Path], None]:
    def apply(case: Path) -> None:
        _write(case, edit((case / "ledger.jsonl").read_bytes().splitlines(keepends=True)))

    return apply


def _flip(i: int, pos: int) -> Callable[[Ledger], Ledger]:
    def edit(lines: Ledger) -> Ledger:
        line = bytearray(lines[i])
        line[pos] ^= 0x01
        return [*lines[:i], bytes(line), *lines[i + 1 :]]

    return edit


def _reorder(i: int, then: list[int]) -> Callable[[Ledger], Ledger]:
    """Keep lines before i, then the lines at `then` (the last one: from there to the end)."""

    def edit(lines: Ledger) -> Ledger:
        picked = [lines[j] for j in then[:-1]] + (lines[then[-1] :] if then else [])
        return lines[:i] + picked

    return edit


def _torn(lines: Ledger) -> Ledger:
    return [*lines[:-1], lines[-1][: len(lines[-1]) // 2]]


def _flip_file(path: str) -> Callable[[Path], None]:
    def apply(case: Path) -> None:
        data = bytearray((case / path).read_bytes())
        data[len(data) // 2] ^= 0x01
        (case / path).write_bytes(bytes(data))

    return apply


def _rewrite_finding(i: int, rechain: bool) -> Callable[[Path], None]:
    """Change finding line i's value and re-hash it (and, with rechain, every later entry and case.json)."""

    def apply(case: Path) -> None:
        entries = [json.loads(line) for line in (case / "ledger.jsonl").read_bytes().splitlines()]
        entries[i]["data"]["value"] = f"{entries[i]['data']['value']}-rewritten"
        entries[i] = _rehash(entries[i])
        for j in range(i + 1, len(entries) if rechain else i + 1):
            entries[j] = _rehash({**entries[j], "prev": entries[j - 1]["hash"]})
        _write(case, [_canonical(e) + b"\n" for e in entries])
        if rechain:
            meta = json.loads((case / "case.json").read_text(encoding="utf-8"))
            meta["head_hash"] = entries[-1]["hash"]
            (case / "case.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    return apply


def tampers(case: Path) -> Iterator[Tamper]:
    """Every way of altering this case that verify must catch."""
    lines = (case / "ledger.jsonl").read_bytes().splitlines(keepends=True)
    n = len(lines)
    for i, line in enumerate(lines):
        for k in range(4):
            pos = (len(line) - 1) * (2 * k + 1) // 8  # four places spread over the line, never its newline
            yield "flip_byte", f"line {i + 1} byte {pos}", _ledger_edit(_flip(i, pos))
        yield "delete_line", f"line {i + 1}", _ledger_edit(_reorder(i, [i + 1]))
        yield "duplicate_line", f"line {i + 1}", _ledger_edit(_reorder(i, [i, i, i + 1]))
        if i + 1 < n:
            yield "swap_lines", f"lines {i + 1},{i + 2}", _ledger_edit(_reorder(i, [i + 1, i, i + 2]))
            yield "cut_tail", f"after line {i + 1}", _ledger_edit(_reorder(i + 1, []))
    yield "cut_mid_line", f"line {n}", _ledger_edit(_torn)
    for i, line in enumerate(lines):
        if json.loads(line)["kind"] == "finding":
            yield "rewrite_finding_rehashed", f"line {i + 1}", _rewrite_finding(i, rechain=False)
    for blob in sorted(p.name for p in (case / "evidence").iterdir() if p.is_file()):
        yield "evidence_altered", blob[:12], _flip_file(f"evidence/{blob}")
    for report in ("report.md", "report.json"):
        yield "report_altered", report, _flip_file(report)


def by_design(case: Path) -> Iterator[Tamper]:
    """Alterations an unsigned ledger cannot reveal: the chain re-hashed after a rewritten finding."""
    lines = (case / "ledger.jsonl").read_bytes().splitlines()
    findings = [i for i, line in enumerate(lines) if json.loads(line)["kind"] == "finding"]
    for i in findings[:: max(1, len(findings) // 4)]:
        yield "rewrite_and_rechain", f"line {i + 1}", _rewrite_finding(i, rechain=True)


def _caught(original: Path, work: Path, tamper: Tamper) -> bool:
    from agent.case.verify import verify  # the one product import of this part (see the module docstring)

    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(original, work)
    tamper[2](work)
    return not verify(work).ok


def run_tamper(quick: bool) -> dict[str, Any]:
    """The tampering part: a JSON-able summary."""
    with tempfile.TemporaryDirectory(prefix="sleuth-tamper-") as tmp:
        scene = Scene(Path(tmp) / "case")
        done = sleuth(*scene.run_args(), home=scene.home, stdin=ANSWERS, timeout=120)
        case = only_case(scene.cases)
        if done.returncode != 0 or case is None:
            return {"ok": False, "error": f"the case to tamper with did not close: rc {done.returncode}"}
        work = Path(tmp) / "cases" / case.name
        todo = list(tampers(case))[:: 10 if quick else 1]
        ways: dict[str, dict[str, Any]] = {}
        for tamper in todo:
            way = ways.setdefault(tamper[0], {"tried": 0, "caught": 0, "missed": []})
            way["tried"] += 1
            if _caught(case, work, tamper):
                way["caught"] += 1
            else:
                way["missed"].append(tamper[1])
        sample = list({t[0]: t for t in todo}.values())
        cli = _cli_agrees(case, work, sample[:3] if quick else sample)
        design = [(t[1], _caught(case, work, t)) for t in by_design(case)]
    tried = sum(w["tried"] for w in ways.values())
    caught = sum(w["caught"] for w in ways.values())
    return {
        "ok": tried > 0 and caught == tried and cli["agrees"],
        "tried": tried,
        "caught": caught,
        "ways": ways,
        "cli_cross_check": cli,
        "unsigned_rechain_caught": {
            "tried": len(design),
            "caught": sum(c for _, c in design),
            "note": "a ledger re-hashed end to end with case.json rewritten; "
            "only a signature (audit sign, --public-key) can reveal it",
        },
    }


def _cli_agrees(original: Path, work: Path, sample: Any) -> dict[str, Any]:
    """One tamper of each way through `sleuth audit verify` (exit 1 when caught)."""
    disagree: list[str] = []
    count = 0
    for tamper in sample:
        inproc = _caught(original, work, tamper)
        run = sleuth("audit", "verify", str(work), home=work.parent.parent / "home")
        count += 1
        if (run.returncode == 1) != inproc or run.traceback:
            disagree.append(f"{tamper[0]} {tamper[1]}: cli rc {run.returncode}, in-process caught {inproc}")
    return {"runs": count, "agrees": not disagree, "disagreements": disagree}
