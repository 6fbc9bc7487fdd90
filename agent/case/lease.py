"""The case lease: one process drives a case at a time (`sleuth run`, `sleuth resume`, the TUI).

The ledger locks each append, but two drivers of one case would each decide the same proposal and run the
same approval. So the driver holds an exclusive, non-blocking `flock` on `<case>/lease` for its whole run
and writes who it is into the file; a second driver is refused with that holder named. The lock belongs to
the open file: it goes with the process however it ends (a SIGKILL included), so a lease whose holder died
is free and simply taken over, whatever the file still says. Readers (`sleuth report`, `audit verify`,
`sleuth cases`) never take it. The file is never deleted: unlinking a locked file would let a third
process lock a new file of the same name while the second still holds the old one.
"""

from __future__ import annotations

import errno
import fcntl
import getpass
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationError

from agent.case.errors import CaseError, CaseLockedError, inert

LEASE_FILE = "lease"
_MAX_READ = 4096  # a holder record is ~200 bytes; never read more of a file anyone could have filled


class LeaseHolder(BaseModel):
    """Who holds a case's lease, as written into the lease file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pid: int
    """The driving process."""
    host: str
    """The machine it runs on."""
    user: str
    """The account it runs as."""
    command: str
    """What drives the case (`sleuth run`, `sleuth resume`, `sleuth tui`)."""
    since: datetime
    """When it took the lease (UTC)."""

    @classmethod
    def this_process(cls, command: str) -> LeaseHolder:
        """The holder record of the calling process."""
        return cls(pid=os.getpid(), host=socket.gethostname(), user=getpass.getuser(), command=command,
                   since=datetime.now(UTC).replace(microsecond=0))


def _refusal(case_dir: Path, holder: LeaseHolder | None) -> str:
    if holder is None:
        return (f"case {case_dir.name} is being driven by another process (it has not written who it is "
                f"yet); wait for it or stop it")
    since = holder.since.isoformat().replace("+00:00", "Z")
    return (f"case {case_dir.name} is being driven by pid {holder.pid} on host {inert(holder.host)} "
            f"(user {inert(holder.user)}, `{inert(holder.command)}`, since {since}); "
            "wait for it or stop it")


def read_holder(case_dir: Path) -> LeaseHolder | None:
    """What the lease file says (None when empty, missing or unreadable); it may name a dead process."""
    try:
        with (case_dir / LEASE_FILE).open("rb") as fh:
            raw = fh.read(_MAX_READ)
    except OSError:
        return None
    try:
        return LeaseHolder.model_validate_json(raw) if raw.strip() else None
    except ValidationError:
        return None


class CaseLease:
    """A held lease on one case; release it (or use `with`) when the run ends."""

    def __init__(self, case_dir: Path, fd: int, holder: LeaseHolder) -> None:
        self.case_dir = case_dir
        self.holder = holder
        self._fd = fd

    @classmethod
    def acquire(cls, case_dir: Path, *, command: str) -> Self:
        """Take the case's lease or raise CaseLockedError naming its live holder; never waits."""
        path = case_dir / LEASE_FILE
        try:
            # O_CLOEXEC: a tool's child process must not inherit (and outlive us holding) the lock.
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            raise CaseError(f"case {case_dir.name}: cannot open {path}: {exc.strerror}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                raise CaseLockedError(_refusal(case_dir, read_holder(case_dir))) from None
            raise CaseError(f"case {case_dir.name}: cannot lock {path}: {exc.strerror}") from exc
        holder = LeaseHolder.this_process(command)
        try:
            # Whatever a dead holder left is overwritten: the lock, not the file's content, is the lease.
            os.ftruncate(fd, 0)
            os.pwrite(fd, holder.model_dump_json().encode() + b"\n", 0)
        except OSError as exc:
            os.close(fd)
            raise CaseError(f"case {case_dir.name}: cannot write {path}: {exc.strerror}") from exc
        return cls(case_dir, fd, holder)

    @property
    def held(self) -> bool:
        """True until released."""
        return self._fd >= 0

    def release(self) -> None:
        """Empty the lease file and unlock it (idempotent); closing the file is what frees the lock."""
        if self._fd < 0:
            return
        fd, self._fd = self._fd, -1
        try:
            os.ftruncate(fd, 0)  # a reader must not take a finished run for a live one
        except OSError:
            pass  # the lock goes with the close below; a stale record only names a process that is gone
        finally:
            os.close(fd)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


@contextmanager
def held_while_building(lease: CaseLease, *undo: Callable[[], None]) -> Iterator[CaseLease]:
    """The lease while a session is put together: when that fails, `undo` (close the case) and release."""
    try:
        yield lease
    except BaseException:
        try:
            for step in undo:
                step()
        finally:
            lease.release()
        raise
