"""``compoundkit log copy SOURCE DEST``: exit codes and messages (SQLite files here; the
PostgreSQL directions run in tests/unit/test_record_log_postgres.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from compoundkit.cli import main
from compoundkit.records.log import open_log


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    with open_log(tmp_path / "records.db") as log:
        for i in range(3):
            log.append("compounding-record", {"rx": f"RX-{i}"}, lots=[f"K{i}"])
    return tmp_path


def test_copy_keeps_every_hash_and_verifies(here: Path) -> None:
    done = invoke("log", "copy", "records.db", "copy.db")
    assert done.exit_code == 0, done.output
    assert done.output.startswith("copied 3 entries from records.db to copy.db\n")
    assert "intact, 3 entries" in done.output
    with open_log("records.db") as source, open_log("copy.db") as copy:
        assert copy.entries() == source.entries()
        assert copy.head() == source.head()
    assert invoke("log", "lot", "k1", "--log", "copy.db").exit_code == 0


def test_copy_refuses_a_non_empty_destination_and_bad_paths(here: Path) -> None:
    assert invoke("log", "copy", "records.db", "copy.db").exit_code == 0
    again = invoke("log", "copy", "records.db", "copy.db")
    assert again.exit_code == 2
    assert "is not empty (3 entries)" in again.output
    missing = invoke("log", "copy", "nothing.db", "other.db")
    assert missing.exit_code == 2
    assert "no record log at" in missing.output
    assert not (here / "other.db").exists()
    escape = invoke("log", "copy", "records.db", "../outside.db")
    assert escape.exit_code == 2
    assert "leaves the current folder" in escape.output


def test_copy_of_a_broken_log_exits_1_and_copies_nothing(here: Path) -> None:
    raw = sqlite3.connect(here / "records.db", isolation_level=None)
    try:
        raw.execute("DROP TRIGGER entries_append_only_update")
        raw.execute('UPDATE entries SET payload = \'{"rx":"RX-9"}\' WHERE seq = 2')
    finally:
        raw.close()
    done = invoke("log", "copy", "records.db", "copy.db")
    assert done.exit_code == 1
    assert "chain broken at entry #2" in done.output
    assert "nothing was copied" in done.output
    with open_log("copy.db") as copy:
        assert len(copy) == 0


def test_copy_has_help_with_examples() -> None:
    result = invoke("log", "copy", "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert "compoundkit log copy records.db postgresql://" in result.output
