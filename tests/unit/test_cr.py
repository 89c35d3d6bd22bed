"""Compounding records: MFR binding, people, deviations, BUD, missing elements."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attrs
import pytest

from compoundkit.errors import BudError, CompoundkitError, RecordError
from compoundkit.formulas import load_formula
from compoundkit.records.cr import (
    CR_ELEMENTS,
    ComponentRecord,
    CompoundingRecord,
    Lot,
    QcResult,
)
from compoundkit.records.mfr import CompoundingStep, MasterFormulationRecord, QualityCheck
from compoundkit.units import quantity

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MARCH_1 = dt.datetime(2024, 3, 1, 9, 30)
LOTS = {
    "ketoprofen": Lot("K7", dt.date(2025, 6, 30), "Acme Fine Chemicals"),
    "cyclobenzaprine HCl": Lot("C9", dt.date(2025, 1, 31), "Acme Fine Chemicals"),
    "guaifenesin": Lot("G2", dt.date(2026, 1, 1), "Medisca"),
    "magnesium chloride": Lot("M4", dt.date(2027, 1, 1), "Medisca"),
    "Lipoderm ActiveMax": Lot("L1", dt.date(2025, 12, 31), "PCCA"),
}
WEIGHED = {
    "ketoprofen": "12.01 g",
    "cyclobenzaprine": quantity(2376.0, "milligram"),
    "guaifenesin": "12 g",
    "magnesium chloride": "5.97 g",
    "lipoderm-activemax": quantity(88.0, "gram"),
}


@pytest.fixture(scope="module")
def mfr() -> MasterFormulationRecord:
    return MasterFormulationRecord.create(
        load_formula(EXAMPLES / "muscle-spasm-cream.toml"),
        steps=[CompoundingStep("Mix.", ("unguator",))],
        description="Smooth off-white cream",
        quality_control=[QualityCheck("appearance", "Look.", "Smooth, no grit")],
        author="A. Chen",
    ).approve("B. Diaz", dt.date(2024, 2, 1))


def make(mfr: MasterFormulationRecord, **changes: Any) -> CompoundingRecord:
    values: dict[str, Any] = {
        "size": "120 g",
        "internal_id": "RX-1001",
        "prepared_at": MARCH_1,
        "compounded_by": "C. Evans",
        "verified_by": "B. Diaz",
        "lots": LOTS,
        "weighed": WEIGHED,
        "description": "Smooth off-white cream",
        "qc_results": [QcResult("appearance", "smooth, no grit", True)],
    }
    values.update(changes)
    return CompoundingRecord.create(mfr, **values)


def test_components_targets_and_hand_checked_deviations(mfr: MasterFormulationRecord) -> None:
    cr = make(mfr)
    by_name = {c.name: c for c in cr.components}
    assert list(by_name) == [
        "Ketoprofen",
        "Cyclobenzaprine",
        "Guaifenesin",
        "Magnesium chloride",
        "Lipoderm ActiveMax",
    ]
    # targets: the 120 g sheet (10 %, 2 %, 10 %, 5 %, q.s. 87.6 g)
    expected = {
        # name: (target g, weighed g, deviation g, deviation %)
        "Ketoprofen": (12.0, 12.01, 0.01, 0.01 / 12 * 100),  # +0.0833 %
        "Cyclobenzaprine": (2.4, 2.376, -0.024, -1.0),
        "Guaifenesin": (12.0, 12.0, 0.0, 0.0),
        "Magnesium chloride": (6.0, 5.97, -0.03, -0.5),
        "Lipoderm ActiveMax": (87.6, 88.0, 0.4, 0.4 / 87.6 * 100),  # +0.4566 %
    }
    for name, (target, weighed, deviation, percent) in expected.items():
        c = by_name[name]
        assert c.target == quantity(target, "gram")
        assert c.weighed is not None
        assert c.deviation is not None
        assert str(c.weighed.units) == "gram"
        assert c.weighed.magnitude == pytest.approx(weighed, abs=1e-12)
        assert c.deviation.magnitude == pytest.approx(deviation, abs=1e-12)
        assert c.deviation_percent == pytest.approx(percent, abs=1e-9)
    assert round(by_name["Ketoprofen"].deviation_percent or 0, 4) == 0.0833
    assert round(by_name["Lipoderm ActiveMax"].deviation_percent or 0, 4) == 0.4566
    assert by_name["Ketoprofen"].lot == "K7"
    assert by_name["Ketoprofen"].vendor == "Acme Fine Chemicals"
    assert by_name["Lipoderm ActiveMax"].kind == "vehicle"


def test_unweighed_component_has_no_deviation() -> None:
    c = ComponentRecord("Ketoprofen", "active", 12.0)
    assert (c.weighed, c.deviation, c.deviation_percent) == (None, None, None)
    assert ComponentRecord("Base", "vehicle", 0.0, weighed_g=0.5).deviation_percent is None


def test_record_binds_the_mfr_version_by_id_and_hash(mfr: MasterFormulationRecord) -> None:
    cr = make(mfr)
    assert cr.mfr_hash == mfr.content_hash
    assert (cr.mfr.record_id, cr.mfr.version) == (mfr.record_id, 1)
    cr.check_mfr(mfr)
    revised = mfr.revise(description="Smooth white cream")
    with pytest.raises(RecordError, match="follows MFR MFR-muscle-spasm-cream v1"):
        cr.check_mfr(revised)
    with pytest.raises(RecordError, match="a different or altered version"):
        attrs.evolve(cr, mfr=revised)
    with pytest.raises(RecordError, match="would follow another version"):
        make(mfr, mfr_hash=revised.content_hash)
    assert make(revised, mfr_hash=revised.content_hash).mfr.version == 2


@pytest.mark.parametrize("verifier", ["C. Evans", "c. evans", " C.  EVANS "])
def test_compounder_cannot_verify(mfr: MasterFormulationRecord, verifier: str) -> None:
    with pytest.raises(RecordError, match="same person"):
        make(mfr, verified_by=verifier)


def test_bud_counts_day_1_and_is_capped_by_the_earliest_lot(
    mfr: MasterFormulationRecord,
) -> None:
    cr = make(mfr)
    assert cr.bud.date == dt.date(2024, 3, 14)
    assert cr.bud.limited_by is None
    assert cr.bud.storage == "refrigerator"
    assert "Day 1 = 2024-03-01 -> 2024-03-14" in cr.bud.explanation
    capped = make(mfr, lots={**LOTS, "ketoprofen": Lot("K8", dt.date(2024, 3, 10))})
    assert capped.bud.date == dt.date(2024, 3, 10)
    assert capped.bud.limited_by == "Ketoprofen lot K8"
    assert "by the expiry of Ketoprofen lot K8 (2024-03-10)" in capped.bud.explanation
    shorter = make(mfr, shorten_bud_to=dt.date(2024, 3, 7))
    assert shorter.bud.date == dt.date(2024, 3, 7)
    with pytest.raises(BudError, match="expired component"):
        make(mfr, lots={**LOTS, "guaifenesin": Lot("G0", dt.date(2024, 2, 29))})


def test_missing_elements(mfr: MasterFormulationRecord) -> None:
    assert make(mfr).missing_elements() == ()
    partial = make(
        mfr,
        lots={"ketoprofen": Lot("K7", dt.date(2025, 6, 30))},
        weighed={"ketoprofen": "12 g"},
        description=None,
        qc_results=(),
    )
    others = "Cyclobenzaprine, Guaifenesin, Magnesium chloride, Lipoderm ActiveMax"
    assert [(m.number, m.detail) for m in partial.missing_elements()] == [
        (
            5,
            f"no lot number for {others}; no expiration date for {others}; "
            f"no vendor for Ketoprofen, {others}",
        ),
        (6, f"no actual weight for {others}"),
        (10, "no physical description"),
        (11, "no quality-control results"),
    ]
    assert partial.missing_elements()[0].name == CR_ELEMENTS[5]


def test_totals_batches_and_lots(mfr: MasterFormulationRecord) -> None:
    cr = make(mfr, size="30 g", count=4, excess="5%", made="125.5 g", weighed={})
    assert cr.components[0].target_g == pytest.approx(12.6)  # 126 g x 10 %
    assert cr.total_made == quantity(126.0, "gram")  # nothing weighed yet: the sheet's total
    assert cr.yield_g == 125.5  # the finished preparation, weighed
    # weighed: the total is what went in, 12.01 + 2.376 + 12 + 5.97 + 88 g
    assert make(mfr).made_g == pytest.approx(120.356, abs=1e-12)
    assert make(mfr).lots == ("K7", "C9", "G2", "M4", "L1")
    assert cr.batch.count == 4
    assert cr.batch.excess == "5%"
    assert cr.sheet().made_g == pytest.approx(126.0)
    assert make(mfr, size=quantity(0.12, "kilogram")).batch.size == "120 g"


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"lots": {"ibuprofen": LOTS["ketoprofen"]}}, CompoundkitError, "not a component"),
        (
            {"lots": {"Ketoprofen": LOTS["ketoprofen"], "ketoprofen": LOTS["ketoprofen"]}},
            RecordError,
            "given twice",
        ),
        ({"lots": {"ketoprofen": ("K7", "2025-06-30")}}, RecordError, "must be a Lot"),
        ({"weighed": {"ketoprofen": "12 mL"}}, RecordError, "weighed Ketoprofen: unit 'mL'"),
        ({"weighed": {"ketoprofen": 12.0}}, RecordError, "weighed Ketoprofen: 12.0 has no unit"),
        ({"weighed": {"ketoprofen": "-1 g"}}, RecordError, "weighed Ketoprofen: .*positive"),
        ({"weighed": {"ketoprofen": quantity(1, "mL")}}, RecordError, "wrong dimension"),
        ({"internal_id": ""}, RecordError, "CR internal_id must not be empty"),
        ({"prepared_at": dt.date(2024, 3, 1)}, RecordError, "datetime.datetime"),
        ({"count": 0}, RecordError, "count must be a whole number"),
        ({"qc_results": ["smooth"]}, RecordError, r"qc_results\[0\] must be a QcResult"),
    ],
)
def test_bad_input_is_refused(
    mfr: MasterFormulationRecord, changes: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        make(mfr, **changes)


def test_parts_validate_their_fields(mfr: MasterFormulationRecord) -> None:
    with pytest.raises(RecordError, match="component weighed_g must be from 0"):
        ComponentRecord("K", "active", 1.0, weighed_g=float("nan"))
    with pytest.raises(RecordError, match="component target_g must be from 0"):
        ComponentRecord("K", "active", 10**400)
    with pytest.raises(RecordError, match="kind must be one of"):
        ComponentRecord("K", "powder", 1.0)
    with pytest.raises(RecordError, match="QC passed"):
        QcResult("pH", "6", "yes")  # type: ignore[arg-type]
    with pytest.raises(RecordError, match=r"lot expiry must be a datetime\.date"):
        Lot("K1", "2025-01-01")  # type: ignore[arg-type]
    cr = make(mfr)
    with pytest.raises(RecordError, match="listed twice"):
        attrs.evolve(cr, components=cr.components + cr.components[:1])
    twin = attrs.evolve(cr.components[0], name=cr.components[0].name.upper() + " ")
    with pytest.raises(RecordError, match="listed twice"):  # compared by names.name_key
        attrs.evolve(cr, components=(*cr.components, twin))
    with pytest.raises(RecordError, match="before the preparation day"):
        attrs.evolve(cr, bud=attrs.evolve(cr.bud, date=dt.date(2024, 2, 1)))
