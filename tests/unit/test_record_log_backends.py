"""The record log's semantics on both backends: SQLite and a real PostgreSQL server.

Every test here runs twice: on a SQLite file and on a fresh log of the throwaway
PostgreSQL server that ``tests/postgres.py`` starts (skipped, with the command to run,
where the server cannot be had; never skipped in CI).
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from logs import attacker, is_pg

from compoundkit.errors import LogIntegrityError, LogStorageError, RecordError
from compoundkit.records._canonical import GENESIS_HASH, entry_hash
from compoundkit.records.log import (
    Checkpoint,
    LogEntry,
    NewEntry,
    RecordLog,
    UnknownEntryError,
    _postgres,
    _sqlite,
    copy_log,
    open_log,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "records.db")
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def log(target: str) -> Iterator[RecordLog]:
    with open_log(target) as opened:
        yield opened


def _content(entry: LogEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "seq": entry.seq,
        "kind": entry.kind,
        "created_at": entry.created_at.isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "day": entry.day.isoformat(),
        "formula": entry.formula,
        "lots": list(entry.lots),
        "corrects": entry.corrects,
        "payload": dict(entry.payload),
    }


def _fill(log: RecordLog, count: int = 6) -> list[LogEntry]:
    return log.append_many(
        NewEntry(
            "compounding-record",
            {"rx": f"MARKER-{i:04d}", "qty": 120 + i},
            formula="cream",
            lots=[f"LOT-{i}", "shared lot"],
            on=dt.date(2024, 3, i),
        )
        for i in range(1, count + 1)
    )


# --------------------------------------------------------------------------- appending, reading


def test_append_read_find_and_verify(log: RecordLog) -> None:
    first = log.append(
        "compounding-record",
        {"rx": "RX-1", "µ": [1, 2.5, None]},
        formula="Cream A",
        lots=["K1", "KET-2291"],
        on=dt.date(2024, 3, 1),
    )
    second = log.append("mfr", {"v": 1}, formula="Cream A", on=dt.date(2024, 3, 9))
    fix = log.append("correction", {"rx": "RX-1"}, corrects=first.id, lots=["k 1"])
    assert (first.seq, second.seq, fix.seq) == (1, 2, 3)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert fix.prev_hash == second.hash
    assert fix.hash == entry_hash(fix.prev_hash, _content(fix))
    assert log.get(first.id) == first
    assert log.entries() == [first, second, fix]
    assert log.find(lot="k1") == [first, fix]  # lots compared by name_key
    assert log.find(lot="ket 2291") == [first]
    assert log.find(lot="K10") == []
    assert log.find(formula="Cream A", until=dt.date(2024, 3, 5)) == [first]
    assert log.find(kind="mfr") == [second]
    assert log.corrections_of(first.id) == [fix]
    assert log.head() == Checkpoint(3, fix.hash) == (3, fix.hash)
    assert len(log) == 3
    report = log.verify()
    assert (report.ok, report.count, report.head_hash) == (True, 3, fix.hash)
    with pytest.raises(UnknownEntryError):
        log.append("correction", {}, corrects="R999999-00000000")
    assert len(log) == 3


def test_reopened_log_carries_on(target: str) -> None:
    with open_log(target) as first:
        made = _fill(first, 3)
    with RecordLog(target) as again:
        assert again.entries() == made
        assert again.append("note", {}).prev_hash == made[-1].hash
        assert again.verify().ok
    with open_log(target, readonly=True) as reader:
        assert reader.readonly
        with pytest.raises(LogStorageError, match="read-only"):
            reader.append("note", {})
        assert len(reader) == 4


def test_missing_log_is_not_created_read_only(target: str) -> None:
    with pytest.raises(LogStorageError, match="no record log at"):
        open_log(target, readonly=True)
    with pytest.raises(LogStorageError, match="no record log at"):
        open_log(target, create=False)


def test_append_many_makes_the_chain_appending_one_by_one_makes(log: RecordLog) -> None:
    before = log.append("note", {"first": True})
    batch = log.append_many(
        [
            NewEntry("compounding-record", {"i": 1, "t": (1, 2)}, lots=["A-1", "a1"]),
            {"kind": "correction", "payload": {"i": 2}, "corrects": before.id},
            NewEntry("mfr", {"i": 3}, formula="gel", on=dt.date(2025, 1, 2)),
        ]
    )
    after = log.append("note", {"last": True})
    entries = log.entries()
    assert entries == [before, *batch, after]
    for earlier, later in itertools.pairwise(entries):
        assert later.prev_hash == earlier.hash
        assert later.hash == entry_hash(later.prev_hash, _content(later))
    assert batch[0].payload == {"i": 1, "t": [1, 2]}  # as read back: JSON lists
    assert log.find(lot="A1") == [batch[0]]
    assert log.verify().ok
    assert log.append_many([]) == []


def test_append_many_is_all_or_nothing(log: RecordLog) -> None:
    made = _fill(log, 2)
    with pytest.raises(RecordError, match=r"entries\[1\]: kind must be"):
        log.append_many([NewEntry("note", {}), NewEntry("Bad Kind", {})])
    with pytest.raises(RecordError, match=r"entries\[0\]: an entry needs 'kind' and 'payload'"):
        log.append_many([{"kind": "note"}])
    with pytest.raises(UnknownEntryError):
        log.append_many([NewEntry("note", {}), NewEntry("note", {}, corrects="R000099-deadbeef")])
    assert log.entries() == made
    assert log.verify().ok


# --------------------------------------------------------------------------- verifying


def test_verify_streams_across_chunks_and_names_the_bad_entry(
    target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_sqlite, "CHUNK", 3)
    monkeypatch.setattr(_postgres, "CHUNK", 3)
    with open_log(target) as log:
        made = _fill(log, 11)
        assert log.verify().count == 11
    with attacker(target) as run:
        run("UPDATE entries SET payload = ? WHERE seq = 8", ('{"qty":1,"rx":"MARKER-0008"}',))
    with open_log(target) as log:
        report = log.verify()
    assert report.first_bad == (8, made[7].id, "edited")
    assert report.count == 11
    assert report.head_hash == made[6].hash  # the last good entry


@pytest.mark.parametrize(
    ("attack", "first_bad"),
    [
        ("UPDATE entries SET kind = 'mfr' WHERE seq = 2", (2, 1, "edited")),
        ("DELETE FROM entries WHERE seq = 3", (4, 3, "deleted")),
        ("DELETE FROM entries WHERE seq = 6", (6, 5, "deleted")),
        ("UPDATE entries SET seq = -1 WHERE seq = 2; UPDATE entries SET seq = 2 WHERE seq = 4; "
         "UPDATE entries SET seq = 4 WHERE seq = -1", (2, 3, "reordered")),
        ("UPDATE entries SET prev_hash = hash WHERE seq = 5", (5, 4, "edited")),
    ],
)  # fmt: skip
def test_tampering_is_named(target: str, attack: str, first_bad: tuple[int, int, str]) -> None:
    with open_log(target) as log:
        made = _fill(log)
    with attacker(target) as run:
        for statement in attack.split("; "):
            run(statement, ())
    with open_log(target) as log:
        report = log.verify()
    seq, index, reason = first_bad
    assert report.first_bad == (seq, made[index].id, reason)
    with pytest.raises(LogIntegrityError, match=f"entry #{seq}"):
        report.raise_if_broken()


def test_entry_slipped_in_outside_compoundkit_is_named(target: str) -> None:
    with open_log(target) as log:
        made = _fill(log, 3)
    with attacker(target) as run:
        row = run("SELECT * FROM entries WHERE seq = 3", ())[0]
        forged = (4, "R000004-0badf00d", *row[2:9], made[-1].hash, "f" * 64)
        run(f"INSERT INTO entries VALUES ({', '.join('?' * 11)})", forged)
    with open_log(target) as log:
        report = log.verify()
        assert report.first_bad == (4, "R000004-0badf00d", "edited")
        with pytest.raises(LogIntegrityError, match=r"run .compoundkit log verify."):
            log.append("note", {})  # nobody continues an altered chain


def test_the_database_refuses_edits(target: str) -> None:
    with open_log(target) as log:
        _fill(log, 2)
    if is_pg(target):
        import psycopg
        from logs import split_url

        conninfo, schema = split_url(target)
        with psycopg.connect(conninfo, autocommit=True) as raw:
            raw.execute("SELECT set_config('search_path', %s, false)", (schema,))
            for statement in (
                "UPDATE entries SET payload = '{}'",
                "DELETE FROM entry_lots",
                "TRUNCATE entries CASCADE",
            ):
                with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                    raw.execute(statement)  # type: ignore[arg-type]
    else:
        import sqlite3

        with sqlite3.connect(target) as raw:
            for statement in ("UPDATE entries SET payload = '{}'", "DELETE FROM entry_lots"):
                with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                    raw.execute(statement)
        raw.close()
    with open_log(target) as log:
        assert log.verify().ok


def test_incremental_verify_checks_only_after_the_checkpoint(target: str) -> None:
    with open_log(target) as log:
        made = _fill(log, 6)
        point = log.verify().checkpoint
        assert point == (6, made[-1].hash)
        later = log.append_many(NewEntry("note", {"n": n}) for n in range(4))
        report = log.verify(since=point)
        assert (report.ok, report.count, report.since) == (True, 10, 6)
        assert "checked after the checkpoint at #6" in str(report)
        assert log.verify(since=Checkpoint(0, GENESIS_HASH)).ok
        assert log.verify(since=log.head()).ok  # nothing after it: still a check of #10
    with attacker(target) as run:
        run('UPDATE entries SET payload = \'{"qty":0,"rx":"x"}\' WHERE seq = 2', ())
    with open_log(target) as log:
        assert log.verify(since=point).ok  # before the checkpoint: the checkpoint's business
        assert log.verify().first_bad == (2, made[1].id, "edited")
    with attacker(target) as run:
        run("UPDATE entries SET payload = '{\"n\":9}' WHERE seq = 8", ())
    with open_log(target) as log:
        assert log.verify(since=point).first_bad == (8, later[1].id, "edited")
        wrong = log.verify(since=(6, "e" * 64))
        assert wrong.first_bad == (6, made[5].id, "edited")
        assert "not the one the checkpoint recorded" in wrong.detail
        beyond = log.verify(since=(12, "e" * 64))
        assert beyond.first_bad == (12, "#12", "deleted")
        with pytest.raises(RecordError, match="since must be a Checkpoint"):
            log.verify(since="6")  # type: ignore[arg-type]


def test_verify_memory_stays_flat(target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Verify holds a chunk of rows at a time, never the whole log."""
    monkeypatch.setattr(_sqlite, "CHUNK", 100)
    monkeypatch.setattr(_postgres, "CHUNK", 100)
    big = {"text": "x" * 2000}
    with open_log(target) as log:
        log.append_many(NewEntry("note", big, lots=[f"L{i}"]) for i in range(3000))
        tracemalloc.start()
        try:
            report = log.verify()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert report.ok
    assert report.count == 3000
    assert peak < 1_500_000, f"verify peaked at {peak:,} bytes for a 6 MB log"


