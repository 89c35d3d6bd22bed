"""Properties of the record log: any appends verify; any one-byte change is detected."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compoundkit.errors import RecordError
from compoundkit.records._canonical import canonical_json, entry_hash
from compoundkit.records.log import LogEntry, NewEntry, RecordLog

# JSON values as the log stores them (lists, not tuples; finite floats; any Unicode text)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
payloads = st.dictionaries(st.text(max_size=8), json_values, max_size=5)
names = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=12).filter(
    str.strip
)
appends = st.lists(
    st.tuples(
        st.sampled_from(["compounding-record", "mfr", "note"]),
        payloads,
        st.none() | names,
        st.lists(names, max_size=3),
        st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
    ),
    min_size=1,
    max_size=8,
)
# Each example writes a SQLite file (fsync): no per-example deadline; the number of
# examples comes from the active hypothesis profile.
io_settings = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextlib.contextmanager
def _fresh_log() -> Iterator[tuple[Path, RecordLog]]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.db"
        with RecordLog(path) as log:
            yield path, log


@io_settings
@given(appends)
def test_any_sequence_of_appends_verifies_and_round_trips(
    batch: list[tuple[str, dict[str, Any], str | None, list[str], dt.date]],
) -> None:
    with _fresh_log() as (path, log):
        made: list[LogEntry] = []
        for kind, payload, formula, lots, day in batch:
            corrects = made[-1].id if made and kind == "note" else None
            made.append(
                log.append(kind, payload, formula=formula, lots=lots, on=day, corrects=corrects)
            )
            assert canonical_json(dict(made[-1].payload)) == canonical_json(payload)
        assert log.verify().ok
        with RecordLog(path) as again:
            assert again.entries() == made
            for entry, (_, payload, formula, lots, _) in zip(made, batch, strict=True):
                assert canonical_json(dict(again.get(entry.id).payload)) == canonical_json(payload)
                assert entry in again.find(formula=formula, lot=lots[0] if lots else None)


@io_settings
@given(
    batch=appends,
    pick=st.integers(0, 10**6),
    column=st.sampled_from(["payload", "hash", "prev_hash", "lots", "id", "kind", "day"]),
    offset=st.integers(0, 10**6),
    new_byte=st.integers(0, 255),
)
def test_any_single_byte_change_is_detected(
    batch: list[tuple[str, dict[str, Any], str | None, list[str], dt.date]],
    pick: int,
    column: str,
    offset: int,
    new_byte: int,
) -> None:
    with _fresh_log() as (path, log):
        made = [
            log.append(kind, payload, formula=formula, lots=lots, on=day)
            for kind, payload, formula, lots, day in batch
        ]
        log.close()
        target = made[pick % len(made)]
        raw = sqlite3.connect(path, isolation_level=None)
        try:
            raw.execute("DROP TRIGGER entries_append_only_update")
            stored = raw.execute(
                f"SELECT CAST({column} AS BLOB) FROM entries WHERE seq = ?", (target.seq,)
            ).fetchone()[0]
            data = bytearray(stored)
            at = offset % len(data)
            if data[at] == new_byte:
                new_byte = (new_byte + 1) % 256
            data[at] = new_byte
            raw.execute(
                f"UPDATE entries SET {column} = CAST(? AS TEXT) WHERE seq = ?",
                (bytes(data), target.seq),
            )
        finally:
            raw.close()
        with RecordLog(path) as reopened:
            report = reopened.verify()
        assert not report.ok
        assert report.first_bad is not None
        assert report.first_bad.seq == target.seq


def _stripped(entry: LogEntry) -> tuple[object, ...]:
    """An entry without what differs between two logs (its random id part, its time)."""
    return (
        entry.seq,
        entry.kind,
        entry.day,
        entry.formula,
        entry.lots,
        entry.corrects is not None,
        canonical_json(dict(entry.payload)),
    )


@io_settings
@given(appends)
def test_append_many_makes_the_chain_of_one_by_one_appends(
    batch: list[tuple[str, dict[str, Any], str | None, list[str], dt.date]],
) -> None:
    with _fresh_log() as (_, single), _fresh_log() as (_, bulk):
        first_single = single.append("note", {"start": True})
        first_bulk = bulk.append("note", {"start": True})
        one_by_one = [
            single.append(kind, payload, formula=formula, lots=lots, on=day)
            for kind, payload, formula, lots, day in batch
        ]
        corrects = first_bulk.id if len(batch) % 2 else None
        together = bulk.append_many(
            NewEntry(kind, payload, formula=formula, lots=lots, on=day, corrects=corrects)
            for kind, payload, formula, lots, day in batch
        )
        if corrects is not None:  # the bulk entries correct the first: compare alike
            one_by_one = [attrs.evolve(e, corrects=first_single.id) for e in one_by_one]
        assert [_stripped(e) for e in together] == [_stripped(e) for e in one_by_one]
        chain = [first_bulk, *together]
        for earlier, later in itertools.pairwise(chain):
            assert later.prev_hash == earlier.hash
            content = {
                "id": later.id,
                "seq": later.seq,
                "kind": later.kind,
                "created_at": later.created_at.isoformat(timespec="microseconds").replace(
                    "+00:00", "Z"
                ),
                "day": later.day.isoformat(),
                "formula": later.formula,
                "lots": list(later.lots),
                "corrects": later.corrects,
                "payload": dict(later.payload),
            }
            assert later.hash == entry_hash(later.prev_hash, content)
        assert bulk.entries() == chain
        assert bulk.verify().ok


@settings(deadline=None)
@given(payload=payloads, extra=st.lists(json_values, max_size=3).map(tuple))
def test_fast_canonical_json_is_canonical_json(payload: dict[str, Any], extra: Any) -> None:
    """The append path's shortcut spells every payload exactly as canonical_json does."""
    from compoundkit.records.log._model import payload_json

    for value in (payload, {**payload, "extra": extra}):
        assert payload_json(value) == canonical_json(value)


@settings(deadline=None)
@given(payloads)
def test_payload_keys_that_are_not_text_are_refused(payload: dict[str, Any]) -> None:
    from compoundkit.records.log._model import payload_json

    for key in (1, 2.5, True, None):
        with pytest.raises(RecordError, match="object keys must be text"):
            payload_json({**payload, "nested": [{"a": {key: 1}}]})
