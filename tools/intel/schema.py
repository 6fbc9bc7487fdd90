"""The intel store's SQLite schema, its version, metadata, and an explicit transaction helper."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from types import TracebackType

from tools.errors import IntelStoreError, InvalidToolArgsError

SCHEMA_VERSION = 1

_DDL = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sources ("
    " name TEXT PRIMARY KEY, file TEXT, format TEXT, imported_at TEXT NOT NULL)",
    # One row per (hash, source): a hash may be known to several feeds; re-imports upsert.
    "CREATE TABLE IF NOT EXISTS hashes ("
    " hash TEXT NOT NULL, hash_type TEXT NOT NULL CHECK (hash_type IN ('md5', 'sha1', 'sha256')),"
    " source TEXT NOT NULL, family TEXT, first_seen TEXT, reference TEXT, imported_at TEXT NOT NULL,"
    " PRIMARY KEY (hash, source)) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS hashes_by_source ON hashes (source, hash_type)",
)

_SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,99}")


def check_source_name(name: str) -> None:
    """Refuse source names that are empty, too long, or hold spaces or control characters."""
    if _SOURCE_NAME.fullmatch(name) is None:
        raise InvalidToolArgsError(
            f"invalid source name {name!r}: use 1-100 letters, digits or ._:@/+- "
            "(starting with a letter or digit)"
        )


def prepare(conn: sqlite3.Connection, path: Path) -> None:
    """Set pragmas, create the schema on a new store, refuse a store of another schema version."""
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        with Transaction(conn, path):
            for statement in _DDL:
                conn.execute(statement)
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None:
                conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif row[0] != str(SCHEMA_VERSION):
                raise IntelStoreError(
                    f"{path}: intel store schema version {row[0]}, this Sleuth reads version {SCHEMA_VERSION}"
                )
    except sqlite3.DatabaseError as exc:
        raise IntelStoreError(f"{path}: not a usable intel store: {exc}") from exc


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    """A metadata value, or None."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Set a metadata value (autocommit)."""
    conn.execute(
        "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value)
    )


class Transaction:
    """`BEGIN IMMEDIATE` ... `COMMIT`, rolled back on any exception; SQLite errors become IntelStoreError."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def __enter__(self) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise IntelStoreError(f"{self._path}: cannot write to the intel store: {exc}") from exc

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as commit_exc:
                self._conn.execute("ROLLBACK")
                raise IntelStoreError(f"{self._path}: commit failed: {commit_exc}") from commit_exc
            return
        self._conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise IntelStoreError(f"{self._path}: intel store write failed: {exc}") from exc
