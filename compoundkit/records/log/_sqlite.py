"""The SQLite backend: a record log in one file (the embedded default, one workstation).

One file in WAL mode (readers never block the writer), each append one ``BEGIN
IMMEDIATE`` transaction with ``synchronous=FULL``, so an entry is either fully committed
(and survives a crash or a killed process) or not there at all. Several processes may
append to the same file; they take turns (busy timeout, default 30 s). Creating the tables
and checking them is one ``BEGIN IMMEDIATE`` transaction, so processes opening a new log at
the same moment never see it half made. While a log is open, recent entries may live in
the ``-wal`` file next to it: copy or back up a log only when no process has it open (or
use ``compoundkit log copy`` or SQLite's backup API).
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import random
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final, Literal

from compoundkit.errors import LogStorageError
from compoundkit.records._canonical import GENESIS_HASH
from compoundkit.records.log._chain import Mode, RecordLog
from compoundkit.records.log._model import (
    APPLICATION_ID,
    LOG_FORMAT,
    LOG_SCHEMA_VERSION,
    decode_text,
    lot_keys,
)
from compoundkit.records.log._verify import CHUNK, Tx

__all__ = ["SqliteRecordLog"]

_SCHEMA: Final = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    """CREATE TABLE entries (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL,
        day TEXT NOT NULL,
        formula TEXT,
        lots TEXT NOT NULL,
        corrects TEXT REFERENCES entries(id),
        payload TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    "CREATE INDEX entries_day ON entries(day)",
    "CREATE INDEX entries_formula ON entries(formula)",
    "CREATE INDEX entries_kind ON entries(kind)",
    "CREATE INDEX entries_corrects ON entries(corrects)",
    """CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries
        BEGIN SELECT RAISE(ABORT, 'compoundkit record log entries are append-only'); END""",
    """CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON entries
        BEGIN SELECT RAISE(ABORT, 'compoundkit record log entries are append-only'); END""",
)
_LOT_INDEX: Final = (  # schema version 2
    """CREATE TABLE entry_lots (
        lot_key TEXT NOT NULL,
        seq INTEGER NOT NULL REFERENCES entries(seq),
        PRIMARY KEY (lot_key, seq)
    ) WITHOUT ROWID""",
    """CREATE TRIGGER entry_lots_append_only_update BEFORE UPDATE ON entry_lots
        BEGIN SELECT RAISE(ABORT, 'compoundkit record log entries are append-only'); END""",
    """CREATE TRIGGER entry_lots_append_only_delete BEFORE DELETE ON entry_lots
        BEGIN SELECT RAISE(ABORT, 'compoundkit record log entries are append-only'); END""",
)


