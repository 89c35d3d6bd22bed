"""The tamper-evident, append-only record log (SQLite, one file).

Every entry stores its content as canonical JSON and the SHA-256 of (the previous
entry's hash + that JSON), so :meth:`RecordLog.verify` finds any entry that was edited,
deleted, reordered or slipped in out of chain, and names the first one. Corrections are
new entries that point at the entry they correct (``corrects=``); nothing is ever
updated or deleted.

Storage: one SQLite file in WAL mode (readers never block the writer), each append one
``BEGIN IMMEDIATE`` transaction with ``synchronous=FULL``, so an entry is either fully
committed (and survives a crash or a killed process) or not there at all. Several
processes may append to the same file; they take turns (busy timeout, default 30 s).
While a log is open, recent entries may live in the ``-wal`` file next to it: copy or
back up a log only when no process has it open (or use SQLite's backup API).

What the hash chain can and cannot show: it detects changes made to the file by anyone
who does not recompute every later hash. Someone who rewrites the whole chain produces a
log that verifies; to catch that, keep :meth:`RecordLog.head` (entry count and last
hash) somewhere else, e.g. printed on a signed report, and compare it later.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp:
...     with RecordLog(pathlib.Path(tmp) / "records.db") as log:
...         first = log.append("compounding-record", {"rx": "RX-1"}, formula="cream",
...                            lots=["K7"])
...         fix = log.append("correction", {"rx": "RX-1", "note": "yield 118 g"},
...                          corrects=first.id)
...         ([e.kind for e in log.find(lot="K7")], log.verify().ok, len(log))
(['compounding-record'], True, 2)
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import pathlib
import re
import secrets
import sqlite3
import types
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, Literal, NamedTuple

from attrs import field, frozen

from compoundkit.errors import (
    CompoundkitError,
    LogIntegrityError,
    LogStorageError,
    RecordError,
)
from compoundkit.records._canonical import GENESIS_HASH, canonical_json, entry_hash, is_canonical

__all__ = [
    "APPLICATION_ID",
    "GENESIS_HASH",
    "LOG_SCHEMA_VERSION",
    "MAX_PAYLOAD_BYTES",
    "BadEntry",
    "LogEntry",
    "RecordLog",
    "UnknownEntryError",
    "VerifyReport",
]

LOG_SCHEMA_VERSION: Final = 1
"""Stored as ``PRAGMA user_version``; other versions are refused."""
APPLICATION_ID: Final = 0x434B4C47
"""``PRAGMA application_id`` of a compoundkit record log ("CKLG")."""
MAX_PAYLOAD_BYTES: Final = 4 * 1024 * 1024
"""Largest canonical payload one entry may hold (UTF-8 bytes)."""
_MAX_NAME: Final = 200
_KIND_RE: Final = re.compile(r"[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*")
_ID_RE: Final = re.compile(r"R(\d{6,})-[0-9a-f]{8}")
_CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f]")

Reason = Literal["edited", "deleted", "reordered", "out-of-chain"]

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
_COLUMNS: Final = (
    "seq, id, kind, created_at, day, formula, lots, corrects, payload, prev_hash, hash"
)


class UnknownEntryError(CompoundkitError, LookupError):
    """No entry in the record log has this id."""

    def __init__(self, entry_id: object, path: object) -> None:
        self.entry_id = entry_id
        super().__init__(f"no entry {entry_id!r} in record log {path}")

    def __str__(self) -> str:  # LookupError would otherwise repr() the message
        return str(self.args[0])


class _BadText(bytes):
    """A stored text column that is not valid UTF-8 (the file was altered)."""


def _decode(raw: bytes) -> str | _BadText:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return _BadText(raw)


# --------------------------------------------------------------------------- models


@frozen
class LogEntry:
    """One committed entry of a record log."""

    seq: int
    """Position in the log, 1, 2, 3..."""
    id: str
    """``R<seq, 6+ digits>-<8 random hex>``, e.g. ``R000042-1f3a9c0e``."""
    kind: str
    """What the entry records, e.g. ``"compounding-record"`` or ``"correction"``."""
    created_at: _dt.datetime
    """When it was appended (UTC, microseconds)."""
    day: _dt.date
    """The calendar day the entry is about (date queries use it)."""
    formula: str | None
    lots: tuple[str, ...]
    """Ingredient lot numbers the entry involves (recall queries use them)."""
    corrects: str | None
    """Id of the entry this one corrects, if any."""
    payload: Mapping[str, Any] = field(hash=False)
    """The logged content (read-only view)."""
    prev_hash: str
    hash: str

    @property
    def payload_json(self) -> str:
        """The payload's canonical JSON, exactly as stored and hashed."""
        return canonical_json(dict(self.payload))


