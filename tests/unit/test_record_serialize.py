"""Record files: JSON and TOML round trips, schema versions, hostile documents, the log."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from compoundkit.errors import OutputPathError, RecordError, SchemaVersionError
from compoundkit.formulas import load_formula
from compoundkit.formulas.bud import BudExtension
from compoundkit.records import schema, serialize
from compoundkit.records.cr import CompoundingRecord, Lot, QcResult
from compoundkit.records.log import RecordLog
from compoundkit.records.mfr import CompoundingStep, MasterFormulationRecord, QualityCheck
from compoundkit.records.schema import RECORD_SCHEMA_VERSION, record_from_dict, record_to_dict
from compoundkit.records.serialize import (
    dumps_record,
    load_record,
    loads_record,
    log_record,
    record_from_entry,
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
    assert loads_record(dumps_record(mfr, "json"), "json") == mfr
    assert loads_record(dumps_record(mfr, "toml"), "toml") == mfr
    again = loads_record(dumps_record(mfr, "json"), "json")
    assert isinstance(again, MasterFormulationRecord)
    assert again.content_hash == mfr.content_hash
    assert again.is_approved


def test_cr_round_trips_through_json_and_toml(cr: CompoundingRecord) -> None:
    assert loads_record(dumps_record(cr, "json"), "json") == cr
    assert loads_record(dumps_record(cr, "toml"), "toml") == cr


def test_document_layout(cr: CompoundingRecord) -> None:
    data = json.loads(dumps_record(cr, "json"))
    assert (data["schema"], data["schema_version"]) == ("compoundkit.cr", RECORD_SCHEMA_VERSION)
    assert data["prepared_at"] == "2024-03-01T09:30:00-05:00"
    assert data["made"] == {"value": 126.0, "unit": "gram"}
    keto = data["components"][0]
    assert keto["target"] == {"value": 12.6, "unit": "gram"}
    assert keto["weighed"] == {"value": 12.61, "unit": "gram"}
    assert (keto["lot"], keto["expiry"], keto["vendor"]) == ("K7", "2025-06-30", "Acme")
    assert "lot" not in data["components"][1]  # absent values are left out (TOML has no null)
    assert data["mfr"]["content_hash"] == cr.mfr_hash
    assert data["mfr"]["record"]["formulation"]["vehicle"] == "lipoderm-activemax"
    toml = tomllib.loads(dumps_record(cr, "toml"))
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
    data = record_to_dict(mfr) | {"schema_version": RECORD_SCHEMA_VERSION + 1}
    with pytest.raises(SchemaVersionError, match=r"schema_version 2 is newer .* reads \(1\)"):
        record_from_dict(data, source="mfr.json")


def test_older_schema_without_migration_is_a_clear_error(mfr: MasterFormulationRecord) -> None:
    data = record_to_dict(mfr) | {"schema_version": 0}
    with pytest.raises(SchemaVersionError, match=r"mfr.json: schema_version 0 is older .*\(1\)"):
        record_from_dict(data, source="mfr.json")


def test_migrations_run_in_order() -> None:
    def add_b(data: dict[str, Any]) -> dict[str, Any]:
        return data | {"b": 1}

    old = {"schema_version": RECORD_SCHEMA_VERSION - 1, "a": 0}
    upgraded = schema._upgrade(old, "x", {RECORD_SCHEMA_VERSION - 1: add_b})
    assert upgraded == {"schema_version": RECORD_SCHEMA_VERSION, "a": 0, "b": 1}
    assert old == {"schema_version": RECORD_SCHEMA_VERSION - 1, "a": 0}


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
        (("record_id",), KeyError, "record_id: required, but missing"),
        (("version",), 1.5, "version: must be a whole number, not the number 1.5"),
        (("version",), True, "version: must be a whole number, not true"),
        (("steps", 0, "instruction"), 5, r"steps\[0\].instruction: must be text, not the number 5"),
        (("steps", 0, "colour"), "red", r"steps\[0\].colour: unknown key; allowed: instruction, "),
        (("steps", 1, "equipment"), "unguator", r"steps\[1\].equipment: must be a list, not the"),
        (("steps",), {"a": 1}, "steps: must be a list, not a table"),
        (("approved_on",), "2024-2-1", r"approved_on: must be a date \(YYYY-MM-DD\), not the text"),
        (("approved_on",), "2024-02-30", "not a calendar date"),
        (("description",), "Grainy", "changed after its approval"),
        (("author",), "B. Diaz", "approved by its author"),
        (
            ("bud", "extension", "days"),
            999,
            "bud: MFR BUD extension of 999 days is longer than the 180-day maximum",
        ),
        (("bud", "rule_set"), "usp795-1999", "unknown BUD rule set"),
        (
            ("formulation", "ingredients", 0, "strength"),
            "9**9**9 %",
            r"formulation.ingredients\[0\].strength: invalid strength .*: powers and expressions",
        ),
        (("formulation",), "cream", "formulation: must be a formula table, not the text 'cream'"),
        (("hacker",), 1, "hacker: unknown key; allowed: formulation, record_id, version, "),
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
        (
            ("components", 0, "target"),
            {"value": 12.6, "unit": "mg"},
            r"components\[0\].target.unit: the text 'mg' is not allowed; allowed: gram",
        ),
        (("components", 0, "weighed"), 12.61, r"components\[0\].weighed: must be a table, not"),
        (("components", 0, "kind"), "powder", "kind must be one of"),
        (("components", 0, "target", "value"), 10**400, r"components\[0\].target.value: .*finite"),
        (("components", 0, "weighed", "value"), -1, "must be from 0 to"),
        (("made",), {"value": 0, "unit": "gram"}, "more than 0 g"),
        (("prepared_at",), "2024-03-01 09:30", "prepared_at: must be an ISO date and time such"),
        (("prepared_at",), "2024-13-01T09:30", "not a valid date and time"),
        (("bud", "date"), "2024-02-01", "before the preparation day"),
        (("qc_results", 0, "passed"), "yes", r"qc_results\[0\].passed: must be true or false"),
    ],
)
def test_bad_cr_documents_name_the_field(
    cr: CompoundingRecord, path: tuple[Any, ...], value: Any, message: str
) -> None:
    with pytest.raises(RecordError, match=message):
        record_from_dict(_edited(cr, path, value), source="cr.json")


def test_every_problem_is_listed_with_its_file_and_line(cr: CompoundingRecord) -> None:
    data = record_to_dict(cr)
    data["components"][1]["lot"] = 7
    data["qc_results"][0]["passed"] = "yes"
    data["mfr"]["record"]["steps"][0]["colour"] = "red"
    text = tomli_w.dumps(data)
    with pytest.raises(RecordError) as caught:
        loads_record(text, "toml", source="cr.toml")
    lines = text.splitlines()
    found = {p.field: (p.line, p.message) for p in caught.value.problems}
    assert set(found) == {"components[1].lot", "qc_results[0].passed", "mfr.record.steps[0].colour"}
    assert all(line is not None for line, _ in found.values())  # best effort in inline tables
    assert lines[found["components[1].lot"][0] - 1] == "lot = 7"
    assert found["mfr.record.steps[0].colour"][1].startswith("unknown key; allowed: instruction")
    assert str(caught.value).startswith("cr.toml: 3 problems:\n  cr.toml:")
    line, message = found["components[1].lot"]
    assert f"cr.toml:{line}: components[1].lot: {message}" in str(caught.value)
    assert message == "must be text, not the number 7"


def test_toml_dates_and_times_may_be_toml_values(cr: CompoundingRecord) -> None:
    text = dumps_record(cr, "toml")
    native = text.replace(
        'prepared_at = "2024-03-01T09:30:00-05:00"', "prepared_at = 2024-03-01T09:30:00-05:00"
    )
    native = native.replace('expiry = "2025-06-30"', "expiry = 2025-06-30")
    assert native != text
    assert loads_record(native, "toml") == cr
    naive = CompoundingRecord.create(
        cr.mfr, size="30 g", internal_id="RX-2", prepared_at=dt.datetime(2024, 3, 1, 9, 30),
        compounded_by="C. Evans", verified_by="B. Diaz",
    )  # fmt: skip
    assert loads_record(dumps_record(naive, "toml"), "toml") == naive
    assert '"2024-03-01T09:30:00"' in dumps_record(naive, "json")


def test_an_unknown_format_is_refused(mfr: MasterFormulationRecord) -> None:
    with pytest.raises(RecordError, match="'json' or 'toml', not 'yaml'"):
        dumps_record(mfr, "yaml")  # type: ignore[arg-type]
    with pytest.raises(RecordError, match="'json' or 'toml', not 'yaml'"):
        loads_record("{}", "yaml")  # type: ignore[arg-type]


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
        loads_record(text, "json", source="bad.json")


def test_malformed_toml_and_files(tmp_path: Path, mfr: MasterFormulationRecord) -> None:
    with pytest.raises(RecordError, match="not valid TOML"):
        loads_record('schema = "compoundkit.mfr"\nschema_version = ', "toml", source="bad.toml")
    with pytest.raises(RecordError, match=r"bad\.toml: schema must be"):
        loads_record("x = 1979-05-27", "toml", source="bad.toml")
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
    truncated = dumps_record(mfr, "json")[:-40]
    with pytest.raises(RecordError, match="not valid JSON"):
        loads_record(truncated, "json")


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


# --------------------------------------------------------------------------- saved files

V1 = Path(__file__).resolve().parent / "data" / "records-v1"
V1_NAMES = ("mfr-approved", "mfr-draft", "mfr-revised", "mfr-monograph", "cr-lots", "cr-plain")


@pytest.mark.parametrize("name", V1_NAMES)
def test_files_saved_before_issue_17_load_and_save_back_byte_identical(name: str) -> None:
    as_json, as_toml = load_record(V1 / f"{name}.json"), load_record(V1 / f"{name}.toml")
    assert as_json == as_toml
    if isinstance(as_json, MasterFormulationRecord):
        assert as_json.content_hash == as_toml.content_hash
    assert dumps_record(as_json, "json") == (V1 / f"{name}.json").read_text(encoding="utf-8")
    assert dumps_record(as_toml, "toml") == (V1 / f"{name}.toml").read_text(encoding="utf-8")


def test_files_saved_before_issue_17_keep_their_hashes() -> None:
    approved, draft = load_record(V1 / "mfr-approved.json"), load_record(V1 / "mfr-draft.json")
    assert isinstance(approved, MasterFormulationRecord)
    assert approved.is_approved
    assert approved.approved_hash == approved.content_hash
    revised = load_record(V1 / "mfr-revised.toml")
    assert isinstance(revised, MasterFormulationRecord)
    assert revised.previous_hash == approved.content_hash
    for cr_name, mfr in (("cr-lots", approved), ("cr-plain", draft)):
        cr = load_record(V1 / f"{cr_name}.json")
        assert isinstance(cr, CompoundingRecord)
        assert cr.mfr == mfr
        assert cr.mfr_hash == mfr.content_hash
