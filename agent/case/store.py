"""Case directories under `data_dir()/cases/`: open, reopen, close and list cases."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from pydantic import BaseModel, ConfigDict, JsonValue

from agent.case.entry import LedgerEntry
from agent.case.errors import CaseError, CaseNotFoundError
from agent.case.evidence import EVIDENCE_DIR, EvidenceStore
from agent.case.fsutil import atomic_write, fsync_dir
from agent.case.ledger import LEDGER_FILE, Ledger
from agent.case.meta import META_FILE, CaseMeta, check_case_id, new_case_id, read_meta, write_meta
from agent.case.payloads import CaseClosed, CaseOpened, CaseSettings, ClosedStatus
from agent.case.tail import read_tail
from playbooks import CaseWindow
from tools.settings import data_dir

CHECKPOINTS_FILE = "checkpoints.sqlite"
REPORT_MD = "report.md"
REPORT_JSON = "report.json"


def default_cases_root() -> Path:
    """Where cases live unless told otherwise: `data_dir()/cases`."""
    return data_dir() / "cases"


class Case:
    """An open case: its directory, metadata, ledger (open for appending) and evidence store."""

    def __init__(self, case_dir: Path, meta: CaseMeta, ledger: Ledger) -> None:
        self.dir = case_dir
        self.meta = meta
        self.ledger = ledger
        self.evidence = EvidenceStore(case_dir / EVIDENCE_DIR)

    @property
    def id(self) -> str:
        """The case id."""
        return self.meta.id

    def close(self, status: ClosedStatus = "closed", *, actor: str, reason: str = "") -> CaseMeta:
        """Record case_closed, then store the ledger head in case.json (the graph records it through its
        journal and calls `mark_closed`; this is for cases closed outside a run)."""
        return self.mark_closed(self.ledger.append(CaseClosed(status=status, reason=reason), actor=actor))

    def mark_closed(self, closed: LedgerEntry) -> CaseMeta:
        """Store a recorded case_closed entry as the head in case.json (so a cut tail is detectable)."""
        self.meta = self.meta.model_copy(update={
            "status": closed.payload_as(CaseClosed).status, "closed_at": datetime.now(UTC),
            "head_seq": closed.seq, "head_hash": closed.hash,
        })
        write_meta(self.dir, self.meta)
        return self.meta

    def release(self) -> None:
        """Close the ledger file."""
        self.ledger.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


class CaseSummary(BaseModel):
    """One line of `sleuth cases`."""

    model_config = ConfigDict(frozen=True)

    id: str
    """The case id."""
    opened_at: datetime
    """When it was opened."""
    playbook_id: str
    """Its playbook."""
    target: str
    """Its target."""
    status: str
    """open, closed, aborted, failed; `damaged` when its files cannot be read."""
    entries: int
    """Ledger entries (the head seq)."""


class CaseStore:
    """The directory holding every case (an explicit `root` overrides `data_dir()/cases`)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_cases_root()

    def case_dir(self, case_ref: str) -> Path:
        """A case's directory, by id, or by path when `case_ref` contains '/' or starts with '.'."""
        if "/" in case_ref or case_ref.startswith("."):
            path = Path(case_ref)
        else:
            self._check_root()
            path = self.root / check_case_id(case_ref)
        if not (path / LEDGER_FILE).is_file():
            raise CaseNotFoundError(f"no case {case_ref!r} (looked for {path / LEDGER_FILE})")
        return path

    def _check_root(self) -> None:
        """Refuse a root that exists but is not a directory (`--case-dir` naming a file)."""
        if self.root.exists() and not self.root.is_dir():
            raise CaseError(f"{self.root} is not a directory: cases are kept in a directory")

    def create(self, *, playbook_id: str, target: str, actor: str, approver: str | None = None,
               inputs: dict[str, JsonValue] | None = None, case_id: str | None = None,
               window: CaseWindow | None = None, settings: CaseSettings | None = None,
               files: Mapping[str, bytes] | None = None) -> Case:
        """Create a case directory and record case_opened as the ledger's first entry.

        `files` (e.g. run.json) are written, durably, before the ledger: a case whose ledger exists has them,
        so a process killed just after case_opened leaves a case that resumes.
        """
        self._check_root()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            for _ in range(5):
                cid = check_case_id(case_id) if case_id else new_case_id()
                case_dir = self.root / cid
                try:
                    case_dir.mkdir()
                    break
                except FileExistsError:
                    if case_id:
                        raise CaseError(f"case {case_id!r} already exists in {self.root}") from None
            else:
                raise CaseError(f"could not find a free case id in {self.root}")
            (case_dir / EVIDENCE_DIR).mkdir()
            fsync_dir(self.root)
            meta = CaseMeta(id=cid, playbook_id=playbook_id, target=target, opened_at=datetime.now(UTC),
                            approver=approver)
            write_meta(case_dir, meta)
            for name, content in (files or {}).items():
                atomic_write(case_dir / name, content)
        except OSError as exc:  # a full disk, a read-only or unwritable root, a file in the way
            raise CaseError(f"cannot create a case in {self.root}: {exc.strerror or exc}") from exc
        ledger = Ledger.open(case_dir / LEDGER_FILE, cid, create=True)
        case = Case(case_dir, meta, ledger)
        ledger.append(CaseOpened(playbook_id=playbook_id, target=target, approver=approver,
                               inputs=inputs or {}, window=window, settings=settings), actor=actor)
        return case

    def open(self, case_ref: str) -> Case:
        """Reopen an existing case for appending (check `case.ledger.torn` before going on)."""
        case_dir = self.case_dir(case_ref)
        meta = read_meta(case_dir)
        return Case(case_dir, meta, Ledger.open(case_dir / LEDGER_FILE, meta.id))

    def summaries(self) -> list[CaseSummary]:
        """Every case under the root, oldest first (ids sort by time)."""
        self._check_root()
        if not self.root.is_dir():
            return []
        out: list[CaseSummary] = []
        for case_dir in sorted(p for p in self.root.iterdir() if (p / META_FILE).is_file()):
            out.append(_summary(case_dir))
        return out


def _summary(case_dir: Path) -> CaseSummary:
    try:
        meta = read_meta(case_dir)
    except CaseError:
        return CaseSummary(id=case_dir.name, opened_at=datetime.fromtimestamp(0, UTC), playbook_id="?",
                           target="?", status="damaged", entries=0)
    try:
        with (case_dir / LEDGER_FILE).open("rb") as fh:
            entries = read_tail(fh.fileno(), (case_dir / LEDGER_FILE).stat().st_size).seq
        status: str = meta.status
    except (OSError, CaseError):
        entries, status = 0, "damaged"
    return CaseSummary(id=meta.id, opened_at=meta.opened_at, playbook_id=meta.playbook_id,
                       target=meta.target, status=status, entries=entries)
