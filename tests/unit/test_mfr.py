"""Master formulation records: elements, missing elements, approval, versions, hashes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attrs
import pytest

from compoundkit.errors import CompoundkitError, RecordError
from compoundkit.formulas import Formulation, load_formula
from compoundkit.formulas.bud import BudExtension
from compoundkit.records.labels import auxiliary_labels, dedupe
from compoundkit.records.log import RecordLog
from compoundkit.records.mfr import (
    MFR_ELEMENTS,
    CompoundingStep,
    MasterFormulationRecord,
    MfrBud,
    QualityCheck,
    same_person,
)
from compoundkit.records.serialize import log_record, mfr_versions

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
APPROVED_ON = dt.date(2024, 2, 20)

STEPS = (
    CompoundingStep("Weigh every ingredient.", ("Class III balance", "weigh boats")),
    CompoundingStep(
        "Levigate ketoprofen, cyclobenzaprine HCl and guaifenesin with a little base.",
        ("ointment slab", "spatula"),
        precautions="Wear gloves; ketoprofen is a photosensitiser.",
    ),
    CompoundingStep("Dissolve the magnesium chloride in a minimum of purified water.", ("beaker",)),
    CompoundingStep("Add the base in geometric portions; mix until uniform.", ("unguator",)),
    CompoundingStep("Fill the airless pump and label it.", ("airless pump",)),
)
QC = (
    QualityCheck("appearance", "Spread a thin film on a glass slide.", "Smooth off-white cream"),
    QualityCheck("weight", "Weigh the filled pump, less its tare.", "100-110 % of the label"),
    QualityCheck("pH", "pH paper on a 10 % dispersion in water.", "pH 5.0-7.0"),
)


@pytest.fixture(scope="module")
def cream() -> Formulation:
    return load_formula(EXAMPLES / "muscle-spasm-cream.toml")


def complete(formulation: Formulation, **changes: Any) -> MasterFormulationRecord:
    values: dict[str, Any] = {
        "steps": STEPS,
        "description": "Smooth, off-white, odourless cream",
        "quality_control": QC,
        "labelling": ("Keep out of reach of children",),
        "other": ("Mix at 20-25 °C; add the magnesium solution last.",),
        "author": "A. Chen",
    }
    values.update(changes)
    return MasterFormulationRecord.create(formulation, **values)


# --------------------------------------------------------------------------- elements


def test_create_derives_bud_calculations_and_labels(cream: Formulation) -> None:
    mfr = MasterFormulationRecord.create(cream, author="A. Chen")
    assert mfr.record_id == "MFR-muscle-spasm-cream"
    assert mfr.version == 1
    assert mfr.container == "light-resistant airless pump"
    assert mfr.bud == MfrBud(
        period="14 days",
        storage="refrigerator",
        reference="USP <795> 2023 Table 3: aqueous, nonpreserved",
        rule_set="usp795-2023",
        rule="aqueous-nonpreserved",
    )
    assert mfr.reference_batch == "100 g"
    assert mfr.calculations[0] == "reference batch: 100 g"
    assert "Ketoprofen: 100 g x 10 % w/w = 10 g -> weigh 10 g" in mfr.calculations
    assert "Lipoderm ActiveMax: q.s. 100 - 27 = 73 g" in mfr.calculations
    assert mfr.auxiliary_labels == (
        "For external use only",
        "Avoid sunlight / UV exposure",
        "Do not cover with occlusive dressing",
    )


def test_missing_elements_of_a_bare_record_are_exact(cream: Formulation) -> None:
    missing = MasterFormulationRecord.create(cream).missing_elements()
    assert [(m.number, m.detail) for m in missing] == [
        (4, "no compounding steps"),
        (5, "no physical description"),
        (10, "no quality-control procedures"),
    ]
    assert missing[0].name == MFR_ELEMENTS[4]
    assert str(missing[1]) == "5. physical description of the preparation: no physical description"


def test_complete_record_misses_nothing(cream: Formulation) -> None:
    mfr = complete(cream)
    assert mfr.missing_elements() == ()
    assert mfr.is_complete


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"container": None}, [(3, "no container-closure system")]),
        ({"steps": ()}, [(4, "no compounding steps")]),
        ({"steps": (CompoundingStep("Mix."),)}, [(4, "no equipment named in any step")]),
        ({"description": None}, [(5, "no physical description")]),
        ({"bud": None}, [(6, "no BUD or storage"), (7, "no reference for the BUD")]),
        ({"calculations": ()}, [(8, "no calculations")]),
        (
            {"labelling": (), "auxiliary_labels": ()},
            [(9, "no labelling requirements or auxiliary labels")],
        ),
        ({"auxiliary_labels": ()}, []),  # the labelling requirement still covers element 9
        ({"quality_control": ()}, [(10, "no quality-control procedures")]),
        ({"other": ()}, []),  # element 11 is "anything else", optional
        (
            {"container": None, "quality_control": ()},
            [(3, "no container-closure system"), (10, "no quality-control procedures")],
        ),
    ],
)
def test_missing_elements_name_exactly_what_is_missing(
    cream: Formulation, changes: dict[str, Any], expected: list[tuple[int, str]]
) -> None:
    mfr = attrs.evolve(complete(cream), **changes)
    assert [(m.number, m.detail) for m in mfr.missing_elements()] == expected


def test_auxiliary_labels_are_deduplicated(cream: Formulation) -> None:
    mfr = complete(cream, extra_auxiliary_labels=["for external  USE only", "Shake well"])
    assert mfr.auxiliary_labels == (*auxiliary_labels(cream), "Shake well")
    assert dedupe(["A b", "a  B", "c", "a-b"]) == ("A b", "c")


def test_bud_for_other_classes_rule_sets_and_extensions() -> None:
    ointment = load_formula(EXAMPLES / "zinc-oxide-ointment.toml")
    assert MfrBud.for_formulation(ointment).period == "180 days"
    cream = load_formula(EXAMPLES / "muscle-spasm-cream.toml")
    old = MfrBud.for_formulation(cream, rules="usp795-2014")
    assert (old.period, old.rule_set) == ("30 days", "usp795-2014")
    ext = BudExtension(60, "USP monograph: Ketoprofen Topical Cream", "monograph")
    extended = MfrBud.for_formulation(cream, extension=ext)
    assert extended.period == "60 days"
    assert extended.reference == "monograph: USP monograph: Ketoprofen Topical Cream"
    assert extended.extension == ext
    with pytest.raises(CompoundkitError, match="180-day maximum"):
        MfrBud.for_formulation(cream, extension=BudExtension(200, "study", "monograph"))


# --------------------------------------------------------------------------- approval


def test_author_cannot_approve(cream: Formulation) -> None:
    mfr = complete(cream)
    for same in ("A. Chen", " a.  CHEN ", "A.Chen"):  # compared by names.name_key
        with pytest.raises(RecordError, match=r"is the author .* and cannot approve it"):
            mfr.approve(same, APPROVED_ON)
    assert same_person("A. Chen", "a. chen")
    assert not same_person("A. Chen", None)


def test_approval_needs_an_author_and_every_element(cream: Formulation) -> None:
    with pytest.raises(RecordError, match="has no author"):
        complete(cream, author=None).approve("B. Diaz", APPROVED_ON)
    with pytest.raises(RecordError, match=r"missing: 10\. quality-control"):
        complete(cream, quality_control=()).approve("B. Diaz", APPROVED_ON)
    with pytest.raises(RecordError, match=r"must be a datetime\.date"):
        complete(cream).approve("B. Diaz", dt.datetime(2024, 2, 20, 9, 0))


def test_approve_binds_the_approval_to_the_content(cream: Formulation) -> None:
    draft = complete(cream)
    approved = draft.approve("B. Diaz", APPROVED_ON)
    assert not draft.is_approved
    assert approved.is_approved
    assert (approved.approved_by, approved.approved_on) == ("B. Diaz", APPROVED_ON)
    assert approved.approved_hash == approved.content_hash == draft.content_hash
    with pytest.raises(RecordError, match=r"already approved by B\. Diaz"):
        approved.approve("C. Evans", APPROVED_ON)
    with pytest.raises(RecordError, match="changed after its approval"):
        attrs.evolve(approved, description="Grainy cream")
    with pytest.raises(RecordError, match="approved by its author"):
        attrs.evolve(approved, approved_by="a. chen")
    with pytest.raises(RecordError, match="together or not at all"):
        attrs.evolve(draft, approved_by="B. Diaz")


def test_revise_makes_a_new_unapproved_version(cream: Formulation) -> None:
    v1 = complete(cream).approve("B. Diaz", APPROVED_ON)
    v2 = v1.revise(description="Smooth white cream")
    assert (v2.version, v2.is_approved, v2.previous_hash) == (2, False, v1.content_hash)
    assert v2.record_id == v1.record_id
    assert v2.content_hash != v1.content_hash
    assert v1.is_approved
    assert v1.description == "Smooth, off-white, odourless cream"
    v2_ok = v2.approve("C. Evans", dt.date(2024, 3, 1))
    assert v2_ok.version == 2
    for field in ("version", "approved_by", "record_id", "no_such_field"):
        with pytest.raises(RecordError, match="cannot change"):
            v1.revise(**{field: "x"})


def test_revising_the_formulation_recomputes_calculations_and_labels(
    cream: Formulation,
) -> None:
    gel = load_formula(EXAMPLES / "ketoprofen-gel.toml")
    v2 = complete(cream).revise(formulation=gel)
    assert "Ketoprofen: 100 g x 10 % w/w = 10 g -> weigh 10 g" in v2.calculations
    assert not any("Guaifenesin" in line for line in v2.calculations)
    assert v2.auxiliary_labels == auxiliary_labels(gel)


def test_content_hash_covers_content_not_approval(cream: Formulation) -> None:
    a, b = complete(cream), complete(cream)
    assert a.content_hash == b.content_hash
    assert len(a.content_hash) == 64
    assert int(a.content_hash, 16) >= 0
    assert attrs.evolve(a, author="Z. Young").content_hash != a.content_hash
    assert attrs.evolve(a, steps=STEPS[:-1]).content_hash != a.content_hash
    assert a.approve("B. Diaz", APPROVED_ON).content_hash == a.content_hash


def test_old_versions_stay_readable_from_the_log(cream: Formulation, tmp_path: Path) -> None:
    v1 = complete(cream).approve("B. Diaz", APPROVED_ON)
    v2 = v1.revise(description="Smooth white cream")
    with RecordLog(tmp_path / "records.db") as log:
        log_record(log, v1)
        log_record(log, v2)
        versions = mfr_versions(log, v1.record_id)
        assert mfr_versions(log, "MFR-other") == ()
    assert versions == (v1, v2)
    assert versions[0].is_approved
    assert versions[0].description == v1.description


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"author": "A.\nChen"}, "MFR author must be one line"),
        ({"author": "   "}, "MFR author must not be empty"),
        ({"record_id": "x" * 201}, "longer than 200"),
        ({"version": 0}, "version must be a whole number"),
        ({"version": True}, "version must be a whole number"),
        ({"steps": ("Mix.",)}, r"MFR steps\[0\] must be a CompoundingStep"),
        ({"steps": "Mix."}, "MFR steps must be a list"),
        ({"description": "\x00"}, "control character"),
        ({"calculations": ("ok", 5)}, r"MFR calculations\[1\] must be text"),
        ({"previous_hash": "abc"}, "SHA-256"),
        ({"formulation": {"name": "x"}}, "must be a Formulation"),
        ({"approved_on": dt.datetime(2024, 1, 1)}, "must be a datetime.date"),
    ],
)
def test_invalid_fields_are_refused_by_name(
    cream: Formulation, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(RecordError, match=message):
        attrs.evolve(complete(cream), **changes)


def test_parts_validate_their_fields() -> None:
    with pytest.raises(RecordError, match="step instruction must not be blank"):
        CompoundingStep("  ")
    with pytest.raises(RecordError, match=r"step equipment\[0\] must not be empty"):
        CompoundingStep("Mix.", ("",))
    with pytest.raises(RecordError, match="QC check expected must be text"):
        QualityCheck("pH", "paper", None)  # type: ignore[arg-type]
    assert CompoundingStep("Mix.\r\nStir.", [" slab "]) == CompoundingStep("Mix.\nStir.", ("slab",))