# --------------------------------------------------------------------------- copying


def test_copy_between_backends_keeps_ids_order_and_hashes(target: str, tmp_path: Path) -> None:
    source = tmp_path / "source.db"
    with open_log(source) as original:
        made = _fill(original, 5)
        original.append("correction", {"why": "typo"}, corrects=made[0].id)
        made = original.entries()
    with open_log(source, readonly=True) as original, open_log(target) as copy:
        report = copy_log(original, copy)
        assert (report.ok, report.count, report.head_hash) == (True, 6, made[-1].hash)
        assert copy.entries() == made
        assert copy.head() == original.head()
        assert copy.find(lot="lot 3") == [made[2]]
        assert copy.append("note", {}).prev_hash == made[-1].hash
        with pytest.raises(LogStorageError, match=r"is not empty \(7 entries\)"):
            copy_log(original, copy)
    back = tmp_path / "back.db"
    with open_log(target, readonly=True) as copy, open_log(back) as again:
        assert copy_log(copy, again).count == 7
        assert again.entries() == copy.entries()


def test_copy_of_a_broken_log_copies_nothing(target: str, tmp_path: Path) -> None:
    with open_log(target) as log:
        _fill(log, 4)
    with attacker(target) as run:
        run("DELETE FROM entries WHERE seq = 3", ())
    dest = tmp_path / "copy.db"
    with open_log(target) as broken, open_log(dest) as copy:
        with pytest.raises(LogIntegrityError, match=r"deleted: .* nothing was copied"):
            copy_log(broken, copy)
        assert len(copy) == 0
        assert copy.verify().ok