class BadEntry(NamedTuple):
    """The first entry at which a log's hash chain breaks."""

    seq: int
    id: str
    reason: Reason
    """``edited`` (content does not match its hash), ``deleted`` (entries missing),
    ``reordered`` (an entry stored at another position than it was made at), or
    ``out-of-chain`` (an entry not appended through the chain)."""


@frozen
class VerifyReport:
    """The result of :meth:`RecordLog.verify`."""

    path: str
    count: int
    """Entries present in the log."""
    first_bad: BadEntry | None
    detail: str = ""
    """What is wrong at ``first_bad``, in words ("" when the log is intact)."""
    head_hash: str = GENESIS_HASH
    """The hash of the last entry (print it on reports to anchor the log)."""

    @property
    def ok(self) -> bool:
        """True when every entry matches its hash and the chain is complete."""
        return self.first_bad is None

    def raise_if_broken(self) -> None:
        """Raise :class:`LogIntegrityError` naming the first bad entry, if any."""
        if self.first_bad is not None:
            raise LogIntegrityError(str(self))

    def __str__(self) -> str:
        if self.first_bad is None:
            noun = "entry" if self.count == 1 else "entries"
            return f"record log {self.path}: intact, {self.count} {noun}, head {self.head_hash}"
        seq, entry_id, reason = self.first_bad
        return (
            f"record log {self.path}: chain broken at entry #{seq} {entry_id}: {reason}: "
            f"{self.detail}"
        )


class _Row(NamedTuple):
    seq: Any
    id: Any
    kind: Any
    created_at: Any
    day: Any
    formula: Any
    lots: Any
    corrects: Any
    payload: Any
    prev_hash: Any
    hash: Any

    def content(self, seq: int) -> dict[str, Any]:
        """What the entry's hash covers (everything but the hashes), as parsed values.

        Only for rows whose columns have been checked to be text (see _row_problem).
        """
        return {
            "id": self.id,
            "seq": seq,
            "kind": self.kind,
            "created_at": self.created_at,
            "day": self.day,
            "formula": self.formula,
            "lots": json.loads(self.lots),
            "corrects": self.corrects,
            "payload": json.loads(self.payload),
        }

    def label(self) -> str:
        return self.id if isinstance(self.id, str) else repr(self.id)


def _row_problem(row: _Row) -> tuple[Reason, str] | None:
    """Why a stored row does not match its own hash, or None when it does."""
    text_columns = ("id", "kind", "created_at", "day", "lots", "payload", "prev_hash", "hash")
    for name in text_columns:
        if not isinstance(getattr(row, name), str):
            return "edited", f"column {name} is not valid text"
    for name in ("formula", "corrects"):
        if getattr(row, name) is not None and not isinstance(getattr(row, name), str):
            return "edited", f"column {name} is not valid text"
    for name in ("payload", "lots"):
        if not is_canonical(getattr(row, name)):
            return "edited", f"stored {name} is not the canonical JSON compoundkit wrote"
    assert isinstance(row.prev_hash, str)
    if entry_hash(row.prev_hash, row.content(row.seq)) == row.hash:
        return None
    made_at = _ID_RE.fullmatch(row.id) if isinstance(row.id, str) else None
    if made_at is not None and int(made_at.group(1)) != row.seq:
        other = int(made_at.group(1))
        if entry_hash(row.prev_hash, row.content(other)) == row.hash:
            return "reordered", f"entry made as #{other} is stored at #{row.seq}"
    return "edited", "content does not match its hash (changed after it was written)"


