"""The PostgreSQL backend: one record log in a database that many workstations share.

Opened by a ``postgresql://user@host:port/dbname`` URL (``postgres://`` too). The log's
tables live in their own PostgreSQL schema, ``compoundkit_log`` unless the URL says
``?schema=NAME`` (one database can hold the logs of several sites). Each append is one
transaction that first locks the log's head row (``SELECT ... FOR UPDATE``), so writers on
any number of machines take turns and never fork the chain; a writer whose connection
drops before COMMIT leaves nothing behind (the server rolls the transaction back).
Creating the tables and checking them is one transaction under an advisory lock, so
workstations opening a new log at the same moment never see it half made. Reading for
:meth:`~RecordLog.verify` uses a server-side cursor inside one ``REPEATABLE READ``
snapshot: memory stays flat however long the log is.

Importing this module imports psycopg; :func:`compoundkit.records.log.open_log` imports it
only for a URL, and says which extra to install when psycopg is missing.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Final, Literal

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from compoundkit.errors import LogStorageError
from compoundkit.records._canonical import GENESIS_HASH
from compoundkit.records.log._chain import Mode, RecordLog
from compoundkit.records.log._model import LOG_FORMAT, LOG_SCHEMA_VERSION
from compoundkit.records.log._verify import CHUNK, Tx

__all__ = ["DEFAULT_SCHEMA", "PostgresRecordLog", "parse_url"]

DEFAULT_SCHEMA: Final = "compoundkit_log"
_SCHEMA_RE: Final = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_TABLES: Final = ("meta", "entries", "entry_lots")
_DDL: Final = (
    "CREATE SCHEMA IF NOT EXISTS {s}",
    "CREATE TABLE {s}.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE {s}.entries (
        seq BIGINT PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL,
        day TEXT NOT NULL,
        formula TEXT,
        lots TEXT NOT NULL,
        corrects TEXT REFERENCES {s}.entries(id),
        payload TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    )""",
    "CREATE INDEX entries_day ON {s}.entries(day)",
    "CREATE INDEX entries_formula ON {s}.entries(formula)",
    "CREATE INDEX entries_kind ON {s}.entries(kind)",
    "CREATE INDEX entries_corrects ON {s}.entries(corrects)",
    """CREATE TABLE {s}.entry_lots (
        lot_key TEXT NOT NULL,
        seq BIGINT NOT NULL REFERENCES {s}.entries(seq),
        PRIMARY KEY (lot_key, seq)
    )""",
    """CREATE FUNCTION {s}.append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'compoundkit record log entries are append-only'; END $$""",
    """CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON {s}.entries
        FOR EACH ROW EXECUTE FUNCTION {s}.append_only()""",
    """CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON {s}.entries
        FOR EACH STATEMENT EXECUTE FUNCTION {s}.append_only()""",
    """CREATE TRIGGER entry_lots_append_only BEFORE UPDATE OR DELETE ON {s}.entry_lots
        FOR EACH ROW EXECUTE FUNCTION {s}.append_only()""",
    """CREATE TRIGGER entry_lots_no_truncate BEFORE TRUNCATE ON {s}.entry_lots
        FOR EACH STATEMENT EXECUTE FUNCTION {s}.append_only()""",
)


def parse_url(url: str) -> tuple[str, str, str]:
    """(conninfo for libpq, schema, the URL to show: no password) of a log URL.

    >>> parse_url("postgresql://ck:secret@db:5432/pharmacy?schema=site_2")[1:]
    ('site_2', 'postgresql://ck@db:5432/pharmacy?schema=site_2')
    """
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for key, value in query if key == "schema"]
    schema = schemas[-1] if schemas else DEFAULT_SCHEMA
    if not _SCHEMA_RE.fullmatch(schema):
        raise LogStorageError(
            f"record log URL: schema={schema!r} is not a plain lower-case name "
            "(letters, digits, '_'; at most 63)"
        )
    rest = urllib.parse.urlencode([(k, v) for k, v in query if k != "schema"])
    conninfo = urllib.parse.urlunsplit(parts._replace(query=rest))
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = (f"{parts.username}@" if parts.username else "") + host
    with contextlib.suppress(ValueError):
        netloc += f":{parts.port}" if parts.port else ""
    shown = f"{parts.scheme}://{netloc}{parts.path}"
    if schema != DEFAULT_SCHEMA:
        shown += f"?schema={schema}"
    return conninfo, schema, shown


