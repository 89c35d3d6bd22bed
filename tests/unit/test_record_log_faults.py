"""Record log faults: tampering, concurrent writers, killed writers, read-only and full disks.

The tamper tests play an attacker with the sqlite3 module (dropping the append-only
triggers first) or a hex editor (changing bytes in the file). The process tests run real
writer processes with ``sys.executable``. ``COMPOUNDKIT_THOROUGH=1`` runs more writers,
more entries and more kills.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compoundkit.errors import LogIntegrityError, LogStorageError
from compoundkit.records._canonical import canonical_json, entry_hash
from compoundkit.records.log import LogEntry, RecordLog

THOROUGH = os.environ.get("COMPOUNDKIT_THOROUGH") == "1"
REPO = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- helpers


def _make_log(path: Path, count: int = 6) -> list[LogEntry]:
    with RecordLog(path) as log:
        return [
            log.append(
                "compounding-record",
                {"rx": f"MARKER-{i:04d}", "qty": 120 + i},
                formula="cream",
                lots=[f"LOT-{i}"],
                on=dt.date(2024, 3, i),
            )
            for i in range(1, count + 1)
        ]


@contextlib.contextmanager
def _attacker(path: Path) -> Iterator[sqlite3.Connection]:
    """A raw connection with the append-only triggers removed."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("DROP TRIGGER IF EXISTS entries_append_only_update")
        conn.execute("DROP TRIGGER IF EXISTS entries_append_only_delete")
        yield conn
    finally:
        conn.close()


def _verify(path: Path) -> Any:
    with RecordLog(path) as log:
        return log.verify()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def made(tmp_path: Path) -> tuple[Path, list[LogEntry]]:
    path = tmp_path / "records.db"
    return path, _make_log(path)


# --------------------------------------------------------------------------- tampering


def test_edited_payload_is_reported(made: tuple[Path, list[LogEntry]]) -> None:
    path, entries = made
    with _attacker(path) as raw:
        raw.execute("UPDATE entries SET payload = replace(payload, '\"qty\":123', '\"qty\":12')")
    report = _verify(path)
    assert not report.ok
    assert report.first_bad == (3, entries[2].id, "edited")
    assert report.count == 6
    with pytest.raises(LogIntegrityError, match=rf"entry #3 {entries[2].id}: edited"):
        report.raise_if_broken()
    with RecordLog(path) as log:
        assert log.get(entries[1].id) == entries[1]  # untouched entries still read
        with pytest.raises(LogIntegrityError, match="is edited"):
            log.get(entries[2].id)
        with pytest.raises(LogIntegrityError):
            log.find(lot="LOT-3")


def test_edited_bytes_in_the_file_are_reported(made: tuple[Path, list[LogEntry]]) -> None:
    path, entries = made
    assert not Path(f"{path}-wal").exists()  # closed: everything is in the main file
    data = path.read_bytes()
    assert data.count(b"MARKER-0004") == 1
    path.write_bytes(data.replace(b"MARKER-0004", b"MARKER-0009"))
    report = _verify(path)
    assert report.first_bad == (4, entries[3].id, "edited")
    assert "does not match its hash" in report.detail


@pytest.mark.parametrize(("column", "first_bad"), [("hash", 3), ("prev_hash", 4)])
def test_single_flipped_byte_in_a_hash_is_reported(
    made: tuple[Path, list[LogEntry]], column: str, first_bad: int
) -> None:
    """Entry 3's hash is stored twice: as its own hash and as entry 4's prev_hash."""
    path, entries = made
    data = bytearray(path.read_bytes())
    needle = entries[2].hash.encode()
    spots = [n for n in range(len(data)) if data.startswith(needle, n)]
    assert len(spots) == 2
    # a record stores ... prev_hash, hash: entry 4's prev_hash is followed by entry 4's hash
    after = {n: bytes(data[n + 64 : n + 128]) for n in spots}
    spot = next(
        n for n in spots if (after[n] == entries[3].hash.encode()) == (column == "prev_hash")
    )
    data[spot + 10] = ord("0") if data[spot + 10] != ord("0") else ord("1")
    path.write_bytes(bytes(data))
    assert _verify(path).first_bad == (first_bad, entries[first_bad - 1].id, "edited")


