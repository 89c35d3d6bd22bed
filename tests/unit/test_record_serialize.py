"""Record files: JSON and TOML round trips, schema versions, hostile documents, the log."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from compoundkit.errors import OutputPathError, RecordError, SchemaVersionError
from compoundkit.formulas import load_formula
from compoundkit.formulas.bud import BudExtension
from compoundkit.records import serialize
from compoundkit.records.cr import CompoundingRecord, Lot, QcResult
from compoundkit.records.log import RecordLog
from compoundkit.records.mfr import CompoundingStep, MasterFormulationRecord, QualityCheck
from compoundkit.records.serialize import (
    SCHEMA_VERSION,
    dumps_json,
    dumps_toml,
    load_record,
    loads_json,
    loads_toml,
    log_record,
    record_from_dict,
    record_from_entry,
    record_to_dict,
    save_record,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def mfr() -> MasterFormulationRecord:
    return MasterFormulationRecord.create(
        load_formula(EXAMPLES / "muscle-spasm-cream.toml"),
        steps=[
            CompoundingStep("Levigate the actives.", ("slab", "spatula"), precautions="Gloves."),
            CompoundingStep("Mix in the base.\nCheck for grit.", ("unguator",)),
        ],
        description="Smooth off-white cream",
        quality_control=[QualityCheck("pH", "Paper, 10 % dispersion.", "5.0-7.0")],
        labelling=["Keep out of reach of children"],
        other=["Work at 20-25 °C"],
        extension=BudExtension(
            30,
            "In-house stability study SS-12",
            "stability-study",
            antimicrobial_effectiveness="USP <51> report AET-3",
        ),
        author="A. Chen",
    ).approve("B. Diaz", dt.date(2024, 2, 1))


@pytest.fixture(scope="module")
def cr(mfr: MasterFormulationRecord) -> CompoundingRecord:
    return CompoundingRecord.create(
        mfr,
        size="30 g",
        count=4,
        excess="5%",
        internal_id="RX-1001",
        prepared_at=dt.datetime(2024, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        compounded_by="C. Evans",
        verified_by="B. Diaz",
        lots={"ketoprofen": Lot("K7", dt.date(2025, 6, 30), "Acme")},
        weighed={"ketoprofen": "12.61 g"},
        description="Smooth",
        qc_results=[QcResult("pH", "6.1", True), QcResult("appearance", "smooth")],
        deviations=["Mixed 2 minutes longer"],
        notes=["Balance B2"],
    )


# --------------------------------------------------------------------------- round trips


def test_mfr_round_trips_through_json_and_toml(mfr: MasterFormulationRecord) -> None:
    assert loads_json(dumps_json(mfr)) == mfr
    assert loads_toml(dumps_toml(mfr)) == mfr
    again = loads_json(dumps_json(mfr))
    assert isinstance(again, MasterFormulationRecord)
    assert again.content_hash == mfr.content_hash
    assert again.is_approved


def test_cr_round_trips_through_json_and_toml(cr: CompoundingRecord) -> None:
    assert loads_json(dumps_json(cr)) == cr
    assert loads_toml(dumps_toml(cr)) == cr


def test_document_layout(cr: CompoundingRecord) -> None:
    data = json.loads(dumps_json(cr))
    assert (data["schema"], data["schema_version"]) == ("compoundkit.cr", SCHEMA_VERSION)
    assert data["prepared_at"] == "2024-03-01T09:30:00-05:00"
    assert data["made"] == {"value": 126.0, "unit": "gram"}
    keto = data["components"][0]
    assert keto["target"] == {"value": 12.6, "unit": "gram"}
    assert keto["weighed"] == {"value": 12.61, "unit": "gram"}
    assert (keto["lot"], keto["expiry"], keto["vendor"]) == ("K7", "2025-06-30", "Acme")
    assert "lot" not in data["components"][1]  # absent values are left out (TOML has no null)
    assert data["mfr"]["content_hash"] == cr.mfr_hash
    assert data["mfr"]["record"]["formulation"]["vehicle"] == "lipoderm-activemax"
    toml = tomllib.loads(dumps_toml(cr))
    assert toml["schema"] == "compoundkit.cr"
    assert toml["mfr"]["record"]["bud"]["extension"]["days"] == 30


def test_files_are_written_atomically_and_read_back(
    mfr: MasterFormulationRecord, cr: CompoundingRecord, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, record in (("mfr.toml", mfr), ("mfr.json", mfr), ("cr.json", cr), ("cr.toml", cr)):
        assert save_record(record, name) == Path(name)
        assert load_record(name) == record
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cr.json", "cr.toml", "mfr.json",
                                                          "mfr.toml"]  # fmt: skip
    with pytest.raises(OutputPathError, match="leaves the current folder"):
        save_record(mfr, "../escape.json")
    with pytest.raises(RecordError, match=r"ends in \.json or \.toml"):
        save_record(mfr, "mfr.yaml")
    assert not (tmp_path.parent / "escape.json").exists()


# --------------------------------------------------------------------------- versions


def test_newer_schema_names_both_versions(mfr: MasterFormulationRecord) -> None:
    data = record_to_dict(mfr) | {"schema_version": SCHEMA_VERSION + 1}
    with pytest.raises(SchemaVersionError, match=r"schema_version 2 is newer .* reads \(1\)"):
        record_from_dict(data, source="mfr.json")


def test_older_schema_without_migration_is_a_clear_error(mfr: MasterFormulationRecord) -> None:
    data = record_to_dict(mfr) | {"schema_version": 0}
    with pytest.raises(SchemaVersionError, match=r"mfr.json: schema_version 0 is older .*\(1\)"):
        record_from_dict(data, source="mfr.json")


def test_migrations_run_in_order() -> None:
    def add_b(data: dict[str, Any]) -> dict[str, Any]:
        return data | {"b": 1}

    old = {"schema_version": SCHEMA_VERSION - 1, "a": 0}
    upgraded = serialize._upgrade(old, "x", {SCHEMA_VERSION - 1: add_b})
    assert upgraded == {"schema_version": SCHEMA_VERSION, "a": 0, "b": 1}
    assert old == {"schema_version": SCHEMA_VERSION - 1, "a": 0}


# --------------------------------------------------------------------------- hostile input


def _edited(record: Any, path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = record_to_dict(record)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("schema",), "compoundkit.batch", "schema must be 'compoundkit.mfr' or 'compoundkit.cr'"),
        (("schema_version",), "1", "schema_version must be a whole number"),
        (("schema_version",), KeyError, "schema_version must be a whole number"),
        (("record_id",), KeyError, "record_id: is required"),
        (("version",), 1.5, "version: expected a whole number, got float"),
        (("version",), True, "version: expected a whole number, got a boolean"),
        (("steps", 0, "instruction"), 5, r"steps\[0\].instruction: expected text, got int"),
        (("steps", 0, "colour"), "red", r"steps\[0\]: unknown field\(s\) 'colour'"),
        (("steps", 1, "equipment"), "unguator", r"steps\[1\].equipment: expected a list"),
        (("steps",), {"a": 1}, "steps: expected a list of tables"),
        (("approved_on",), "2024-2-1", "approved_on: expected a date YYYY-MM-DD"),
        (("approved_on",), "2024-02-30", "not a calendar date"),
        (("description",), "Grainy", "changed after its approval"),
        (("author",), "B. Diaz", "approved by its author"),
        (
            ("bud", "extension", "days"),
            999,
            "bud: MFR BUD extension of 999 days is longer than the 180-day maximum",
        ),
        (("bud", "rule_set"), "usp795-1999", "unknown BUD rule set"),
        (("formulation", "ingredients", 0, "strength"), "9**9**9 %", "formulation: .*strength"),
        (("formulation",), "cream", "formulation: expected a formula table"),
        (("hacker",), 1, r"unknown field\(s\) 'hacker'"),
    ],
)
def test_bad_mfr_documents_name_the_field(
    mfr: MasterFormulationRecord, path: tuple[Any, ...], value: Any, message: str
) -> None:
    with pytest.raises(RecordError, match=message):
        record_from_dict(_edited(mfr, path, value), source="mfr.json")


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("mfr", "record", "description"), "Tampered", "changed after its approval"),
        (("mfr", "content_hash"), "0" * 64, "a different or altered version"),
        (("mfr", "version"), 2, "names MFR MFR-muscle-spasm-cream v2 but holds"),
        (("verified_by",), "c. evans", "same person"),
        (("components", 0, "target"), {"value": 12.6, "unit": "mg"}, "expected 'gram'"),
        (("components", 0, "weighed"), 12.61, r"components\[0\].weighed: expected a quantity"),
        (("components", 0, "kind"), "powder", "kind must be one of"),
        (("components", 0, "target", "value"), 10**400, r"components\[0\].target.value: .*finite"),
        (("components", 0, "weighed", "value"), -1, "must be from 0 to"),
        (("made",), {"value": 0, "unit": "gram"}, "more than 0 g"),
        (("prepared_at",), "2024-03-01 09:30", "expected an ISO date and time"),
        (("prepared_at",), "2024-13-01T09:30", "not a valid date and time"),
        (("bud", "date"), "2024-02-01", "before the preparation day"),
        (("qc_results", 0, "passed"), "yes", "passed: expected true or false"),
    ],
)
def test_bad_cr_documents_name_the_field(
    cr: CompoundingRecord, path: tuple[Any, ...], value: Any, message: str
) -> None:
    with pytest.raises(RecordError, match=message):
        record_from_dict(_edited(cr, path, value), source="cr.json")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not valid JSON"),
        ('{"schema": "compoundkit.mfr"', "not valid JSON"),
        ("[1, 2]", "must be a table"),
        ('{"schema": "compoundkit.mfr", "schema_version": NaN}', "NaN is not a number"),
        ('{"schema": "compoundkit.mfr", "schema_version": 1' + "0" * 5000 + "}", "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply|not valid JSON"),
        ('{"a":' * 40 + "1" + "}" * 40, "nested deeper than 32"),
    ],
)
def test_malformed_json_is_a_record_error(text: str, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        loads_json(text, source="bad.json")


def test_malformed_toml_and_files(tmp_path: Path, mfr: MasterFormulationRecord) -> None:
    with pytest.raises(RecordError, match="not valid TOML"):
        loads_toml('schema = "compoundkit.mfr"\nschema_version = ', source="bad.toml")
    with pytest.raises(RecordError, match=r"bad\.toml: schema must be"):
        loads_toml("x = 1979-05-27", source="bad.toml")
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"name": "caf\xe9"}')
    with pytest.raises(RecordError, match="not UTF-8"):
        load_record(latin)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (serialize.MAX_RECORD_BYTES + 1))
    with pytest.raises(RecordError, match="larger than"):
        load_record(big)
    with pytest.raises(RecordError, match=r"ends in \.json or \.toml"):
        load_record(tmp_path / "record.txt")
    with pytest.raises(RecordError, match="is a folder"):
        load_record(tmp_path / "dir.json" if (tmp_path / "dir.json").mkdir() is None else "")
    truncated = dumps_json(mfr)[:-40]
    with pytest.raises(RecordError, match="not valid JSON"):
        loads_json(truncated)


# --------------------------------------------------------------------------- the log


def test_records_in_the_log_are_found_by_lot_and_read_back(
    cr: CompoundingRecord, mfr: MasterFormulationRecord, tmp_path: Path
) -> None:
    with RecordLog(tmp_path / "records.db") as log:
        first = log_record(log, mfr)
        entry = log_record(log, cr)
        assert (first.kind, first.day) == ("mfr", dt.date(2024, 2, 1))
        assert (entry.kind, entry.day, entry.formula) == (
            "compounding-record",
            dt.date(2024, 3, 1),
            "Muscle spasm cream",
        )
        assert entry.lots == ("K7",)
        assert [e.id for e in log.find(lot="K7")] == [entry.id]
        assert record_from_entry(log.get(entry.id)) == cr
        assert record_from_entry(log.get(first.id)) == mfr
        note = log.append("note", {"text": "hi"})
        with pytest.raises(RecordError, match="not a record"):
            record_from_entry(note)
        assert log.verify().ok
