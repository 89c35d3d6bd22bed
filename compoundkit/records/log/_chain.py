"""The hash chain: appending, reading, verifying and copying, on any storage backend.

A backend (``_sqlite``, ``_postgres``) supplies connections and transactions through
:meth:`RecordLog._session` and a :class:`Tx`; everything else, and so every rule of the
chain, is written once, here.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as _dt
import hashlib
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from json.encoder import encode_basestring
from typing import Any, Final, Literal, Protocol

from compoundkit.documents import calendar_date
from compoundkit.errors import (
    LogIntegrityError,
    LogStorageError,
    MissingDependencyError,
    RecordError,
)
from compoundkit.records._canonical import GENESIS_HASH
from compoundkit.records.log._model import (
    COLUMNS,
    BadEntry,
    Checkpoint,
    Draft,
    LogEntry,
    NewEntry,
    Row,
    StoredPayload,
    UnknownEntryError,
    VerifyReport,
    draft,
    lot_key,
    lot_keys,
    row_entry,
    row_problem,
)
from compoundkit.records.log._model import (
    json_text as _json_text,
)
from compoundkit.records.log._verify import (
    CHUNK,
    ChainCheck,
    Tx,
    checkpoint,
    lot_index_report,
)

__all__ = ["RecordLog", "copy_log", "is_log_url", "open_log"]

Mode = Literal["read", "snapshot", "write"]
_URL_SCHEMES: Final = ("postgresql://", "postgres://")
_HEAD_KEYS: Final = "('head_seq', 'head_id', 'head_hash')"


def is_log_url(target: object) -> bool:
    """Whether ``target`` names a PostgreSQL record log (``postgresql://...``), not a file.

    >>> is_log_url("postgresql://pharmacy@db.example:5432/records"), is_log_url("records.db")
    (True, False)
    """
    return isinstance(target, str) and target.lower().startswith(_URL_SCHEMES)


def _backend(target: object) -> type[RecordLog]:
    if is_log_url(target):
        try:
            from compoundkit.records.log._postgres import PostgresRecordLog
        except ImportError as exc:
            raise MissingDependencyError(
                "a postgresql:// record log needs psycopg (PostgreSQL's Python driver), which "
                f"is not installed ({exc}): pip install 'compoundkit[postgresql]'",
                name="psycopg",
            ) from exc
        return PostgresRecordLog
    from compoundkit.records.log._sqlite import SqliteRecordLog

    return SqliteRecordLog


class _Connection(Protocol):
    """What the base class needs of a backend's connection."""

    def close(self) -> None: ...


class RecordLog(abc.ABC):
    """An append-only, hash-chained log of records: a SQLite file or a PostgreSQL database.

    ``RecordLog(target)`` opens a SQLite file when ``target`` is a path and a PostgreSQL
    database when it is a ``postgresql://user@host:port/dbname`` URL (see
    :func:`open_log`). A missing log is created unless ``create=False``; ``readonly=True``
    opens for reading only. Anything that is not a compoundkit record log raises
    :class:`LogStorageError`.

    Both backends keep the same chain with the same rules: appends are serialised (no two
    writers, on any number of machines, ever extend the same head), each append is one
    transaction, nothing is updated or deleted, and :meth:`verify` names the first entry
    that does not match its hash.

    Use it as a context manager (or call :meth:`close`). One ``RecordLog`` belongs to the
    thread that opened it; open one per thread or process.
    """

    _conn: _Connection | None = None
    """The backend's open database connection; None once closed."""
    _location: str
    _readonly: bool
    _lot_index: bool = True
    """False for a version 1 SQLite log opened read-only (no lot index yet)."""

    def __new__(
        cls,
        target: str | os.PathLike[str],
        *,
        create: bool = True,
        readonly: bool = False,
        timeout: float = 30.0,
    ) -> RecordLog:
        if cls is RecordLog:
            cls = _backend(target)
        return super().__new__(cls)

    # -- what a backend provides ------------------------------------------------------

    @abc.abstractmethod
    def _session(self, mode: Mode, action: str) -> contextlib.AbstractContextManager[Tx]:
        """A session on the open log: ``read`` (statements on their own), ``snapshot`` (one
        consistent read transaction) or ``write`` (one transaction, serialised with every
        other writer). Database errors leave it as :class:`LogStorageError`."""

    def _file_problem(self, tx: Tx) -> str | None:
        """What a backend's own check of its storage finds wrong, or None (a full verify
        runs it first)."""
        return None

    # -- life cycle -------------------------------------------------------------------

    def close(self) -> None:
        """Close the database connection (idempotent)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._conn is None

    @property
    def location(self) -> str:
        """Where the log is: its file (absolute) or its URL (without a password)."""
        return self._location

    @property
    def readonly(self) -> bool:
        """True when the log was opened (or had to be opened) for reading only."""
        return self._readonly

    def __enter__(self) -> RecordLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("read-only" if self._readonly else "open")
        return f"RecordLog({self._location!r}, {state})"

    def _check_open(self) -> None:
        if self.closed:
            raise LogStorageError(f"record log {self._location} is closed")

    def _check_writable(self) -> None:
        self._check_open()
        if self._readonly:
            raise LogStorageError(
                f"record log {self._location} is read-only (opened read-only, or the file or "
                "its directory is not writable); nothing was written"
            )

    # -- writing ----------------------------------------------------------------------

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
        self._check_writable()
        checked = draft(
            kind,
            payload,
            corrects=corrects,
            formula=formula,
            lots=lots,
            on=on,
            today=_dt.date.today(),
        )
        return self._append([checked])[0]

    def append_many(self, entries: Iterable[NewEntry | Mapping[str, Any]]) -> list[LogEntry]:
        """Append many entries in one transaction (imports, migrations); all or none.

        Each item is a :class:`NewEntry` or a mapping with the same keys (``kind``,
        ``payload``, and optionally ``corrects``, ``formula``, ``lots``, ``on``). The chain
        is the one appending them one by one would make. An invalid item raises
        :class:`RecordError` naming its position, and nothing is written.
        """
        self._check_writable()
        today = _dt.date.today()
        drafts: list[Draft] = []
        for index, item in enumerate(entries):
            try:
                drafts.append(_draft_of(item, today))
            except RecordError as exc:
                raise RecordError(f"entries[{index}]: {exc}") from None
        return self._append(drafts) if drafts else []

    def _append(self, drafts: list[Draft]) -> list[LogEntry]:
        now = _dt.datetime.now(_dt.UTC).isoformat(timespec="microseconds")
        created_at = now.replace("+00:00", "Z")
        with self._session("write", "append to") as tx:
            seq, prev_hash = self._locked_head(tx)
            for corrects in sorted({d.corrects for d in drafts if d.corrects is not None}):
                if tx.one("SELECT 1 FROM entries WHERE id = ?", (corrects,)) is None:
                    raise UnknownEntryError(corrects, self._location)
            rows: list[Row] = []
            lot_rows: list[tuple[str, int]] = []
            tokens = secrets.token_bytes(4 * len(drafts)).hex()
            stamp = encode_basestring(created_at)
            for n, item in enumerate(drafts):
                seq += 1
                entry_id = f"R{seq:06d}-{tokens[8 * n : 8 * n + 8]}"
                day = item.day.isoformat()
                text = (  # the canonical JSON of the content, as row_hash assembles it
                    f'{prev_hash}{{"corrects":{_json_text(item.corrects)},"created_at":{stamp},'
                    f'"day":"{day}","formula":{_json_text(item.formula)},"id":"{entry_id}",'
                    f'"kind":"{item.kind}","lots":{item.lots_text},'
                    f'"payload":{item.payload_text},"seq":{seq}}}'
                )
                entry_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
                rows.append(
                    Row(
                        seq,
                        entry_id,
                        item.kind,
                        created_at,
                        day,
                        item.formula,
                        item.lots_text,
                        item.corrects,
                        item.payload_text,
                        prev_hash,
                        entry_hash,
                    )
                )
                prev_hash = entry_hash
                lot_rows += [(key, seq) for key in {lot_key(x) for x in item.lots}]
            tx.insert("entries", COLUMNS, rows)
            if lot_rows and self._lot_index:
                tx.insert("entry_lots", "lot_key, seq", lot_rows)
            _set_head(tx, seq, rows[-1].id, prev_hash)
        when = _dt.datetime.fromisoformat(created_at)
        return [
            LogEntry(
                seq=row.seq,
                id=row.id,
                kind=row.kind,
                created_at=when,
                day=item.day,
                formula=row.formula,
                lots=tuple(item.lots),
                corrects=row.corrects,
                payload=StoredPayload(row.payload),
                prev_hash=row.prev_hash,
                hash=row.hash,
            )
            for row, item in zip(rows, drafts, strict=True)
        ]

    def _locked_head(self, tx: Tx) -> tuple[int, str]:
        """The last entry's (seq, hash), checked against the head the log records."""
        if tx.lock_head:
            tx.all(tx.lock_head)  # one row, so writers queue and never deadlock
        head = dict(tx.all(f"SELECT key, value FROM meta WHERE key IN {_HEAD_KEYS}"))
        last = tx.one(f"SELECT {COLUMNS} FROM entries ORDER BY seq DESC LIMIT 1")
        tail = None if last is None else Row(*last)
        last_seq, prev_hash = (0, GENESIS_HASH) if tail is None else (tail.seq, tail.hash)
        if (str(last_seq), prev_hash) != (head.get("head_seq"), head.get("head_hash")):
            raise LogIntegrityError(
                f"record log {self._location} does not end where its head says (entry "
                f"#{head.get('head_seq')}): it was altered; nothing was written; run "
                "'compoundkit log verify'"
            )
        if tail is not None and row_problem(tail) is not None:
            raise LogIntegrityError(
                f"record log {self._location}: its last entry #{last_seq} does not match its "
                "hash; nothing was written; run 'compoundkit log verify'"
            )
        return int(last_seq), str(prev_hash)

    # -- reading ----------------------------------------------------------------------

    def _rows(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        with self._session("read", "read") as tx:
            return [Row(*row) for row in tx.all(sql, params)]

    def _entry(self, row: Row) -> LogEntry:
        return row_entry(row, self._location)

    def entries(self) -> list[LogEntry]:
        """All entries in order. An entry that no longer matches its hash raises
        :class:`LogIntegrityError` (use :meth:`verify` to inspect a damaged log)."""
        return [self._entry(r) for r in self._rows(f"SELECT {COLUMNS} FROM entries ORDER BY seq")]

    def __iter__(self) -> Iterator[LogEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        with self._session("read", "read") as tx:
            found = tx.one("SELECT count(*) FROM entries")
        return 0 if found is None else int(found[0])

    def get(self, entry_id: str) -> LogEntry:
        """The entry with id ``entry_id``; :class:`UnknownEntryError` when there is none."""
        rows = self._rows(f"SELECT {COLUMNS} FROM entries WHERE id = ?", (str(entry_id),))
        if not rows:
            raise UnknownEntryError(entry_id, self._location)
        return self._entry(rows[0])

    def entry_number(self, seq: int) -> LogEntry:
        """Entry number ``seq`` (1 is the first): what a short id such as ``R000001``
        names; :class:`UnknownEntryError` when there is none."""
        rows = self._rows(f"SELECT {COLUMNS} FROM entries WHERE seq = ?", (int(seq),))
        if not rows:
            raise UnknownEntryError(f"R{int(seq):06d}", self._location)
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
        entry that lists that lot number (recall: "which preparations used lot X?"), with
        lot numbers compared as :func:`compoundkit.names.name_key` compares names (case,
        spaces and hyphens aside: ``k-1`` finds ``K1``), through an index.
        """
        where: list[str] = []
        params: list[object] = []
        for name, value, op in (("since", since, ">="), ("until", until, "<=")):
            if value is None:
                continue
            calendar_date(value, name, RecordError)
            where.append(f"day {op} ?")
            params.append(value.isoformat())
        if since is not None and until is not None and since > until:
            raise RecordError(f"since {since} is after until {until}")
        for column, text in (("formula", formula), ("kind", kind)):
            if text is not None:
                where.append(f"{column} = ?")
                params.append(str(text))
        key = None if lot is None else lot_key(str(lot))
        if key is not None and self._lot_index:
            where.append("seq IN (SELECT seq FROM entry_lots WHERE lot_key = ?)")
            params.append(key)
        elif key is not None:
            where.append("lots <> '[]'")  # a version 1 log read-only: the exact test is below
        sql = f"SELECT {COLUMNS} FROM entries"
        if where:
            sql += " WHERE " + " AND ".join(where)
        found = [self._entry(row) for row in self._rows(sql + " ORDER BY seq", params)]
        if key is None:
            return found
        return [e for e in found if any(lot_key(x) == key for x in e.lots)]

    def corrections_of(self, entry_id: str) -> list[LogEntry]:
        """Entries that correct ``entry_id``, oldest first."""
        self.get(entry_id)
        rows = self._rows(
            f"SELECT {COLUMNS} FROM entries WHERE corrects = ? ORDER BY seq", (entry_id,)
        )
        return [self._entry(row) for row in rows]

    def head(self) -> Checkpoint:
        """(number of entries, hash of the last one) as the log records them.

        Write these down outside the log (on a signed report) to be able to show later
        that the whole log was not rewritten, and to verify from there
        (``verify(since=log.head())``).
        """
        with self._session("read", "read") as tx:
            meta = dict(tx.all(f"SELECT key, value FROM meta WHERE key IN {_HEAD_KEYS}"))
        return Checkpoint(
            int(str(meta.get("head_seq", "0"))), str(meta.get("head_hash", GENESIS_HASH))
        )

    # -- verifying --------------------------------------------------------------------

    def verify(self, since: Checkpoint | tuple[int, str] | None = None) -> VerifyReport:
        """Check every entry against its hash and the chain; name the first bad entry.

        Reads the entries in order, a chunk at a time (memory stays flat however long
        the log is), inside one consistent snapshot.

        ``since`` (a :class:`Checkpoint`, e.g. from an earlier ``head()`` or
        ``report.checkpoint``) checks only the entries after it: that entry #count still
        has that hash, then the chain from there on. The entries up to the checkpoint are
        not read: whether they were tampered with is the checkpoint's business (it was
        taken from a log that verified, and is kept outside the log); run a full
        ``verify()`` now and then.
        """
        start = None if since is None else checkpoint(since)
        with self._session("snapshot", "read") as tx:
            damaged = self._file_problem(tx) if start is None else None
            if damaged is not None:
                return VerifyReport(
                    self._location,
                    0,
                    BadEntry(0, "(the file)", "edited"),
                    f"the database file is damaged ({damaged}); restore the log from a "
                    "backup or a copy (compoundkit log copy), then verify it",
                    GENESIS_HASH,
                )
            check = ChainCheck(self._location, tx)
            if start is not None and start.entries > 0:
                found = tx.one(f"SELECT {COLUMNS} FROM entries WHERE seq = ?", (start.entries,))
                mismatch = check.start_at(start, None if found is None else Row(*found))
                if mismatch is not None:
                    return mismatch
            for raw in tx.stream(
                f"SELECT {COLUMNS} FROM entries WHERE seq > ? ORDER BY seq", (check.prev_seq,)
            ):
                if check.feed(Row(*raw)):
                    break
            report = check.finish()
            if report.ok and start is None and self._lot_index:
                return lot_index_report(tx, check, report)
            return report


def _draft_of(item: object, today: _dt.date) -> Draft:
    if isinstance(item, NewEntry):
        return draft(
            item.kind,
            item.payload,
            corrects=item.corrects,
            formula=item.formula,
            lots=item.lots,
            on=item.on,
            today=today,
        )
    if isinstance(item, Mapping):
        unknown = set(item) - {"kind", "payload", "corrects", "formula", "lots", "on"}
        if unknown or "kind" not in item or "payload" not in item:
            raise RecordError(
                "an entry needs 'kind' and 'payload' (and may give 'corrects', 'formula', "
                f"'lots', 'on'); got keys {sorted(map(str, item))}"
            )
        return draft(
            item["kind"],
            item["payload"],
            corrects=item.get("corrects"),
            formula=item.get("formula"),
            lots=item.get("lots", ()),
            on=item.get("on"),
            today=today,
        )
    raise RecordError(f"an entry must be a NewEntry or a mapping, got {type(item).__name__}")


def _set_head(tx: Tx, seq: int, entry_id: str, head_hash: str) -> None:
    tx.many(
        "UPDATE meta SET value = ? WHERE key = ?",
        [(str(seq), "head_seq"), (entry_id, "head_id"), (head_hash, "head_hash")],
    )


# --------------------------------------------------------------------------- opening, copying


def open_log(
    target: str | os.PathLike[str],
    *,
    create: bool = True,
    readonly: bool = False,
    timeout: float = 30.0,
) -> RecordLog:
    """Open the record log at ``target``: a SQLite file path, or a PostgreSQL URL.

    ``postgresql://user@host:port/dbname`` (``?schema=NAME`` keeps several logs in one
    database; default schema ``compoundkit_log``) needs ``pip install
    'compoundkit[postgresql]'``; without it this raises
    :class:`~compoundkit.errors.MissingDependencyError`. ``timeout`` is how long (s) a
    writer waits for its turn, or to connect.

    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with open_log(pathlib.Path(tmp) / "records.db") as log:
    ...         (log.append("note", {"text": "opened"}).seq, log.verify().ok)
    (1, True)
    """
    return _backend(target)(target, create=create, readonly=readonly, timeout=timeout)


def copy_log(
    source: RecordLog,
    dest: RecordLog,
    *,
    progress: Callable[[int], object] | None = None,
) -> VerifyReport:
    """Copy every entry of ``source`` into the empty log ``dest``, then verify ``dest``.

    Ids, order, timestamps and hashes are kept, so the copy has the same head as the
    source. The source is verified as it is read (a broken source raises
    :class:`LogIntegrityError` and nothing is copied); the copy is one transaction (all
    or nothing); a ``dest`` that holds any entry is refused (:class:`LogStorageError`).
    ``progress`` is called with the number of entries copied so far, per chunk.
    """
    if source is dest:
        raise LogStorageError(f"cannot copy record log {source.location} onto itself")
    dest._check_writable()
    copied = 0
    with source._session("snapshot", "read") as src, dest._session("write", "copy into") as dst:
        found = dst.one("SELECT count(*) FROM entries")
        present = 0 if found is None else int(found[0])
        if present or dest._locked_head(dst)[0]:
            raise LogStorageError(
                f"record log {dest.location} is not empty ({present} entries): copy only into "
                "a new, empty log; nothing was copied"
            )
        check = ChainCheck(source.location, src)
        chunk: list[Row] = []

        def flush() -> None:
            nonlocal copied
            dst.insert("entries", COLUMNS, chunk)
            lots = [(key, row.seq) for row in chunk for key in lot_keys(row.lots)]
            if lots and dest._lot_index:
                dst.insert("entry_lots", "lot_key, seq", lots)
            copied += len(chunk)
            chunk.clear()
            if progress is not None:
                progress(copied)

        for raw in src.stream(f"SELECT {COLUMNS} FROM entries ORDER BY seq"):
            row = Row(*raw)
            if check.feed(row):
                break
            chunk.append(row)
            if len(chunk) >= CHUNK:
                flush()
        report = check.finish()
        if not report.ok:
            raise LogIntegrityError(f"{report}; nothing was copied")
        if chunk:
            flush()
        if copied:
            _set_head(dst, check.prev_seq, check.prev_id, check.prev_hash)
    return dest.verify()