@pytest.mark.parametrize("column", ["hash", "prev_hash", "kind", "formula", "lots", "created_at"])
def test_edited_columns_are_reported(made: tuple[Path, list[LogEntry]], column: str) -> None:
    path, entries = made
    value = {"lots": '["LOT-X"]', "created_at": "2024-03-02T00:00:00.000000Z"}.get(column, "a" * 64)
    if column in ("kind", "formula"):
        value = "mfr"
    with _attacker(path) as raw:
        raw.execute(f"UPDATE entries SET {column} = ? WHERE seq = 2", (value,))
    assert _verify(path).first_bad == (2, entries[1].id, "edited")


def test_invalid_utf8_in_a_column_is_reported(made: tuple[Path, list[LogEntry]]) -> None:
    path, entries = made
    with _attacker(path) as raw:
        raw.execute(
            "UPDATE entries SET payload = CAST(? AS TEXT) WHERE seq = 6", (b'{"rx":"\xff"}',)
        )
    report = _verify(path)
    assert report.first_bad == (6, entries[5].id, "edited")
    assert "not valid text" in report.detail


@pytest.mark.parametrize(("deleted", "first_bad"), [(1, 2), (3, 4), (5, 6)])
def test_deleted_entry_is_reported(
    made: tuple[Path, list[LogEntry]], deleted: int, first_bad: int
) -> None:
    path, entries = made
    with _attacker(path) as raw:
        raw.execute("DELETE FROM entries WHERE seq = ?", (deleted,))
    report = _verify(path)
    assert report.first_bad == (first_bad, entries[first_bad - 1].id, "deleted")
    assert f"#{deleted}" in report.detail


def test_deleted_last_entries_are_reported(made: tuple[Path, list[LogEntry]]) -> None:
    path, entries = made
    with _attacker(path) as raw:
        raw.execute("DELETE FROM entries WHERE seq = 6")
    report = _verify(path)
    assert report.first_bad == (6, entries[5].id, "deleted")
    with RecordLog(path) as log:  # and nobody can quietly continue the shortened chain
        with pytest.raises(LogIntegrityError, match=r"run .compoundkit log verify."):
            log.append("note", {})
        assert len(log) == 5
    with _attacker(path) as raw:
        raw.execute("DELETE FROM entries WHERE seq >= 4")
    assert _verify(path).first_bad == (4, "#4..#6", "deleted")
    with _attacker(path) as raw:
        raw.execute("DELETE FROM entries")
    assert _verify(path).first_bad == (1, "#1..#6", "deleted")


def test_reordered_entries_are_reported(made: tuple[Path, list[LogEntry]]) -> None:
    path, entries = made
    with _attacker(path) as raw:
        raw.execute("UPDATE entries SET seq = -1 WHERE seq = 2")
        raw.execute("UPDATE entries SET seq = 2 WHERE seq = 4")
        raw.execute("UPDATE entries SET seq = 4 WHERE seq = -1")
    report = _verify(path)
    assert report.first_bad == (2, entries[3].id, "reordered")
    assert "made as #4 is stored at #2" in report.detail


def _forge(prev_hash: str, seq: int) -> tuple[object, ...]:
    entry_id = f"R{seq:06d}-0badf00d"
    content = {
        "id": entry_id,
        "seq": seq,
        "kind": "compounding-record",
        "created_at": "2024-03-09T10:00:00.000000Z",
        "day": "2024-03-09",
        "formula": "cream",
        "lots": ["LOT-F"],
        "corrects": None,
        "payload": {"rx": "FORGED"},
    }
    return (
        seq,
        entry_id,
        content["kind"],
        content["created_at"],
        content["day"],
        content["formula"],
        canonical_json(content["lots"]),
        None,
        canonical_json(content["payload"]),
        prev_hash,
        entry_hash(prev_hash, content),
    )