# --------------------------------------------------------------------------- first opens


def _open_rounds(targets: list[str], barrier: Any, results: Any) -> None:
    failures = []
    for target in targets:
        barrier.wait(timeout=60)
        try:
            with open_log(target) as opened:
                opened.head()
        except Exception as exc:  # every failure is reported, whatever it is
            failures.append(f"{target}: {type(exc).__name__}: {exc}")
    results.put(failures)


def test_many_processes_creating_one_new_log_never_fail(target: str) -> None:
    """100 rounds: 6 processes open the same new log at the same moment; none may fail."""
    rounds, writers = 100, 6
    if is_pg(target):
        targets = [f"{target}_{n}" for n in range(rounds)]
    else:
        targets = [f"{target[: -len('.db')]}-{n}.db" for n in range(rounds)]
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(writers), context.Queue()
    procs = [
        context.Process(target=_open_rounds, args=(targets, barrier, results))
        for _ in range(writers)
    ]
    for proc in procs:
        proc.start()
    failures = [failure for _ in procs for failure in results.get(timeout=240)]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    assert failures == [], f"{len(failures)} of {rounds * writers} opens failed: {failures[:3]}"
    for made in (targets[0], targets[-1]):
        with open_log(made, readonly=True) as opened:
            assert opened.verify().ok
            assert len(opened) == 0
