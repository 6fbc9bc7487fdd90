"""The case store's error tree: shallow, one docstring line each."""

from __future__ import annotations

from pydantic import ValidationError


class CaseError(Exception):
    """The case store could not do what was asked; the message is meant for a responder."""


class CaseNotFoundError(CaseError):
    """No case with that id (or at that path) exists."""


class CaseLockedError(CaseError):
    """Another live process is driving the case (it holds the case's lease)."""


class LedgerError(CaseError):
    """The ledger could not be read or appended to."""


class LedgerTornError(LedgerError):
    """The ledger's last line is a partial write (a crash mid-append); it must be repaired first."""


class LedgerCorruptError(LedgerError):
    """The ledger's tail does not hash to what it claims: appending would extend a broken chain."""


class EvidenceError(CaseError):
    """An evidence blob is missing or its content does not hash to its name."""


class SignatureError(CaseError):
    """A key or signature file is malformed, or a signature could not be made."""


class CaseIntegrityError(CaseError):
    """The case's files disagree with its ledger or cannot be read (tampered or corrupted): nothing runs."""


class ExecutionRefusedError(CaseIntegrityError):
    """An execution about to run is not the one its recorded decision approved."""


def inert(text: str, limit: int = 200) -> str:
    """`text` as one inert line for a message: unprintable characters escaped, at most `limit` long.

    Messages quote what case files say (a lease holder, a checkpoint's step ids), and a case directory may be
    writable by someone other than the responder reading the message.
    """
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)[:limit]


def first_problem(exc: ValidationError) -> str:
    """A file's first validation error as one phrase: where in the document (or `file`), then what."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "file"
    return f"{where}: {err['msg']}"