def test_forged_entry_with_wrong_prev_hash_is_reported(made: tuple[Path, list[LogEntry]]) -> None:
    path, _ = made
    row = _forge("f" * 64, 7)  # a well-formed entry whose own hash is right
    with _attacker(path) as raw:
        raw.execute(f"INSERT INTO entries VALUES ({', '.join('?' * 11)})", row)
        # a careful forger also moves the head
        raw.execute("UPDATE meta SET value = '7' WHERE key = 'head_seq'")
        raw.execute("UPDATE meta SET value = ? WHERE key = 'head_hash'", (row[-1],))
        raw.execute("UPDATE meta SET value = ? WHERE key = 'head_id'", (row[1],))
    report = _verify(path)
    assert report.first_bad == (7, "R000007-0badf00d", "out-of-chain")
    assert "previous-hash matches no entry" in report.detail


def test_entry_appended_outside_compoundkit_is_reported(
    made: tuple[Path, list[LogEntry]],
) -> None:
    path, entries = made
    row = _forge(entries[-1].hash, 7)  # chained correctly, but not through the log
    with _attacker(path) as raw:
        raw.execute(f"INSERT INTO entries VALUES ({', '.join('?' * 11)})", row)
    report = _verify(path)
    assert report.first_bad == (7, "R000007-0badf00d", "out-of-chain")
    assert "outside compoundkit" in report.detail


def test_triggers_stop_naive_edits(made: tuple[Path, list[LogEntry]]) -> None:
    path, _ = made
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute("UPDATE entries SET payload = '{}' WHERE seq = 1")
    finally:
        raw.close()
    assert _verify(path).ok


# --------------------------------------------------------------------------- processes

_WRITER = textwrap.dedent(
    """
    import sys
    from compoundkit.records.log import RecordLog

    path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with RecordLog(path) as log:
        i = 0
        while count < 0 or i < count:
            entry = log.append(
                "compounding-record", {"writer": name, "i": i}, formula=name,
                lots=[f"{name}-{i % 10}"],
            )
            print(entry.id, flush=True)  # reported only once committed
            i += 1
    """
)


def _writer(tmp_path: Path, log_path: Path, name: str, count: int, **popen: Any) -> Any:
    script = tmp_path / "writer.py"
    if not script.exists():
        script.write_text(_WRITER)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [sys.executable, str(script), str(log_path), name, str(count)], env=env, **popen
    )


def test_concurrent_writers_make_one_valid_chain(tmp_path: Path) -> None:
    writers, count = (4, 2000) if THOROUGH else (2, 1000)
    path = tmp_path / "shared.db"  # created by whichever writer gets there first
    outputs = [tmp_path / f"w{n}.out" for n in range(writers)]
    procs = []
    for n, out in enumerate(outputs):
        with out.open("w") as sink:
            procs.append(_writer(tmp_path, path, f"w{n}", count, stdout=sink))
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    with RecordLog(path) as log:
        report = log.verify()
        assert report.ok, str(report)
        assert report.count == len(log) == writers * count
        entries = log.entries()
    assert [e.seq for e in entries] == list(range(1, writers * count + 1))
    for n, out in enumerate(outputs):
        reported = out.read_text().split()
        assert len(reported) == count
        mine = [e for e in entries if e.formula == f"w{n}"]
        assert [e.id for e in mine] == reported
        assert [e.payload["i"] for e in mine] == list(range(count))  # each writer's order kept


def test_killed_writer_loses_no_committed_entry(tmp_path: Path) -> None:
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    path = tmp_path / "killed.db"
    reported: list[str] = []
    for round_ in range(12 if THOROUGH else 4):
        proc = _writer(tmp_path, path, f"k{round_}", -1, stdout=subprocess.PIPE)
        assert proc.stdout is not None
        for _ in range(rng.randint(1, 40)):  # let it commit a few entries...
            line = proc.stdout.readline()
            assert line.endswith(b"\n"), f"writer died early (seed {seed})"
            reported.append(line.decode().strip())
        if rng.random() < 0.7:  # ...then kill it at a random moment, usually mid-stream
            busy_until = rng.uniform(0, 0.02)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=busy_until)
        proc.send_signal(signal.SIGKILL)
        rest = proc.stdout.read()
        proc.wait(timeout=30)
        proc.stdout.close()
        assert proc.returncode == -signal.SIGKILL
        reported += [
            ln.decode().strip() for ln in rest.splitlines(keepends=True) if ln.endswith(b"\n")
        ]
        with RecordLog(path) as log:
            report = log.verify()
            assert report.ok, f"{report} (seed {seed})"
            present = {e.id for e in log.entries()}
        missing = [i for i in reported if i not in present]
        assert not missing, f"committed entries lost: {missing[:5]} (seed {seed})"
    assert len(reported) >= 4


