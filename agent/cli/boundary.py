"""The CLI boundary: library logging to a file, and any error reaching `sleuth` as one line and an exit code.

A traceback on the terminal tells an operator nothing they can act on and buries the message that would.
Libraries (paramiko's transport thread, langgraph, httpx) report through `logging`, whose last-resort
handler writes to stderr when nobody configured it; Python warnings and uncaught thread exceptions print
there too. All of it goes to `<data dir>/logs/sleuth.log` instead. An error nobody anticipated is one line
naming a crash report (the traceback only, mode 0600) that a maintainer can read.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from io import TextIOWrapper
from pathlib import Path

EXIT_INTERNAL = 70  # sysexits EX_SOFTWARE: a bug in sleuth; a crash report says where
EXIT_LOCAL_IO = 74  # sysexits EX_IOERR: this machine could not read or write a file (disk full, a path that
# is a file, a damaged database)

LOG_FILE = Path("logs") / "sleuth.log"
"""Where library warnings and errors go, relative to the data dir."""
CRASH_DIR = "crash"
"""Crash reports' folder, relative to the data dir."""
_MAX_MESSAGE = 300
"""An exception message is cut here on the terminal (the crash report keeps it whole)."""


class LocalIOError(Exception):
    """This machine could not write or read a file Sleuth needs (disk full, a database it cannot use)."""

    exit_code = EXIT_LOCAL_IO


class _LogFile(logging.FileHandler):
    """The data dir's log, created on the first record; a record that cannot be written is dropped."""

    def _open(self) -> TextIOWrapper:
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record; drop it when the log folder cannot be made (FileHandler opens unguarded)."""
        try:
            super().emit(record)
        except OSError:
            self.handleError(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        """Drop it: the default prints a traceback to stderr, the very thing this handler exists to stop."""


def configure_logging(data_dir: Path) -> None:
    """Send warnings and errors of every library (root logger), Python warnings and uncaught thread
    exceptions to the data dir's log; nothing is created until something is logged. Idempotent."""
    root = logging.getLogger()
    path = (data_dir / LOG_FILE).absolute()
    for handler in list(root.handlers):
        if isinstance(handler, _LogFile):
            if Path(handler.baseFilename) == path:
                return
            root.removeHandler(handler)
            handler.close()
    handler = _LogFile(path, encoding="utf-8", delay=True)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    logging.captureWarnings(True)
    threading.excepthook = _log_thread_exception


def _log_thread_exception(hook: threading.ExceptHookArgs) -> None:
    if hook.exc_type is SystemExit:
        return
    name = hook.thread.name if hook.thread is not None else "?"
    exc_info = (hook.exc_type, hook.exc_value or hook.exc_type(), hook.exc_traceback)
    logging.getLogger("sleuth.thread").error("uncaught exception in thread %s", name, exc_info=exc_info)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _is_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)
    return False


def disk_full(exc: BaseException, where: Path | None = None) -> str | None:
    """ "disk full while writing PATH" when `exc` (or what caused it) is ENOSPC or SQLite's SQLITE_FULL;
    PATH is the file the error names, else `where`; None for any other error."""
    for link in _chain(exc):
        if _is_full(link):
            named = getattr(link, "filename", None)
            path = named if named else (where if where is not None else "a file (the error names none)")
            return f"disk full while writing {path}"
    return None


@contextmanager
def writing_under(where: Path, *, database: Path | None = None) -> Iterator[None]:
    """Errors of a block that writes under `where` (a case dir) named by it: disk full, and a SQLite error
    as `DATABASE: problem` (the case's checkpoints file), instead of a message that names no file."""
    try:
        yield
    except Exception as exc:
        full = disk_full(exc, where)
        if full is not None:
            raise LocalIOError(full) from exc
        if isinstance(exc, sqlite3.DatabaseError):
            raise LocalIOError(f"{database or where}: {exc}") from exc
        raise


def one_line(text: str) -> str:
    """`text` on one printable line, cut to a terminal's worth (attacker text stays inert)."""
    flat = " ".join(text.split())
    flat = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in flat)
    return flat if len(flat) <= _MAX_MESSAGE else flat[: _MAX_MESSAGE - 1] + "…"


def describe_os_error(exc: OSError) -> str:
    """An OSError as `PATH: reason` (both paths for a rename), or its message when it names no file."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is None:
        return reason
    if exc.filename2 is not None:
        return f"{exc.filename} -> {exc.filename2}: {reason}"
    return f"{exc.filename}: {reason}"


def write_crash_report(exc: BaseException, data_dir: Path) -> Path | None:
    """Write the traceback (and only it: no locals, no environment, no argv) to a new mode-0600 file under
    the data dir's crash folder, or the temp dir when that cannot be written; None when neither can."""
    now = datetime.now(UTC)
    text = (
        f"sleuth crash report\ntime: {now.isoformat(timespec='seconds')}\n"
        f"python: {sys.version.split()[0]}\n\n" + "".join(traceback.format_exception(exc))
    )
    name = f"crash-{now.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}.txt"
    for folder in (data_dir / CRASH_DIR, Path(tempfile.gettempdir()) / "sleuth-crash"):
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = folder / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            return path
        except OSError:
            continue
    return None


def internal_error(exc: BaseException, data_dir: Path) -> str:
    """The one line for an error nobody anticipated, naming its crash report."""
    what = one_line(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
    report = write_crash_report(exc, data_dir)
    where = f"crash report written to {report}" if report else "no crash report could be written"
    return f"sleuth: internal error: {what}; {where}"
