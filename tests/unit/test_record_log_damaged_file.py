"""A damaged SQLite file: verify says so, and opening it to write changes no byte.

An attacker re-test found a log whose index page was overwritten: appending was refused,
but ``log verify`` called it intact, and the refused append had already switched the file
to WAL mode (header bytes changed).
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from compoundkit.errors import LogStorageError
from compoundkit.records import open_log


def _damaged(tmp_path: Path, *, journal: str = "WAL") -> Path:
    """A log of 40 entries whose first index root page is overwritten with noise."""
    path = tmp_path / "records.db"
    with open_log(path) as log:
        for n in range(40):
            log.append("note", {"n": n, "text": "x" * 200}, lots=[f"K{n}"])
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA journal_mode={journal}")
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    (root,) = db.execute(
        "SELECT rootpage FROM sqlite_schema WHERE type = 'index' ORDER BY rootpage LIMIT 1"
    ).fetchone()
    db.close()
    with open(path, "r+b") as stream:
        stream.seek((root - 1) * page_size)
        stream.write(b"\xa5" * page_size)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("journal", ["WAL", "DELETE"])
def test_opening_a_damaged_log_to_append_changes_no_byte(tmp_path: Path, journal: str) -> None:
    path = _damaged(tmp_path, journal=journal)
    before = _digest(path)
    with pytest.raises(LogStorageError, match=r"is damaged \(SQLite quick_check.*nothing was"):
        open_log(path).append("note", {"n": "late"})
    assert _digest(path) == before


def test_verify_reports_a_damaged_file(tmp_path: Path) -> None:
    path = _damaged(tmp_path)
    with open_log(path, readonly=True) as log:
        report = log.verify()
    assert not report.ok
    assert "the database file is damaged (SQLite quick_check" in report.detail


def test_log_verify_exits_1_on_a_damaged_file(tmp_path: Path) -> None:
    path = _damaged(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "compoundkit", "log", "verify", "--log", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "damaged" in done.stdout + done.stderr