# --------------------------------------------------------------------------- storage


def test_readonly_file_refuses_appends_and_stays_unchanged(
    made: tuple[Path, list[LogEntry]],
) -> None:
    path, entries = made
    before, listing = _digest(path), sorted(os.listdir(path.parent))
    os.chmod(path, 0o444)
    try:
        with RecordLog(path) as log:
            assert log.readonly
            assert log.entries() == entries
            with pytest.raises(LogStorageError, match=r"read-only.*nothing was written"):
                log.append("note", {})
            assert log.verify().ok
        assert _digest(path) == before
        assert sorted(os.listdir(path.parent)) == listing
    finally:
        os.chmod(path, 0o644)
    with RecordLog(path) as log:  # writable again: the log carries on
        assert log.append("note", {}).seq == 7
        assert log.verify().ok


def test_readonly_directory_refuses_appends_and_new_logs(
    made: tuple[Path, list[LogEntry]],
) -> None:
    path, entries = made
    folder = path.parent
    before, listing = _digest(path), sorted(os.listdir(folder))
    os.chmod(folder, 0o555)
    try:
        with RecordLog(path) as log:
            assert log.readonly
            assert len(log) == len(entries)
            with pytest.raises(LogStorageError, match="read-only"):
                log.append("note", {})
        with pytest.raises(LogStorageError, match=r"directory .* is read-only"):
            RecordLog(folder / "new.db")
        assert _digest(path) == before
        assert sorted(os.listdir(folder)) == listing
    finally:
        os.chmod(folder, 0o755)


def test_sqlite_level_readonly_error_is_a_storage_error(
    made: tuple[Path, list[LogEntry]],
) -> None:
    """A read-only mount is only noticed by SQLite itself: its error is mapped too."""
    path, _ = made
    before = _digest(path)
    with RecordLog(path, readonly=True) as log:
        log._readonly = False  # pretend compoundkit did not notice (e.g. a read-only mount)
        with pytest.raises(LogStorageError, match=r"is read-only .*attempt to write a readonly"):
            log.append("note", {})
    assert _digest(path) == before
    assert _verify(path).ok


def test_full_disk_writes_nothing(made: tuple[Path, list[LogEntry]]) -> None:
    path, _ = made
    with RecordLog(path) as log:
        head, count = log.head(), len(log)
        conn = log._conn  # fault injection: cap the database at its current size
        assert conn is not None
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(LogStorageError, match=r"disk full: .* nothing was written"):
            log.append("note", {"big": "x" * 200_000})
        assert (len(log), log.head()) == (count, head)
        assert log.verify().ok
        conn.execute("PRAGMA max_page_count = 1073741823")
        assert log.append("note", {"after": "space freed"}).seq == count + 1
        assert log.verify().ok


class _FailingCommit:
    """Delegates to a real connection but fails COMMIT as a full disk would."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, *args: Any) -> Any:
        if sql == "COMMIT":
            raise sqlite3.OperationalError("database or disk is full")
        return self.conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


def test_failed_commit_rolls_back_the_whole_entry(made: tuple[Path, list[LogEntry]]) -> None:
    path, entries = made
    with RecordLog(path) as log:
        real = log._conn
        assert real is not None
        log._conn = _FailingCommit(real)  # type: ignore[assignment]
        with pytest.raises(LogStorageError, match="disk full"):
            log.append("note", {"lost": True})  # the INSERT ran; the COMMIT failed
        log._conn = real
        assert not real.in_transaction
        assert len(log) == len(entries)
        assert log.head() == (6, entries[-1].hash)
        assert log.verify().ok
        assert log.append("note", {}).prev_hash == entries[-1].hash
