"""Issue 13 from Python: approve, prepare, weigh, verify, release, correct; each refusal is a
specific exception carrying its findings; saved records are checked again when read."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from compoundkit.errors import (
    BatchError,
    FormulaFileError,
    IncompleteRecordError,
    OutOfToleranceError,
    RecordError,
    RecordRefusedError,
    SamePersonError,
    StoredFigureError,
)
from compoundkit.formulas import load_formula, loads_toml
from compoundkit.names import name_key, same_name
from compoundkit.records.corrections import correct
from compoundkit.records.cr import CompoundingRecord, Lot
from compoundkit.records.gates import date_findings
from compoundkit.records.labels import container_labels, made_strengths
from compoundkit.records.log import RecordLog
from compoundkit.records.mfr import CompoundingStep, MasterFormulationRecord, QualityCheck
from compoundkit.records.schema import record_from_dict, record_to_dict
from compoundkit.records.serialize import (
    correction_chain,
    dumps_record,
    latest_version,
    loads_record,
    log_correction,
    log_record,
    record_from_entry,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AT = dt.datetime(2026, 11, 25, 10, 30)
LOTS = {
    "ketoprofen": Lot("K-118", dt.date(2027, 6, 30), "Acme"),
    "cyclobenzaprine": Lot("C-9", dt.date(2027, 3, 31)),
    "guaifenesin": Lot("G-7", dt.date(2027, 1, 31)),
    "magnesium chloride": Lot("M-4", dt.date(2027, 5, 31)),
    "lipoderm activemax": Lot("L-21", dt.date(2027, 2, 28)),
}
ON_TARGET = {
    "ketoprofen": "12 g",
    "cyclobenzaprine": "2.4 g",
    "guaifenesin": "12 g",
    "magnesium chloride": "6 g",
    "lipoderm activemax": "87.6 g",
}


def draft_mfr(author: str = "A. Chen") -> MasterFormulationRecord:
    return MasterFormulationRecord.create(
        load_formula(EXAMPLES / "muscle-spasm-cream.toml"),
        steps=[CompoundingStep("Mix.", ("unguator",))],
        description="Smooth off-white cream",
        quality_control=[QualityCheck("appearance", "Look.", "smooth")],
        author=author,
    )


@pytest.fixture(scope="module")
def mfr() -> MasterFormulationRecord:
    return draft_mfr().approve("B. Osei", dt.date(2026, 11, 20))


def prepared(mfr: MasterFormulationRecord, **changes: Any) -> CompoundingRecord:
    values: dict[str, Any] = {
        "size": "30 g",
        "count": 4,
        "internal_id": "RX-1042",
        "prepared_at": AT,
        "compounded_by": "A. Chen",
        "lots": LOTS,
    }
    return CompoundingRecord.create(mfr, **(values | changes))


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    "spelling", ["A. Chen", "A.Chen", "a. chen", " A.  CHEN ", "\u0410. Chen", "\u0391. \u0421hen"]
)
def test_every_spelling_of_the_author_is_the_author(spelling: str) -> None:
    assert same_name(spelling, "A. Chen")
    with pytest.raises(SamePersonError) as refused:
        draft_mfr().approve(spelling, dt.date(2026, 11, 20))
    assert refused.value.findings[0].code == "CK310"
    assert "cannot approve" in str(refused.value)


def test_lookalike_folding_keeps_different_names_apart() -> None:
    assert name_key("\u0412. \u041esei") == name_key("B. Osei")  # Cyrillic VE and O
    assert name_key("\u03c5") != name_key("y")  # a small upsilon looks like u, not y
    assert name_key("\u03a5") == name_key("Y")
    assert not same_name("A. Chen", "A. Cheng")
    assert not same_name("\u0410. Chen", "B. Chen")


# --------------------------------------------------------------------------- approval


def test_approval_binds_the_hash_and_any_change_is_a_new_unapproved_version(
    mfr: MasterFormulationRecord,
) -> None:
    assert mfr.approved_hash == mfr.content_hash
    with pytest.raises(StoredFigureError, match="changed after its approval") as edited:
        attrs.evolve(mfr, description="Smooth white cream")
    assert edited.value.field == "approved_hash"
    revised = mfr.revise(description="Smooth white cream")
    assert (revised.version, revised.is_approved) == (2, False)
    with pytest.raises(RecordRefusedError, match="already approved"):
        mfr.approve("C. Diaz", dt.date(2026, 11, 21))


def test_preparation_notes_carry_the_formula_notes_storage_and_hints() -> None:
    notes = draft_mfr().preparation_notes or ()
    assert any(n.startswith("Storage: refrigerator") for n in notes)
    assert any("dissolve it in a cosolvent" in n and n.endswith("(CK111)") for n in notes)
    noted = loads_toml(
        'name = "G"\ndosage_form = "gel"\nvehicle = "plo"\nnotes = ["Mix 5 minutes."]\n'
        '[[ingredients]]\nname = "ketoprofen"\nstrength = "10 % w/w"\n'
    )
    assert MasterFormulationRecord.create(noted).preparation_notes[0] == "Mix 5 minutes."  # type: ignore[index]


# --------------------------------------------------------------------------- the steps


def test_prepare_weigh_verify_release(mfr: MasterFormulationRecord) -> None:
    cr = prepared(mfr)
    assert cr.state == "prepared"
    assert [c.target_g for c in cr.components] == [12.0, 2.4, 12.0, 6.0, 87.6]
    assert cr.made_g == 120.0
    half = cr.weigh({"ketoprofen": "12.01 g"}, by="A. Chen", at=AT)
    assert half.state == "prepared"
    assert half.unweighed() == ("Cyclobenzaprine", "Guaifenesin", "Magnesium chloride",
                                "Lipoderm ActiveMax")  # fmt: skip
    weighed = half.weigh({k: v for k, v in ON_TARGET.items() if k != "ketoprofen"},
                         by="A. Chen", at=AT)  # fmt: skip
    assert weighed.state == "weighed"
    assert weighed.made_g == pytest.approx(120.01)
    with pytest.raises(SamePersonError):
        weighed.verify(by="a.chen", at=AT)
    verified = weighed.verify(by="B. Osei", at=AT + dt.timedelta(minutes=20))
    released = verified.release(by="B. Osei", at=AT + dt.timedelta(minutes=25))
    assert released.is_final
    assert [(s.step, s.by) for s in released.steps] == [
        ("prepared", "A. Chen"), ("weighed", "A. Chen"),
        ("verified", "B. Osei"), ("released", "B. Osei"),
    ]  # fmt: skip
    assert released.gaps() == ()
    with pytest.raises(RecordRefusedError, match="correction"):
        released.weigh({"ketoprofen": "12 g"}, by="A. Chen", at=AT)
    again = loads_record(dumps_record(released, "json"), "json")
    assert again == released


def test_out_of_tolerance_blocks_verification_until_a_deviation_is_documented(
    mfr: MasterFormulationRecord,
) -> None:
    slip = prepared(mfr, weighed=ON_TARGET | {"ketoprofen": "120 g", "cyclobenzaprine": "0.24 g"},
                    verified_by="B. Osei")  # fmt: skip
    assert slip.state == "weighed"
    with pytest.raises(OutOfToleranceError) as refused:
        slip.verify(by="B. Osei", at=AT)
    codes = [(f.code, f.component) for f in refused.value.findings]
    assert codes == [("CK301", "Ketoprofen"), ("CK301", "Cyclobenzaprine")]
    message = refused.value.findings[0].message
    assert "target of 12 g" in message
    assert "+108 g" in message
    assert "+900.00 %" in message
    assert "outside ±5 % (11.4 g to 12.6 g)" in message
    explained = slip.document_deviations(
        {"ketoprofen": "tenfold slip", "cyclobenzaprine": "tenfold slip"}
    )
    released = explained.verify(by="B. Osei", at=AT).release(by="B. Osei", at=AT)
    assert [d.acknowledged_by for d in released.line_deviations or ()] == ["B. Osei"] * 2
    assert [f.code for f in released.findings()] == ["CK302", "CK302"]
    assert released.is_final


def test_release_names_everything_missing(mfr: MasterFormulationRecord) -> None:
    unapproved = draft_mfr()
    cr = prepared(unapproved, lots={"ketoprofen": LOTS["ketoprofen"]})
    with pytest.raises(IncompleteRecordError) as refused:
        cr.release(by="B. Osei", at=AT)
    found = [(f.code, f.component) for f in refused.value.findings]
    assert found[0] == ("CK303", None)
    assert ("CK304", "Guaifenesin") in found
    assert ("CK304", "Ketoprofen") not in found
    assert ("CK305", "Ketoprofen") in found
    assert ("CK306", None) in found
    assert found[-1] == ("CK307", None)


def test_tolerances_per_line_formula_and_run() -> None:
    formula = loads_toml(
        'name = "G"\ndosage_form = "gel"\nvehicle = "plo"\ntolerance = "2 %"\n'
        '[[ingredients]]\nname = "ketoprofen"\nstrength = "10 % w/w"\ntolerance = "1 %"\n'
        '[[excipients]]\nname = "menthol"\nstrength = "1 % w/w"\n'
    )
    assert formula.tolerances() == (1.0, 2.0)
    mfr = MasterFormulationRecord.create(formula)

    def tolerances(run: Any = None) -> list[float]:
        cr = CompoundingRecord.create(mfr, size="100 g", internal_id="RX", prepared_at=AT,
                                      compounded_by="A", tolerance=run)  # fmt: skip
        return [c.tolerance for c in cr.components]

    assert tolerances() == [1.0, 2.0, 2.0]  # ketoprofen, menthol, the vehicle
    assert tolerances("0.5%") == [0.5, 0.5, 0.5]  # a run tightens...
    assert tolerances("10 %") == [1.0, 2.0, 2.0]  # ...and never loosens
    plain = MasterFormulationRecord.create(load_formula(EXAMPLES / "ketoprofen-gel.toml"))
    cr = CompoundingRecord.create(plain, size="100 g", internal_id="RX", prepared_at=AT,
                                  compounded_by="A", tolerance="10 %")  # fmt: skip
    assert [c.tolerance for c in cr.components] == [10.0, 10.0]  # replaces the default
    with pytest.raises(BatchError, match="at most 50 %"):
        CompoundingRecord.create(plain, size="100 g", internal_id="RX", prepared_at=AT,
                                 compounded_by="A", tolerance="60%")  # fmt: skip
    assert loads_toml(formula.to_toml()) == formula
    with pytest.raises(FormulaFileError, match=r"ingredients\[0\]\.tolerance"):
        loads_toml(formula.to_toml().replace('tolerance = "1 %"', 'tolerance = "1 g"'))


def test_labels_carry_the_container_quantity_and_the_strengths_made(
    mfr: MasterFormulationRecord,
) -> None:
    short = ON_TARGET | {"ketoprofen": "10.8 g", "lipoderm activemax": "88.8 g"}  # 9 %
    cr = prepared(mfr, weighed=short)
    labels = container_labels(cr)
    assert len(labels) == 4
    for number, label in enumerate(labels, 1):
        assert "cream, topical; 30 g" in label
        assert f"ID: RX-1042 (container {number} of 4)" in label
        assert "Use by (BUD): 2026-12-08" in label
        assert "Storage: refrigerator" in label
        assert "For external use only" in label
    assert made_strengths(cr)[0] == "Ketoprofen 9 % w/w"
    assert "Ketoprofen 9 % w/w" in labels[0][1]


def test_a_strength_as_base_says_so_on_the_label() -> None:
    base = loads_toml(
        'name = "C"\ndosage_form = "cream"\nvehicle = "lipoderm-activemax"\n'
        '[[ingredients]]\nname = "cyclobenzaprine"\nform = "hydrochloride"\n'
        'expressed_as = "base"\nstrength = "1 % w/w"\n'
    )
    cr = CompoundingRecord.create(MasterFormulationRecord.create(base), size="60 g",
                                  internal_id="RX", prepared_at=AT, compounded_by="A")  # fmt: skip
    assert "1 % w/w (as base)" in container_labels(cr)[0][1]


def test_compounding_dates_far_off_are_warnings() -> None:
    today = dt.date(2026, 12, 1)
    assert [f.code for f in date_findings(dt.datetime(2027, 1, 1, 9), today)] == ["CK308"]
    assert date_findings(dt.datetime(2026, 12, 1, 9), today) == ()
    assert date_findings(dt.datetime(2017, 1, 1, 9), today) == ()
    old = date_findings(dt.datetime(1926, 11, 25, 9), today)
    assert old[0].severity.value == "warning"
    assert "more than 10 years ago" in old[0].message


# --------------------------------------------------------------------------- saved records


def test_saved_records_are_checked_again_when_read(mfr: MasterFormulationRecord) -> None:
    cr = prepared(mfr, weighed=ON_TARGET, verified_by="B. Osei")
    cr = cr.verify(by="B. Osei", at=AT).release(by="B. Osei", at=AT)
    data = record_to_dict(cr)

    def refused(change: Any) -> StoredFigureError:
        edited = json.loads(json.dumps(data))
        change(edited)
        with pytest.raises(StoredFigureError) as caught:
            record_from_dict(edited, source="rx.json")
        return caught.value

    def low_target(d: Any) -> None:
        d["components"][0]["target"]["value"] = 1.2

    def later_bud(d: Any) -> None:
        d["bud"]["date"] = "2027-12-08"

    def more_made(d: Any) -> None:
        d["made"]["value"] = 1200.0

    assert refused(low_target).field == "components[0].target"
    assert "stored 1.2 g, but the formula and the batch (4 x 30 g) give 12 g" in str(
        refused(low_target)
    )
    assert refused(later_bud).field == "bud.date"
    assert refused(more_made).field == "made"
    with pytest.raises(
        RecordError, match=r"rx\.json: mfr\.record\.approved_hash: .* changed after its approval"
    ):
        record_from_dict(json.loads(json.dumps(data)) | {"mfr": _forged(data)}, source="rx.json")


def _forged(data: dict[str, Any]) -> dict[str, Any]:
    mfr = json.loads(json.dumps(data["mfr"]))
    mfr["record"]["approved_hash"] = "1" * 64
    mfr["content_hash"] = "1" * 64
    return dict(mfr)


def test_a_forged_mfr_bud_is_refused() -> None:
    data = record_to_dict(draft_mfr())
    data["bud"]["period"] = "180 days"
    with pytest.raises(RecordError, match=r"bud\.period"):
        record_from_dict(data)


# --------------------------------------------------------------------------- the log


def test_corrections_chain_in_the_log(mfr: MasterFormulationRecord, tmp_path: Path) -> None:
    cr = prepared(mfr, weighed=ON_TARGET, verified_by="B. Osei")
    cr = cr.verify(by="B. Osei", at=AT).release(by="B. Osei", at=AT)
    later = AT + dt.timedelta(days=1)
    with RecordLog(tmp_path / "records.db") as log:
        original = log_record(log, cr)
        first = correct(cr, reason="lot mistyped", by="B. Osei", at=later,
                        lots={"ketoprofen": Lot("K-119", dt.date(2027, 6, 30))})  # fmt: skip
        assert [str(c) for c in first.changes] == ["components[Ketoprofen].lot: K-118 -> K-119"]
        fix1 = log_correction(log, original.id, first)
        second = first.record.correct(reason="QC", by="B. Osei", at=later, notes=["pH 6.1"])
        fix2 = log_correction(log, fix1.id, second)
        assert [e.id for e in correction_chain(log, original.id)] == [fix1.id, fix2.id]
        tip, record = latest_version(log, original.id)
        assert tip.id == fix2.id
        assert isinstance(record, CompoundingRecord)
        assert record.components[0].lot == "K-119"
        assert record.notes == ("pH 6.1",)
        assert record_from_entry(log.get(original.id)) == cr  # the original is kept
        assert [e.id for e in log.find(lot="K-119")] == [fix1.id, fix2.id]
        with pytest.raises(RecordRefusedError, match="changes nothing"):
            correct(record, reason="none", by="B. Osei", at=later)
        with pytest.raises(OutOfToleranceError):  # released: a slip needs its deviation
            correct(record, reason="re-read", by="B. Osei", at=later,
                    weighed={"ketoprofen": "13 g"})  # fmt: skip
        slip = {"weighed": {"ketoprofen": "13 g"}, "line_deviations": {"ketoprofen": "why"}}
        with pytest.raises(RecordRefusedError, match="acknowledged by its verifier"):
            correct(record, reason="re-read", by="A. Chen", at=later, **slip)
        fixed = correct(record, reason="re-read", by="B. Osei", at=later, **slip)
        assert fixed.record.is_final
        assert log.verify().ok


# --------------------------------------------------------------------------- provenance


def test_the_worksheet_says_where_each_actual_comes_from(mfr: MasterFormulationRecord) -> None:
    """A verifier sees which actuals a balance gave (and when) and which were typed in."""
    from compoundkit.records.render import cr_to_html, cr_to_markdown

    record = prepared(mfr).weigh(ON_TARGET, by="A. Chen", at=AT)
    read_at = dt.datetime(2026, 11, 25, 10, 31, 7, tzinfo=dt.UTC)
    first = attrs.evolve(
        record.components[0], balance="Mettler Toledo XS205 SN 1234", weighed_at=read_at
    )
    record = attrs.evolve(record, components=(first, *record.components[1:]))
    text = cr_to_markdown(record)
    assert (
        "Ketoprofen: 12.000 g read from Mettler Toledo XS205 SN 1234 at 2026-11-25 10:31:07+00:00"
        in text
    )
    assert "Cyclobenzaprine: 2.400 g typed in (not read from a balance)" in text
    assert "read from Mettler Toledo XS205 SN 1234" in cr_to_html(record)
