"""Helpers for the record-log tests that run on both backends (SQLite and PostgreSQL)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any

Run = Callable[[str, Sequence[object]], list[tuple[Any, ...]]]


def is_pg(target: str) -> bool:
    return target.startswith("postgresql://")


def split_url(target: str) -> tuple[str, str]:
    """(superuser URL of the server, schema) of a test log URL."""
    from compoundkit.records.log._postgres import parse_url

    conninfo, schema, _ = parse_url(target)
    return conninfo, schema


@contextlib.contextmanager
def attacker(target: str) -> Iterator[Run]:
    """Raw SQL (``?`` placeholders) on a log's database with the append-only guards off:
    someone with full access to the file or the database server."""
    if not is_pg(target):
        conn = sqlite3.connect(target, isolation_level=None)
        try:
            for (name,) in conn.execute("SELECT name FROM sqlite_schema WHERE type = 'trigger'"):
                conn.execute(f"DROP TRIGGER {name}")
            yield lambda sql, params=(): conn.execute(sql, params).fetchall()
        finally:
            conn.close()
        return
    import psycopg

    conninfo, schema = split_url(target)
    with psycopg.connect(conninfo, autocommit=True) as pg:
        pg.execute("SELECT set_config('search_path', %s, false)", (schema,))
        pg.execute("SET session_replication_role = replica")  # no triggers, no foreign keys

        def run(sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
            cursor = pg.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

        yield run