class _PgTx(Tx):
    lock_head = "SELECT value FROM meta WHERE key = 'head_seq' FOR UPDATE"
    _names = itertools.count(1)

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    @staticmethod
    def _q(text: str) -> sql.SQL:
        return sql.SQL(text.replace("?", "%s"))  # our own SQL text, values always parameters

    def all(self, query: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(self._q(query), params).fetchall()

    def many(self, query: str, rows: Iterable[Sequence[object]]) -> None:
        with self.conn.cursor() as cursor:
            cursor.executemany(self._q(query), rows)

    def stream(self, query: str, params: Sequence[object] = ()) -> Iterator[tuple[Any, ...]]:
        with self.conn.cursor(name=f"compoundkit_log_{next(self._names)}") as cursor:
            cursor.itersize = CHUNK
            cursor.execute(self._q(query), params)
            yield from cursor

    def insert(self, table: str, columns: str, rows: Sequence[Sequence[object]]) -> None:
        statement = self._q(f"COPY {table} ({columns}) FROM STDIN")
        with self.conn.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


class PostgresRecordLog(RecordLog):
    """A record log in a PostgreSQL database (see :class:`RecordLog` and the module doc)."""

    def __init__(
        self,
        url: str,
        *,
        create: bool = True,
        readonly: bool = False,
        timeout: float = 30.0,
    ) -> None:
        self._conn: psycopg.Connection[Any] | None = None
        conninfo, self._schema, self._location = parse_url(url)
        self._readonly = readonly
        try:
            conn = psycopg.connect(
                conninfo,
                autocommit=True,
                connect_timeout=max(1, round(timeout)),
                application_name="compoundkit",
            )
        except psycopg.Error as exc:
            raise LogStorageError(
                f"cannot connect to record log {self._location}: {_first_line(exc)}"
            ) from None
        self._conn = conn
        try:
            with self._session("read", "open") as tx:
                tx.all("SELECT set_config('lock_timeout', ?, false)", (f"{int(timeout * 1000)}",))
                tx.all(
                    "SELECT set_config('search_path', ?, false)",
                    (f'"{self._schema}"',),  # a checked plain name: quoted as an identifier
                )
                if readonly:
                    tx.all("SELECT set_config('default_transaction_read_only', 'on', false)")
            self._open_schema(create)
        except BaseException:
            self.close()
            raise

    # -- opening ------------------------------------------------------------------

    def _open_schema(self, create: bool) -> None:
        """Check the tables, creating them first if there are none, in one transaction."""
        with self._session("write" if not self._readonly else "read", "open") as tx:
            if not self._readonly:
                key = int.from_bytes(
                    hashlib.sha256(f"compoundkit-log:{self._schema}".encode()).digest()[:8],
                    "big",
                    signed=True,
                )
                tx.all("SELECT pg_advisory_xact_lock(?)", (key,))
            state = self._schema_state(tx)
            if state == "empty" and (self._readonly or not create):
                raise LogStorageError(f"no record log at {self._location}")
            if state == "empty":
                conn = self._db()
                name = sql.Identifier(self._schema)
                for statement in _DDL:
                    conn.execute(sql.SQL(statement).format(s=name))
                tx.many(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [
                        ("format", LOG_FORMAT),
                        ("schema_version", str(LOG_SCHEMA_VERSION)),
                        ("genesis", GENESIS_HASH),
                        ("head_seq", "0"),
                        ("head_id", ""),
                        ("head_hash", GENESIS_HASH),
                    ],
                )

    def _schema_state(self, tx: Tx) -> Literal["empty", "ok"]:
        tables = {
            row[0]
            for row in tx.all(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                (self._schema,),
            )
        }
        if not tables:
            return "empty"
        found = ", ".join(sorted(tables))
        if "meta" not in tables:
            raise LogStorageError(
                f"{self._location} is not a compoundkit record log (schema {self._schema} holds "
                f"tables {found})"
            )
        meta = dict(tx.all("SELECT key, value FROM meta WHERE key IN ('format', 'schema_version')"))
        if meta.get("format") != LOG_FORMAT:
            raise LogStorageError(
                f"{self._location} is not a compoundkit record log (schema {self._schema} holds "
                f"tables {found})"
            )
        version = str(meta.get("schema_version"))
        if version != str(LOG_SCHEMA_VERSION):
            raise LogStorageError(
                f"record log {self._location} has schema version {version}, written by another "
                f"compoundkit; this compoundkit reads version {LOG_SCHEMA_VERSION}"
            )
        if not set(_TABLES) <= tables:
            raise LogStorageError(f"record log {self._location} is damaged: its tables are missing")
        return "ok"

    # -- life cycle ---------------------------------------------------------------

    @property
    def schema(self) -> str:
        """The PostgreSQL schema holding the log's tables."""
        return self._schema

    def _db(self) -> psycopg.Connection[Any]:
        if self._conn is None:
            raise LogStorageError(f"record log {self._location} is closed")
        return self._conn

    @contextlib.contextmanager
    def _session(self, mode: Mode, action: str) -> Iterator[Tx]:
        conn = self._db()
        committing = False
        try:
            if mode == "read":
                yield _PgTx(conn)
                return
            with conn.transaction():
                if mode == "snapshot":
                    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield _PgTx(conn)
                committing = True
        except psycopg.Error as exc:
            raise self._error(exc, action, committing=committing) from None

    def _error(self, exc: psycopg.Error, action: str, *, committing: bool) -> LogStorageError:
        text, where = _first_line(exc), self._location
        lost = self._conn is None or self._conn.broken or self._conn.closed
        writing = action != "read"
        if isinstance(exc, pg_errors.ReadOnlySqlTransaction | pg_errors.InsufficientPrivilege):
            why = f"record log {where} is read-only for this connection ({text})"
        elif isinstance(exc, pg_errors.LockNotAvailable | pg_errors.QueryCanceled):
            why = f"record log {where} stayed locked by another writer ({text})"
        elif isinstance(exc, pg_errors.DiskFull):
            why = f"disk full on the server of record log {where} ({text})"
        elif lost and committing:
            return LogStorageError(
                f"lost the connection to record log {where} while committing ({text}): the "
                "entry may or may not be in the log; look for it (or verify) once reconnected"
            )
        elif lost:
            why = f"lost the connection to record log {where} ({text})"
        elif isinstance(exc, pg_errors.SerializationFailure | pg_errors.DeadlockDetected):
            why = f"record log {where}: the transaction conflicted with another one ({text})"
        else:
            why = f"cannot {action} record log {where}: {text}"
        return LogStorageError(why + ("; nothing was written" if writing else ""))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
