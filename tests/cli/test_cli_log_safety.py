"""The record log on the command line: a locked log, a full disk, hostile stored text.

Issue "Safe outputs": ``--wait SECONDS`` bounds how long a command waits for a log another
process is writing; creating a log on a full disk says so and leaves no file; text stored
in a log (written by another program, or before input checks existed) is printed without
its control and bidi characters.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compoundkit.errors import LogStorageError
from compoundkit.records import open_log
from compoundkit.records.log import _sqlite

REPO = Path(__file__).resolve().parents[2]
CREAM = str(REPO / "examples" / "muscle-spasm-cream.toml")
DRAFT = [
    "record", "cr", CREAM, "--size", "120g", "--id", "RX-1001", "--date", "2024-03-01",
    "--time", "09:30", "--by", "C. Evans", "--verified-by", "B. Diaz", "--draft",
]  # fmt: skip
HOSTILE = "Evil\x1b[2J\x1b]0;owned\x07 cream\u202e g 0.9\x9b"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "compoundkit", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Path]:
    """A record log another connection holds a write lock on."""
    path = tmp_path / "records.db"
    open_log(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield path
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_wait_bounds_how_long_an_append_waits_for_a_locked_log(locked: Path) -> None:
    started = time.monotonic()
    done = run(*DRAFT, "--log", str(locked), "--wait", "0.5", cwd=locked.parent)
    elapsed = time.monotonic() - started
    assert done.returncode == 2, done.stderr
    assert "stayed locked by another process" in done.stderr
    assert "nothing was written" in done.stderr
    assert elapsed < 20  # the default would wait 30 s


def test_without_the_lock_the_same_command_logs(tmp_path: Path) -> None:
    path = tmp_path / "records.db"
    done = run(*DRAFT, "--log", str(path), "--wait", "0", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with open_log(path, readonly=True) as log:
        assert len(log) == 1


@pytest.mark.parametrize("value", ["abc", "-1", "3601", "1e3", "৪", "1_0", " "])
def test_wait_refuses_what_is_not_a_number_of_seconds(tmp_path: Path, value: str) -> None:
    done = run("log", "list", "--log", str(tmp_path / "x.db"), "--wait", value, cwd=tmp_path)
    assert done.returncode == 2
    assert "--wait" in done.stderr
    assert "seconds from 0 to 3600" in done.stderr
    assert not (tmp_path / "x.db").exists()


def test_every_log_command_takes_wait(tmp_path: Path) -> None:
    for command in (["log", "list"], ["log", "show", "R000001"], ["log", "lot", "K1"],
                    ["log", "verify"], ["record", "correct", "R000001"]):  # fmt: skip
        done = run(*command, "--help", cwd=tmp_path)
        assert "--wait SECONDS" in done.stdout, command
    assert "--wait SECONDS" in run("log", "copy", "--help", cwd=tmp_path).stdout


def test_a_new_log_on_a_full_disk_says_so_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    # Fault injection: SQLite's own error for a disk that fills while the tables are made.
    monkeypatch.setattr(_sqlite.SqliteRecordLog, "_initialise", full)
    path = tmp_path / "records.db"
    with pytest.raises(LogStorageError, match=r"disk full .* nothing was written"):
        open_log(path)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_log_is_never_removed_when_opening_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "records.db"
    with open_log(path) as log:
        log.append("note", {"text": "kept"})
    size = path.stat().st_size

    def broken(*args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(_sqlite.SqliteRecordLog, "_open_schema", broken)
    with pytest.raises(sqlite3.OperationalError):
        open_log(path)
    assert path.stat().st_size == size


@pytest.fixture
def hostile_log(tmp_path: Path) -> Path:
    """A log whose stored record texts hold escape sequences and a right-to-left override
    (another program wrote them; compoundkit's own input checks refuse them)."""
    path = tmp_path / "records.db"
    with open_log(path) as log:
        log.append("note", {"text": HOSTILE, "internal_id": HOSTILE}, lots=["K19"])
    return path


@pytest.mark.parametrize(
    "command",
    [["log", "list"], ["log", "show", "R000001"], ["log", "lot", "K19"]],
    ids=["list", "show", "lot"],
)
def test_stored_control_characters_never_reach_the_terminal(
    hostile_log: Path, command: list[str]
) -> None:
    done = run(*command, "--log", str(hostile_log), cwd=hostile_log.parent)
    assert done.returncode == 0, done.stderr
    for char in ("\x1b", "\x07", "\u202e", "\x9b"):
        assert char not in done.stdout + done.stderr
    assert "cream g 0.9" in done.stdout  # the text itself is kept


def test_stored_control_characters_are_escaped_in_json(hostile_log: Path) -> None:
    done = run("log", "list", "--log", str(hostile_log), "--format", "json", cwd=hostile_log.parent)
    assert done.returncode == 0, done.stderr
    for char in ("\x1b", "\u202e", "\x9b"):
        assert char not in done.stdout
    (entry,) = json.loads(done.stdout)
    assert entry["internal_id"] == HOSTILE  # the same value, only written with escapes
