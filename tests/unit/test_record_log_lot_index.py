"""The lot index is outside the hash chain: a full verify checks it against the entries.

A recall (``log lot``, ``RecordLog.find(lot=...)``) reads the index; rows deleted, added
or moved there by someone with write access to the file would make a recall miss or
invent a batch while every hash still matches.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from compoundkit.records import open_log


def _log(tmp_path: Path) -> Path:
    path = tmp_path / "records.db"
    with open_log(path) as log:
        log.append("note", {"n": 1}, lots=["K123", "C9"])
        log.append("note", {"n": 2}, lots=["K123"])
        log.append("note", {"n": 3})
        log.append("note", {"n": 4}, lots=["G7"])
    return path


def _tamper(path: Path, *statements: str) -> None:
    """Change the index as an attacker with the file would: triggers off, SQL, back on."""
    db = sqlite3.connect(path)
    triggers = db.execute(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'entry_lots'"
    ).fetchall()
    for name, _ in triggers:
        db.execute(f"DROP TRIGGER {name}")
    for statement in statements:
        db.execute(statement)
    for _, sql in triggers:
        db.execute(sql)
    db.commit()
    db.close()


TAMPERS: dict[str, tuple[str, ...]] = {
    "a row deleted (entry #2 hidden from a K123 recall)": ("DELETE FROM entry_lots WHERE seq = 2",),
    "a row added (entry #3 made to answer a K123 recall)": (
        "INSERT INTO entry_lots (lot_key, seq) VALUES ('k123', 3)",
    ),
    "a row moved (entry #2's lot given to entry #3)": (
        "DELETE FROM entry_lots WHERE seq = 2",
        "INSERT INTO entry_lots (lot_key, seq) VALUES ('k123', 3)",
    ),
    "a row for no entry": ("INSERT INTO entry_lots (lot_key, seq) VALUES ('k123', 99)",),
}


@pytest.mark.parametrize("statements", TAMPERS.values(), ids=TAMPERS.keys())
def test_a_changed_lot_index_fails_verify(tmp_path: Path, statements: tuple[str, ...]) -> None:
    path = _log(tmp_path)
    _tamper(path, *statements)
    with open_log(path, readonly=True) as log:
        report = log.verify()
    assert not report.ok
    assert report.first_bad is not None
    assert "lot index" in report.detail
    assert "outside the hash chain" in report.detail


def test_the_first_entry_whose_index_differs_is_named(tmp_path: Path) -> None:
    path = _log(tmp_path)
    _tamper(path, "DELETE FROM entry_lots WHERE seq = 2")
    with open_log(path, readonly=True) as log:
        report = log.verify()
    assert report.first_bad is not None
    assert report.first_bad.seq == 2
    assert "holds lots ['k123'], the index none" in report.detail


@pytest.mark.parametrize("make", [lambda log: None, lambda log: log.append("note", {})])
def test_an_untouched_index_verifies(tmp_path: Path, make: Callable[..., object]) -> None:
    path = _log(tmp_path)
    with open_log(path) as log:
        make(log)
        assert log.verify().ok
