"""``log checkpoint`` and ``log verify --against``: a log rewritten by someone with write
access to the file (a whole new valid chain, entries removed, everything deleted, an older
copy put back) no longer extends a checkpoint kept elsewhere; and a damaged log is never
appended to."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from compoundkit.cli import main
from compoundkit.errors import LogIntegrityError, LogStorageError
from compoundkit.records.log import open_log


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def make_log(path: Path, rxs: list[str]) -> None:
    with open_log(path) as log:
        for rx in rxs:
            log.append("compounding-record", {"rx": rx, "made_g": 120}, lots=[f"L-{rx}"])


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    make_log(tmp_path / "records.db", ["RX-1", "RX-2", "RX-3"])
    done = invoke("log", "checkpoint", "--log", "records.db", "-o", "head.json")
    assert done.exit_code == 0, done.output
    return tmp_path


def verify_against(here: Path) -> Result:
    return invoke("log", "verify", "--log", "records.db", "--against", "head.json")


def test_the_checkpoint_file_records_count_head_and_time(here: Path) -> None:
    saved = json.loads((here / "head.json").read_text(encoding="utf-8"))
    with open_log(here / "records.db") as log:
        assert (saved["entries"], saved["head_hash"]) == tuple(log.head())
    assert saved["schema"] == "compoundkit.checkpoint"
    assert saved["time"].endswith("+00:00")


def test_an_untouched_or_extended_log_extends_its_checkpoint(here: Path) -> None:
    assert verify_against(here).exit_code == 0
    make_log(here / "records.db", ["RX-4"])
    done = verify_against(here)
    assert done.exit_code == 0, done.output
    assert "4 entries" in done.output


def _replace(here: Path, rxs: list[str]) -> None:
    """The attacker's move: a new log with a valid chain and head, put in place of the old."""
    forged = here / "forged.db"
    make_log(forged, rxs)
    with open_log(forged) as log:
        assert log.verify().ok  # on its own, the rewritten log is intact
    shutil.copyfile(forged, here / "records.db")


@pytest.mark.parametrize(
    "rxs",
    [
        pytest.param(["RX-1", "RX-2 (edited)", "RX-3"], id="edit-rechain-head"),
        pytest.param(["RX-1", "RX-2"], id="truncate-head"),
        pytest.param([], id="delete-all"),
    ],
)
def test_a_rewritten_log_no_longer_extends_the_checkpoint(here: Path, rxs: list[str]) -> None:
    _replace(here, rxs)
    assert invoke("log", "verify", "--log", "records.db").exit_code == 0  # the chain alone
    done = verify_against(here)
    assert done.exit_code == 1, done.output
    assert "no longer extends checkpoint head.json" in done.output


def test_an_older_copy_put_back_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    make_log(tmp_path / "records.db", ["RX-1", "RX-2"])
    shutil.copyfile(tmp_path / "records.db", tmp_path / "backup.db")
    make_log(tmp_path / "records.db", ["RX-3"])
    assert invoke("log", "checkpoint", "--log", "records.db", "-o", "head.json").exit_code == 0
    shutil.copyfile(tmp_path / "backup.db", tmp_path / "records.db")
    done = invoke("log", "verify", "--log", "records.db", "--against", "head.json")
    assert done.exit_code == 1
    assert "no longer extends" in done.output


def test_checkpoint_refuses_to_replace_a_file_and_bad_checkpoints_exit_2(here: Path) -> None:
    before = (here / "head.json").read_bytes()
    again = invoke("log", "checkpoint", "--log", "records.db", "-o", "head.json")
    assert again.exit_code == 2
    assert "--force" in again.output
    assert (here / "head.json").read_bytes() == before
    assert (
        invoke("log", "checkpoint", "--log", "records.db", "-o", "head.json", "--force").exit_code
        == 0
    )
    (here / "bad.json").write_text('{"entries": "three"}', encoding="utf-8")
    bad = invoke("log", "verify", "--log", "records.db", "--against", "bad.json")
    assert bad.exit_code == 2
    assert "entries" in bad.output


def test_a_damaged_file_is_never_appended_to(tmp_path: Path) -> None:
    path = tmp_path / "records.db"
    make_log(path, [f"RX-{i}" for i in range(200)])
    raw = bytearray(path.read_bytes())
    page = 4096
    raw[3 * page : 3 * page + 512] = b"\xff" * 512  # corrupt a b-tree page
    path.write_bytes(bytes(raw))
    before = path.read_bytes()
    with (
        pytest.raises((LogStorageError, LogIntegrityError), match="log verify"),
        open_log(path) as log,
    ):
        log.append("compounding-record", {"rx": "RX-new"})
    assert path.read_bytes() == before
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # nothing written to the journal either


def test_an_edited_last_entry_is_never_extended(here: Path) -> None:
    import sqlite3

    with sqlite3.connect(here / "records.db") as raw:
        for (name,) in raw.execute("SELECT name FROM sqlite_schema WHERE type = 'trigger'"):
            raw.execute(f"DROP TRIGGER {name}")
        raw.execute("UPDATE entries SET payload = replace(payload, 'RX-3', 'RX-9') WHERE seq = 3")
    before = (here / "records.db").read_bytes()
    with pytest.raises(LogIntegrityError, match="log verify"), open_log(here / "records.db") as log:
        log.append("compounding-record", {"rx": "RX-4"})
    assert (here / "records.db").read_bytes() == before


def test_log_show_finds_a_record_by_its_rx_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_log(tmp_path / "records.db") as log:
        log.append("compounding-record", {"internal_id": "RX-1001", "made_g": 120})
        later = log.append("compounding-record", {"internal_id": "RX-1002", "made_g": 60})
    shown = invoke("log", "show", "rx-1002", "--log", "records.db", "--format", "json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["id"] == later.id
    missing = invoke("log", "show", "RX-9999", "--log", "records.db")
    assert missing.exit_code == 2