# --------------------------------------------------------------------------- the log


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


class RecordLog:
    """An append-only, hash-chained log of records in one SQLite file.

    ``path`` is the log file. A missing file is created (its directory must exist:
    directories are never created) unless ``create=False``. A directory, a file that is
    not SQLite, a SQLite database of another program or an unknown schema version raise
    :class:`LogStorageError`. ``readonly=True`` opens for reading only; a file or
    directory without write permission is opened that way automatically, and appending
    then raises :class:`LogStorageError` without touching the file.

    Use it as a context manager (or call :meth:`close`). One ``RecordLog`` belongs to the
    thread that opened it; open one per thread or process.
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
        raw = os.fspath(path)
        if not isinstance(raw, str) or not raw.strip() or "\x00" in raw:
            raise LogStorageError(f"record log path must be a file name, got {raw!r}")
        self._path = pathlib.Path(raw).absolute()
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
            conn.text_factory = _decode
            self._open_schema(conn)
        except BaseException:
            self.close()
            raise

    # -- opening ------------------------------------------------------------------

    def _open_schema(self, conn: sqlite3.Connection) -> None:
        try:
            state = self._schema_state(conn)
            if state == "empty":
                if self._readonly:
                    raise LogStorageError(
                        f"{self._path} is empty, not a record log (opened read-only)"
                    )
                self._initialise(conn)
            if not self._readonly:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            raise _storage_error(exc, self._path, "open") from None

    def _schema_state(self, conn: sqlite3.Connection) -> Literal["empty", "ok"]:
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            tables = {
                row[0] for row in conn.execute("SELECT name FROM sqlite_schema WHERE type='table'")
            }
        except sqlite3.DatabaseError as exc:
            raise LogStorageError(
                f"{self._path} is not a SQLite database, so not a compoundkit record log ({exc})"
            ) from None
        if app_id == 0 and version == 0 and not tables:
            return "empty"
        if app_id != APPLICATION_ID:
            raise LogStorageError(
                f"{self._path} is a SQLite database but not a compoundkit record log "
                f"(application id {app_id:#x}, tables: {', '.join(sorted(tables)) or 'none'})"
            )
        if version != LOG_SCHEMA_VERSION:
            newer = "a newer compoundkit" if version > LOG_SCHEMA_VERSION else "an unknown writer"
            raise LogStorageError(
                f"record log {self._path} has schema version {version}, written by {newer}; "
                f"this compoundkit reads version {LOG_SCHEMA_VERSION} only"
            )
        if not {"meta", "entries"} <= tables:
            raise LogStorageError(f"record log {self._path} is damaged: its tables are missing")
        return "ok"

    def _initialise(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            if self._schema_state(conn) == "empty":  # another process may have won the race
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [
                        ("format", "compoundkit record log"),
                        ("genesis", GENESIS_HASH),
                        ("head_seq", "0"),
                        ("head_id", ""),
                        ("head_hash", GENESIS_HASH),
                    ],
                )
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version = {LOG_SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # -- life cycle ---------------------------------------------------------------

    @property
    def path(self) -> pathlib.Path:
        """The log file (absolute)."""
        return self._path

    @property
    def readonly(self) -> bool:
        """True when the log was opened (or had to be opened) for reading only."""
        return self._readonly

    @property
    def closed(self) -> bool:
        return self._conn is None

    def close(self) -> None:
        """Close the database connection (idempotent)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def __enter__(self) -> RecordLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else ("read-only" if self._readonly else "open")
        return f"RecordLog({str(self._path)!r}, {state})"

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise LogStorageError(f"record log {self._path} is closed")
        return self._conn

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[_Row]:
        try:
            return [_Row(*row) for row in self._db().execute(sql, params)]
        except sqlite3.Error as exc:
            raise _storage_error(exc, self._path, "read") from None

    # -- writing ------------------------------------------------------------------

    def append(
        self,
        kind: str,
        payload: Mapping[str, Any],
        *,
        corrects: str | None = None,
        formula: str | None = None,
        lots: Iterable[str] = (),
        on: _dt.date | None = None,
    ) -> LogEntry:
        """Append one entry in one transaction and return it as committed.

        ``kind`` is a short lower-case word (``compounding-record``, ``mfr``,
        ``correction``...). ``payload`` is any JSON-compatible mapping (text keys; text,
        numbers, booleans, None, lists, objects); anything else is a :class:`RecordError`
        naming the field. ``corrects`` must be the id of an existing entry.
        ``formula`` and ``lots`` are indexed for :meth:`find`. ``on`` is the day the
        entry is about (e.g. the compounding day; default: today, local time).
        """
        conn = self._db()
        if self._readonly:
            raise LogStorageError(
                f"record log {self._path} is read-only (opened read-only, or the file or its "
                "directory is not writable); nothing was written"
            )
        kind = _check_kind(kind)
        if not isinstance(payload, Mapping):
            raise RecordError(f"payload must be a mapping, got {type(payload).__name__}")
        payload_text = canonical_json(payload)
        if len(payload_text.encode("utf-8")) > MAX_PAYLOAD_BYTES:
            raise RecordError(f"payload is larger than {MAX_PAYLOAD_BYTES} bytes")
        formula = _check_name("formula", formula)
        lot_list = _check_lots(lots)
        if corrects is not None and not isinstance(corrects, str):
            raise RecordError(f"corrects must be an entry id, got {corrects!r}")
        if on is None:
            on = _dt.date.today()
        elif isinstance(on, _dt.datetime) or not isinstance(on, _dt.date):
            raise RecordError(f"on must be a datetime.date, got {on!r}")
        created_at = _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")
        created_at = created_at.replace("+00:00", "Z")
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._append_locked(
                    conn, kind, payload_text, corrects, formula, lot_list, on, created_at
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise _storage_error(exc, self._path, "append to") from None
        return self._entry(row)

    def _append_locked(
        self,
        conn: sqlite3.Connection,
        kind: str,
        payload_text: str,
        corrects: str | None,
        formula: str | None,
        lots: list[str],
        on: _dt.date,
        created_at: str,
    ) -> _Row:
        last = conn.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        head = dict(conn.execute("SELECT key, value FROM meta WHERE key LIKE 'head_%'"))
        last_seq, prev_hash = (0, GENESIS_HASH) if last is None else last
        if (str(last_seq), prev_hash) != (head.get("head_seq"), head.get("head_hash")):
            raise LogIntegrityError(
                f"record log {self._path} does not end where its head says (entry "
                f"#{head.get('head_seq')}): it was altered; run verify() before appending"
            )
        if corrects is not None and (
            conn.execute("SELECT 1 FROM entries WHERE id = ?", (corrects,)).fetchone() is None
        ):
            raise UnknownEntryError(corrects, self._path)
        seq = int(last_seq) + 1
        entry_id = f"R{seq:06d}-{secrets.token_hex(4)}"
        row = _Row(
            seq,
            entry_id,
            kind,
            created_at,
            on.isoformat(),
            formula,
            canonical_json(lots, what="lots"),
            corrects,
            payload_text,
            prev_hash,
            "",
        )
        row = row._replace(hash=entry_hash(prev_hash, row.content(seq)))
        conn.execute(f"INSERT INTO entries ({_COLUMNS}) VALUES ({', '.join('?' * 11)})", row)
        conn.executemany(
            "UPDATE meta SET value = ? WHERE key = ?",
            [(str(seq), "head_seq"), (entry_id, "head_id"), (row.hash, "head_hash")],
        )
        return row

    # -- reading ------------------------------------------------------------------

    def _entry(self, row: _Row) -> LogEntry:
        problem = _row_problem(row)
        if problem is not None:
            raise LogIntegrityError(
                f"record log {self._path}: entry #{row.seq} {row.label()} is {problem[0]} "
                f"({problem[1]}); run verify()"
            )
        content = row.content(row.seq)
        return LogEntry(
            seq=int(row.seq),
            id=str(row.id),
            kind=str(row.kind),
            created_at=_dt.datetime.fromisoformat(row.created_at),
            day=_dt.date.fromisoformat(row.day),
            formula=content["formula"],
            lots=tuple(content["lots"]),
            corrects=content["corrects"],
            payload=types.MappingProxyType(content["payload"]),
            prev_hash=str(row.prev_hash),
            hash=str(row.hash),
        )

    def entries(self) -> list[LogEntry]:
        """All entries in order. An entry that no longer matches its hash raises
        :class:`LogIntegrityError` (use :meth:`verify` to inspect a damaged log)."""
        return [self._entry(r) for r in self._query(f"SELECT {_COLUMNS} FROM entries ORDER BY seq")]

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        try:
            count = self._db().execute("SELECT count(*) FROM entries").fetchone()[0]
        except sqlite3.Error as exc:
            raise _storage_error(exc, self._path, "read") from None
        return int(count)

    def get(self, entry_id: str) -> LogEntry:
        """The entry with id ``entry_id``; :class:`UnknownEntryError` when there is none."""
        rows = self._query(f"SELECT {_COLUMNS} FROM entries WHERE id = ?", (str(entry_id),))
        if not rows:
            raise UnknownEntryError(entry_id, self._path)
        return self._entry(rows[0])

    def find(
        self,
        *,
        since: _dt.date | None = None,
        until: _dt.date | None = None,
        formula: str | None = None,
        lot: str | None = None,
        kind: str | None = None,
    ) -> list[LogEntry]:
        """Entries matching every given filter, in log order.

        ``since``/``until`` are inclusive days (the entry's ``day``); ``lot`` finds every
        entry that lists that lot number (recall: "which preparations used lot X?").
        """
        where: list[str] = []
        params: list[object] = []
        for name, value, op in (("since", since, ">="), ("until", until, "<=")):
            if value is None:
                continue
            if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
                raise RecordError(f"{name} must be a datetime.date, got {value!r}")
            where.append(f"day {op} ?")
            params.append(value.isoformat())
        if since is not None and until is not None and since > until:
            raise RecordError(f"since {since} is after until {until}")
        for column, text in (("formula", formula), ("kind", kind)):
            if text is not None:
                where.append(f"{column} = ?")
                params.append(str(text))
        if lot is not None:
            where.append("instr(lots, ?) > 0")  # narrows; the exact test is below
            params.append(canonical_json(str(lot), what="lot"))
        sql = f"SELECT {_COLUMNS} FROM entries"
        if where:
            sql += " WHERE " + " AND ".join(where)
        found = [self._entry(row) for row in self._query(sql + " ORDER BY seq", params)]
        return found if lot is None else [e for e in found if str(lot) in e.lots]

    def corrections_of(self, entry_id: str) -> list[LogEntry]:
        """Entries that correct ``entry_id``, oldest first."""
        self.get(entry_id)
        rows = self._query(
            f"SELECT {_COLUMNS} FROM entries WHERE corrects = ? ORDER BY seq", (entry_id,)
        )
        return [self._entry(row) for row in rows]

    def head(self) -> tuple[int, str]:
        """(number of entries, hash of the last one) as the log records them.

        Write these down outside the log (on a signed report) to be able to show later
        that the whole log was not rewritten.
        """
        meta = dict(self._meta())
        return int(str(meta.get("head_seq", "0"))), str(meta.get("head_hash", GENESIS_HASH))

    def _meta(self) -> list[tuple[object, object]]:
        try:
            return list(self._db().execute("SELECT key, value FROM meta"))
        except sqlite3.Error as exc:
            raise _storage_error(exc, self._path, "read") from None

    # -- verifying ----------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Check every entry against its hash and the chain; name the first bad entry."""
        conn = self._db()
        try:
            conn.execute("BEGIN")  # one consistent snapshot of meta and entries
            try:
                meta = dict(conn.execute("SELECT key, value FROM meta"))
                rows = [
                    _Row(*r) for r in conn.execute(f"SELECT {_COLUMNS} FROM entries ORDER BY seq")
                ]
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise _storage_error(exc, self._path, "read") from None
        return _verify_rows(str(self._path), meta, rows)


def _verify_rows(path: str, meta: Mapping[object, object], rows: list[_Row]) -> VerifyReport:
    def bad(seq: int, entry_id: str, reason: Reason, detail: str) -> VerifyReport:
        return VerifyReport(path, len(rows), BadEntry(seq, entry_id, reason), detail, prev_hash)

    known_hashes = {row.hash: row.seq for row in rows}
    prev_hash, prev_seq, prev_id = GENESIS_HASH, 0, ""
    for row in rows:
        seq = int(row.seq)
        problem = _row_problem(row)
        if problem is not None:
            return bad(seq, row.label(), *problem)
        if seq != prev_seq + 1:
            missing = f"#{prev_seq + 1}" + (f"..#{seq - 1}" if seq - 1 > prev_seq + 1 else "")
            return bad(seq, row.label(), "deleted", f"entries {missing} before it are missing")
        if row.prev_hash != prev_hash:
            if row.prev_hash in known_hashes:
                other = known_hashes[row.prev_hash]
                return bad(
                    seq,
                    row.label(),
                    "reordered",
                    f"it follows entry #{other} in the chain but is stored after #{prev_seq}",
                )
            return bad(
                seq,
                row.label(),
                "out-of-chain",
                "its previous-hash matches no entry: it was not appended through the chain",
            )
        prev_hash, prev_seq, prev_id = str(row.hash), seq, row.label()
    try:
        head_seq = int(str(meta.get("head_seq")))
    except ValueError:
        return bad(prev_seq, prev_id, "edited", "the log head (meta table) is damaged")
    head_id, head_hash = str(meta.get("head_id")), meta.get("head_hash")
    if prev_seq < head_seq:
        missing_id = head_id if head_seq == prev_seq + 1 else f"#{prev_seq + 1}..#{head_seq}"
        return bad(
            prev_seq + 1,
            missing_id,
            "deleted",
            f"the log head records {head_seq} entries (last {head_id}) but the log ends "
            f"at #{prev_seq}: entries at the end were deleted",
        )
    if prev_seq > head_seq:
        extra = next(r for r in rows if r.seq == head_seq + 1)
        return bad(
            head_seq + 1,
            extra.label(),
            "out-of-chain",
            f"the log head ends at #{head_seq}: this entry was added outside compoundkit",
        )
    if head_hash != prev_hash or (prev_seq and head_id != prev_id):
        return bad(
            prev_seq,
            prev_id,
            "edited",
            "the last entry is not the one the log head records (it was replaced)",
        )
    return VerifyReport(path, len(rows), None, "", prev_hash)


def _check_kind(kind: object) -> str:
    if not isinstance(kind, str) or len(kind) > 64 or not _KIND_RE.fullmatch(kind):
        raise RecordError(
            f"kind must be a short lower-case word such as 'compounding-record' "
            f"(letters, digits, '-', '_', '.'), got {kind!r}"
        )
    return kind


def _check_name(field: str, value: object) -> str | None:
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or not value.strip()
        or len(value) > _MAX_NAME
        or _CONTROL_RE.search(value)
    ):
        raise RecordError(
            f"{field} must be non-empty text of at most {_MAX_NAME} characters without "
            f"control characters, got {value!r}"
        )
    canonical_json(value, what=field)  # refuses unpaired surrogates
    return value


def _check_lots(lots: Iterable[str]) -> list[str]:
    if isinstance(lots, str | bytes) or not isinstance(lots, Iterable):
        raise RecordError(f"lots must be a list of lot numbers, got {lots!r}")
    checked: list[str] = []
    for lot in lots:
        name = _check_name("lot", lot) if lot is not None else None
        if name is None:
            raise RecordError(f"lots: a lot number must be text, got {lot!r}")
        checked.append(name)
    return checked