def _writable(path: pathlib.Path) -> bool:
    """Writable by us *and* not marked read-only (no write bits, even for root)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return bool(mode & 0o222) and os.access(path, os.W_OK)


def _storage_error(exc: sqlite3.Error, path: pathlib.Path, action: str) -> LogStorageError:
    name = getattr(exc, "sqlite_errorname", None) or ""
    text = str(exc)
    if name.startswith("SQLITE_READONLY") or "readonly" in text or "read-only" in text:
        why = f"record log {path} is read-only ({text}); nothing was written"
    elif name == "SQLITE_FULL" or "disk is full" in text:
        why = f"disk full while writing record log {path} ({text}); nothing was written"
    elif name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text:
        why = f"record log {path} stayed locked by another process ({text}); nothing was written"
    elif name in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or "not a database" in text:
        why = f"{path} is not a readable SQLite database ({text})"
    else:
        why = f"cannot {action} record log {path}: {text}"
    return LogStorageError(why)


def _remove_if_empty(target: pathlib.Path) -> None:
    """Remove the log file this process failed to create (a full disk, say), if still empty.

    A file another process has meanwhile made into a log is not empty, so it stays.
    """
    with contextlib.suppress(OSError):
        if target.stat().st_size == 0:
            target.unlink()
            for suffix in ("-wal", "-shm", "-journal"):
                pathlib.Path(f"{target}{suffix}").unlink(missing_ok=True)


class _SqliteTx(Tx):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def all(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def one(self, sql: str, params: Sequence[object] = ()) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = self.conn.execute(sql, params).fetchone()
        return row

    def many(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        self.conn.executemany(sql, rows)

    def stream(self, sql: str, params: Sequence[object] = ()) -> Iterator[tuple[Any, ...]]:
        cursor = self.conn.execute(sql, params)
        try:
            while chunk := cursor.fetchmany(CHUNK):
                yield from chunk
        finally:
            cursor.close()

    def insert(self, table: str, columns: str, rows: Sequence[Sequence[object]]) -> None:
        marks = ", ".join("?" * (columns.count(",") + 1))
        self.conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


class SqliteRecordLog(RecordLog):
    """A record log in one SQLite file (see :class:`RecordLog`).

    ``path`` is the log file. A missing file is created (its directory must exist:
    directories are never created) unless ``create=False``. A directory, a file that is
    not SQLite, a SQLite database of another program or an unknown schema version raise
    :class:`LogStorageError`. A file or directory without write permission is opened
    read-only automatically, and appending then raises :class:`LogStorageError` without
    touching the file.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        readonly: bool = False,
        timeout: float = 30.0,
    ) -> None:
        self._conn: sqlite3.Connection | None = None
        self._file_checked = False
        raw = os.fspath(path)
        if not isinstance(raw, str) or not raw.strip() or "\x00" in raw:
            raise LogStorageError(f"record log path must be a file name, got {raw!r}")
        self._path = pathlib.Path(raw).absolute()
        self._location = str(self._path)
        self._timeout = timeout
        self._readonly = readonly
        target, parent = self._path, self._path.parent
        if target.is_dir():
            raise LogStorageError(
                f"record log path {target} is a directory; give a file such as "
                f"{target / 'records.db'}"
            )
        if not parent.is_dir():
            raise LogStorageError(
                f"cannot open record log {target}: directory {parent} does not exist "
                "(compoundkit does not create directories)"
            )
        immutable = False
        if target.exists():
            if not target.is_file():
                raise LogStorageError(f"record log path {target} is not a regular file")
            if not (_writable(target) and _writable(parent)):
                self._readonly = True
                # Without write access SQLite cannot create the -shm file a WAL reader
                # needs; a file nobody may write cannot change under us, so read it as
                # immutable (unless a -wal file holds entries not yet checkpointed).
                immutable = not pathlib.Path(f"{target}-wal").exists()
            mode = "ro" if self._readonly else "rw"
        else:
            if readonly or not create:
                raise LogStorageError(f"no record log at {target}")
            if not _writable(parent):
                raise LogStorageError(
                    f"cannot create record log {target}: directory {parent} is read-only"
                )
            mode = "rwc"
        uri = f"{target.as_uri()}?mode={mode}{'&immutable=1' if immutable else ''}"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise _storage_error(exc, target, "open") from None
        self._conn = conn
        try:
            conn.text_factory = decode_text
            self._open_schema(conn)
        except BaseException:
            self.close()
            if mode == "rwc":
                _remove_if_empty(target)
            raise

    # -- opening ------------------------------------------------------------------

    def _open_schema(self, conn: sqlite3.Connection) -> None:
        """Check the file, and create or upgrade its tables, in one transaction."""
        try:
            conn.execute("BEGIN" if self._readonly else "BEGIN IMMEDIATE")
            try:
                state = self._schema_state(conn)
                if state == "empty" and self._readonly:
                    raise LogStorageError(
                        f"{self._path} is empty, not a record log (opened read-only)"
                    )
                if state == "empty":
                    self._initialise(conn)
                elif state == "v1" and not self._readonly:
                    self._add_lot_index(conn)
                elif state == "v1":
                    self._lot_index = False
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            if not self._readonly:
                self._wal(conn)
                conn.execute("PRAGMA synchronous=FULL")
                # bulk appends touch many index pages: 64 MiB of cache, taken only as used
                conn.execute("PRAGMA cache_size=-65536")
                conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "not a database" not in str(exc):
                raise _storage_error(exc, self._path, "open") from None
            raise LogStorageError(
                f"{self._path} is not a SQLite database, so not a compoundkit record log ({exc})"
            ) from None
        except sqlite3.Error as exc:
            raise _storage_error(exc, self._path, "open") from None

    def _wal(self, conn: sqlite3.Connection) -> None:
        """Switch the file to WAL mode (once; it stays so), waiting for other openers.

        Changing the journal mode needs every other connection out of the way, and SQLite
        answers "database is locked" at once instead of waiting out the busy timeout, so
        processes opening a new log together retry here until the timeout.
        """
        deadline = time.monotonic() + self._timeout
        while conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            try:
                conn.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(random.uniform(0.001, 0.02))

    def _schema_state(self, conn: sqlite3.Connection) -> Literal["empty", "ok", "v1"]:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {
            row[0] for row in conn.execute("SELECT name FROM sqlite_schema WHERE type='table'")
        }
        if app_id == 0 and version == 0 and not tables:
            return "empty"
        if app_id != APPLICATION_ID:
            raise LogStorageError(
                f"{self._path} is a SQLite database but not a compoundkit record log "
                f"(application id {app_id:#x}, tables: {', '.join(sorted(tables)) or 'none'})"
            )
        if version not in (1, LOG_SCHEMA_VERSION):
            newer = "a newer compoundkit" if version > LOG_SCHEMA_VERSION else "an unknown writer"
            raise LogStorageError(
                f"record log {self._path} has schema version {version}, written by {newer}; "
                f"this compoundkit reads versions 1 and {LOG_SCHEMA_VERSION}"
            )
        needed = {"meta", "entries"} | ({"entry_lots"} if version == LOG_SCHEMA_VERSION else set())
        if not needed <= tables:
            raise LogStorageError(f"record log {self._path} is damaged: its tables are missing")
        return "ok" if version == LOG_SCHEMA_VERSION else "v1"

    def _initialise(self, conn: sqlite3.Connection) -> None:
        for statement in (*_SCHEMA, *_LOT_INDEX):
            conn.execute(statement)
        conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)",
            [
                ("format", LOG_FORMAT),
                ("genesis", GENESIS_HASH),
                ("head_seq", "0"),
                ("head_id", ""),
                ("head_hash", GENESIS_HASH),
            ],
        )
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {LOG_SCHEMA_VERSION}")

    def _add_lot_index(self, conn: sqlite3.Connection) -> None:
        """Upgrade a version 1 log: build the lot index from the entries' lots."""
        for statement in _LOT_INDEX:
            conn.execute(statement)
        reader = conn.execute("SELECT seq, lots FROM entries WHERE lots <> '[]' ORDER BY seq")
        while chunk := reader.fetchmany(CHUNK):
            conn.executemany(
                "INSERT OR IGNORE INTO entry_lots (lot_key, seq) VALUES (?, ?)",
                [
                    (key, seq)
                    for seq, lots in chunk
                    if isinstance(lots, str)
                    for key in lot_keys(lots)
                ],
            )
        conn.execute(f"PRAGMA user_version = {LOG_SCHEMA_VERSION}")

    # -- life cycle ---------------------------------------------------------------

    @property
    def path(self) -> pathlib.Path:
        """The log file (absolute)."""
        return self._path

    def _check_file(self, conn: sqlite3.Connection) -> None:
        """Before the first append: SQLite's quick check, so a damaged file is never extended."""
        found = [str(row[0]) for row in conn.execute("PRAGMA quick_check(5)")]
        if found != ["ok"]:
            raise LogStorageError(
                f"record log {self._path} is damaged (SQLite quick_check: {'; '.join(found)}); "
                "nothing was written; it stays readable: run 'compoundkit log verify' and "
                "restore it from a backup or a copy"
            )
        self._file_checked = True

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise LogStorageError(f"record log {self._path} is closed")
        return self._conn

    @contextlib.contextmanager
    def _session(self, mode: Mode, action: str) -> Iterator[Tx]:
        conn = self._db()
        try:
            if mode == "read":
                yield _SqliteTx(conn)
                return
            if mode == "write" and not self._file_checked:
                self._check_file(conn)
            # BEGIN IMMEDIATE takes the write lock first: appends from any number of
            # processes take turns, each reading the head it extends under the lock.
            conn.execute("BEGIN IMMEDIATE" if mode == "write" else "BEGIN")
            try:
                yield _SqliteTx(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise _storage_error(exc, self._path, action) from None
