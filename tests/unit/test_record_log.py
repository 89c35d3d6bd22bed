"""The record log: appending, reading, queries, corrections, opening and path handling."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from compoundkit.errors import CompoundkitError, LogStorageError, RecordError
from compoundkit.records.log import (
    APPLICATION_ID,
    GENESIS_HASH,
    LOG_SCHEMA_VERSION,
    LogEntry,
    RecordLog,
    UnknownEntryError,
)


@pytest.fixture
def log(tmp_path: Path) -> Iterator[RecordLog]:
    with RecordLog(tmp_path / "records.db") as opened:
        yield opened


def _expected_hash(entry: LogEntry) -> str:
    """The documented hash: SHA-256 of prev_hash + canonical JSON of the content."""
    content = {
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
    text = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256((entry.prev_hash + text).encode("utf-8")).hexdigest()


def test_append_and_get_round_trip(log: RecordLog) -> None:
    payload = {"rx": "RX-1001", "yield": {"value": 120.0, "unit": "gram"}, "by": "AB", "µ": [1, 2]}
    entry = log.append(
        "compounding-record",
        payload,
        formula="Muscle spasm cream",
        lots=["KET-2291", "CYC-17"],
        on=dt.date(2024, 3, 1),
    )
    assert entry.seq == 1
    assert re.fullmatch(r"R000001-[0-9a-f]{8}", entry.id)
    assert entry.kind == "compounding-record"
    assert entry.payload == payload
    assert entry.formula == "Muscle spasm cream"
    assert entry.lots == ("KET-2291", "CYC-17")
    assert entry.day == dt.date(2024, 3, 1)
    assert entry.corrects is None
    assert entry.created_at.tzinfo is not None
    assert entry.created_at.utcoffset() == dt.timedelta(0)
    assert entry.prev_hash == GENESIS_HASH == "0" * 64
    assert entry.hash == _expected_hash(entry)
    assert log.get(entry.id) == entry
    assert len(log) == 1
    with pytest.raises(TypeError):
        entry.payload["rx"] = "changed"  # type: ignore[index]


def test_entries_form_a_chain(log: RecordLog) -> None:
    made = [log.append("note", {"i": i}) for i in range(5)]
    assert [e.seq for e in made] == [1, 2, 3, 4, 5]
    for before, after in itertools.pairwise(made):
        assert after.prev_hash == before.hash
        assert after.hash == _expected_hash(after)
    assert log.entries() == made
    assert list(log) == made
    assert log.head() == (5, made[-1].hash)
    report = log.verify()
    assert report.ok
    assert (report.count, report.first_bad, report.head_hash) == (5, None, made[-1].hash)
    report.raise_if_broken()
    assert "intact, 5 entries" in str(report)


def test_log_persists_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "records.db"
    with RecordLog(path) as first:
        made = [first.append("note", {"i": i}, formula="f") for i in range(3)]
    with RecordLog(str(path)) as again:
        assert again.entries() == made
        assert again.append("note", {"i": 3}).prev_hash == made[-1].hash
        assert again.verify().ok


def test_find_by_formula_date_lot_and_kind(log: RecordLog) -> None:
    a = log.append(
        "compounding-record",
        {"rx": 1},
        formula="cream A",
        lots=["L1", "B7"],
        on=dt.date(2024, 3, 1),
    )
    b = log.append(
        "compounding-record", {"rx": 2}, formula="cream B", lots=["L10"], on=dt.date(2024, 3, 5)
    )
    c = log.append("mfr", {"v": 1}, formula="cream A", on=dt.date(2024, 3, 9))
    d = log.append(
        "compounding-record",
        {"rx": 3},
        formula="cream A",
        lots=["xL1", "L1"],
        on=dt.date(2024, 4, 1),
    )
    assert log.find(formula="cream A") == [a, c, d]
    assert log.find(kind="mfr") == [c]
    assert log.find(lot="L1") == [a, d]  # not L10, and not just a substring ("xL1")
    assert log.find(lot="L10") == [b]
    assert log.find(lot="nope") == []
    assert log.find(since=dt.date(2024, 3, 5)) == [b, c, d]
    assert log.find(until=dt.date(2024, 3, 5)) == [a, b]
    assert log.find(since=dt.date(2024, 3, 5), until=dt.date(2024, 3, 9)) == [b, c]
    assert log.find(formula="cream A", kind="compounding-record", lot="L1") == [a, d]
    assert log.find() == [a, b, c, d]
    with pytest.raises(RecordError, match="since 2024-03-09 is after until 2024-03-01"):
        log.find(since=dt.date(2024, 3, 9), until=dt.date(2024, 3, 1))
    with pytest.raises(RecordError, match=r"since must be a datetime\.date"):
        log.find(since="2024-03-01")  # type: ignore[arg-type]


def test_lot_query_with_awkward_characters(log: RecordLog) -> None:
    odd = log.append("note", {}, lots=['LOT "7"', "ä/ß\\x", "50%_", "a%"])
    other = log.append("note", {}, lots=["LOT 7", "50%", "ab"])
    assert log.find(lot='LOT "7"') == [odd]
    assert log.find(lot="ä/ß\\x") == [odd]
    assert log.find(lot="Ä/SS\\x") == [odd]  # compared by name_key: case folded
    assert log.find(lot="a%") == [odd]  # % and _ are no SQL wildcards here
    # name_key drops spaces, hyphens and underscores: "50%_" and "50%" are one lot
    assert log.find(lot="50%_") == [odd, other]


def test_lot_recall_compares_lots_as_names(log: RecordLog) -> None:
    """A recall finds a lot however it was typed (compoundkit.names.name_key)."""
    k1 = log.append("compounding-record", {}, lots=["K1", "KET-2291"])
    ket = log.append("compounding-record", {}, lots=["ket 2291"])
    log.append("compounding-record", {}, lots=["K10", "XK1"])
    assert log.find(lot="k1") == [k1]
    assert log.find(lot="K-1") == [k1]
    assert log.find(lot="Ket_2291") == [k1, ket]
    assert log.find(lot="ＫＥＴ２２９１") == [k1, ket]  # full-width digits and letters
    assert log.find(lot="k") == []


def test_default_day_is_today(log: RecordLog) -> None:
    assert log.append("note", {}).day == dt.date.today()


def test_corrections_reference_existing_entries(log: RecordLog) -> None:
    original = log.append("compounding-record", {"yield": 120})
    fix = log.append("correction", {"yield": 118, "why": "typo"}, corrects=original.id)
    second = log.append("correction", {"yield": 119}, corrects=original.id)
    log.append("note", {})
    assert fix.corrects == original.id
    assert log.corrections_of(original.id) == [fix, second]
    assert log.corrections_of(fix.id) == []
    assert log.get(original.id).payload == {"yield": 120}  # never altered
    before = len(log)
    with pytest.raises(UnknownEntryError, match=r"no entry 'R999999-00000000' in record log"):
        log.append("correction", {}, corrects="R999999-00000000")
    assert len(log) == before
    assert log.verify().ok
    with pytest.raises(UnknownEntryError):
        log.corrections_of("R999999-00000000")


def test_unknown_entry_error_is_a_lookup_error(log: RecordLog) -> None:
    assert issubclass(UnknownEntryError, LookupError)
    assert issubclass(UnknownEntryError, CompoundkitError)
    with pytest.raises(LookupError, match=r"^no entry 'R000001-deadbeef' in record log /"):
        log.get("R000001-deadbeef")


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"when": dt.date(2024, 3, 1)}, "payload.when: a date cannot be logged as JSON"),
        ({"x": {"y": [1, float("inf")]}}, "payload.x.y[1]: inf has no JSON form"),
        ({"x": {1: "a"}}, "payload.x: object keys must be text, got 1"),
        ({"s": {1, 2}}, "payload.s: a set cannot be logged"),
        ({"b": b"\x00"}, "payload.b: a bytes cannot be logged"),
        ({"t": "\ud800"}, "unpaired surrogate"),
        ({"n": 10**5000}, "payload: cannot be written as JSON"),
    ],
)
def test_payload_must_be_plain_json(
    log: RecordLog, payload: dict[str, object], fragment: str
) -> None:
    with pytest.raises(RecordError, match=re.escape(fragment)):
        log.append("note", payload)
    assert len(log) == 0


def test_deeply_nested_payload_is_refused(log: RecordLog) -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(100):
        node["n"] = {}
        node = node["n"]  # type: ignore[assignment]
    with pytest.raises(RecordError, match="nested deeper than 64 levels"):
        log.append("note", deep)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"kind": "Compounding Record"}, "kind must be a short lower-case word"),
        ({"kind": ""}, "kind must be a short lower-case word"),
        ({"payload": [1, 2]}, "payload must be a mapping, got list"),
        ({"lots": "KET-2291"}, "lots must be a list of lot numbers"),
        ({"lots": ["ok", ""]}, "lot must be non-empty text"),
        ({"lots": ["ok", None]}, "a lot number must be text, got None"),
        ({"formula": "cream\nA"}, "formula must be non-empty text"),
        ({"formula": 7}, "formula must be non-empty text"),
        ({"corrects": 5}, "corrects must be an entry id"),
        ({"on": dt.datetime(2024, 3, 1, 10, 0)}, "on must be a datetime.date"),
    ],
)
def test_append_argument_checks(log: RecordLog, kwargs: dict[str, object], fragment: str) -> None:
    args: dict[str, object] = {"kind": "note", "payload": {}}
    args.update(kwargs)
    kind, payload = args.pop("kind"), args.pop("payload")
    with pytest.raises(RecordError, match=re.escape(fragment)):
        log.append(kind, payload, **args)  # type: ignore[arg-type]
    assert len(log) == 0


def test_file_is_a_wal_sqlite_log_with_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "records.db"
    with RecordLog(path) as log:
        log.append("note", {})
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert raw.execute("PRAGMA user_version").fetchone()[0] == LOG_SCHEMA_VERSION == 2
        # append-only: the database itself refuses updates and deletes
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute("UPDATE entries SET payload = '{}'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            raw.execute("DELETE FROM entries")
    raw.close()


def test_unknown_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "records.db"
    RecordLog(path).close()
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA user_version = 7")
    raw.close()
    with pytest.raises(LogStorageError, match="schema version 7, written by a newer compoundkit"):
        RecordLog(path)


def test_directory_path_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LogStorageError, match="is a directory; give a file such as"):
        RecordLog(tmp_path)


def test_missing_directory_is_not_created(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "records.db"
    with pytest.raises(LogStorageError, match=r"does not exist \(compoundkit does not create"):
        RecordLog(target)
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("bad", ["", "  ", "a\x00b"])
def test_bad_path_strings(bad: str) -> None:
    with pytest.raises(LogStorageError, match="record log path must be a file name"):
        RecordLog(bad)


def test_not_a_sqlite_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "formula.toml"
    path.write_text('name = "cream"\n' * 50)
    before = path.read_bytes()
    with pytest.raises(LogStorageError, match="is not a SQLite database, so not a compoundkit"):
        RecordLog(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["formula.toml"]


def test_other_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE t (x)")
    raw.commit()
    raw.close()
    with pytest.raises(LogStorageError, match="is a SQLite database but not a compoundkit record"):
        RecordLog(path)


def test_empty_file_becomes_a_log(tmp_path: Path) -> None:
    path = tmp_path / "records.db"
    path.touch()
    with RecordLog(path) as log:
        log.append("note", {})
        assert log.verify().ok


def test_create_false_and_readonly_need_an_existing_log(tmp_path: Path) -> None:
    with pytest.raises(LogStorageError, match="no record log at"):
        RecordLog(tmp_path / "records.db", create=False)
    with pytest.raises(LogStorageError, match="no record log at"):
        RecordLog(tmp_path / "records.db", readonly=True)
    assert list(tmp_path.iterdir()) == []


def test_readonly_open_reads_but_refuses_appends(tmp_path: Path) -> None:
    path = tmp_path / "records.db"
    with RecordLog(path) as log:
        made = log.append("note", {"a": 1})
    with RecordLog(path, readonly=True) as reader:
        assert reader.readonly
        assert reader.entries() == [made]
        with pytest.raises(LogStorageError, match="read-only"):
            reader.append("note", {})
        assert reader.verify().ok


def test_closed_log_refuses_use(tmp_path: Path) -> None:
    log = RecordLog(tmp_path / "records.db")
    log.close()
    log.close()  # idempotent
    assert log.closed
    with pytest.raises(LogStorageError, match="is closed"):
        log.append("note", {})
    with pytest.raises(LogStorageError, match="is closed"):
        len(log)
    assert "closed" in repr(log)


def test_path_with_uri_special_characters(tmp_path: Path) -> None:
    path = tmp_path / "odd ?name#1%20&ü.db"
    with RecordLog(path) as log:
        log.append("note", {})
    assert path.is_file()
    with RecordLog(path) as log:
        assert len(log) == 1


def _as_version_1(path: Path) -> None:
    """Turn a log back into a version 1 log (before the lot index)."""
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute("DROP TABLE entry_lots")  # its triggers go with it
        raw.execute("PRAGMA user_version = 1")
    finally:
        raw.close()


def test_version_1_log_is_read_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "records.db"
    with RecordLog(path) as log:
        made = [log.append("note", {"i": i}, lots=[f"K-{i % 2}", "Shared"]) for i in range(5)]
    _as_version_1(path)
    with RecordLog(path, readonly=True) as old:  # read-only: recall scans, same answers
        assert old.find(lot="k0") == made[0::2]
        assert old.find(lot="shared") == made
        assert old.verify().ok
    with RecordLog(path) as log:  # writable: the index is built in the opening transaction
        assert log.find(lot="K 1") == made[1::2]
        later = log.append("note", {}, lots=["k1"])
        assert log.find(lot="k1") == [*made[1::2], later]
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == LOG_SCHEMA_VERSION
        assert raw.execute("SELECT count(*) FROM entry_lots").fetchone()[0] == 11
    raw.close()
