"""Percentage error, smallest quantities and volumes, the liquid aliquot method, density
from a weighing: published problems reproduced, each number checked by hand."""

from __future__ import annotations

import pytest

from compoundkit.calc import (
    DensityMeasurement,
    LiquidAliquot,
    MeasurableVolume,
    PercentageError,
    SmallestQuantity,
    density_from_weighing,
    liquid_aliquot,
    minimum_measurable_volume,
    minimum_weighable_quantity,
    percentage_error,
    smallest_quantity_for_error,
)
from compoundkit.errors import CalculationError, DimensionError
from compoundkit.units import Q_

CAL_LWA = (
    "http://collegeofpharmacy.com/CALLearningCentre/SubscribeCALPackage/BascalcHTML5/win/"
    "Error/page-16.html"
)
SCIEMCE_600 = "https://sciemce.com/qa/PEQeN7PTcJI5"
QAMMUNITY_189 = "https://qammunity.org/11443293/?show=11443294"
UNC_WEIGH = "https://pharmlabs.unc.edu/labs/measurements/weigh.htm"
BMK_WEIGHING = "https://basicmedicalkey.com/accurate-weighing-for-prescriptions"
ALLEN_QA4 = "https://compoundingtoday.com/Newsletter/Doc/Newsletter4_15.cfm"
UH_ALIQUOT = (
    "http://uhphar-4330.herokuapp.com/module/pharmaceutical_measurement/topics/"
    "volume_by_aliquot_method"
)
NEWTON_2003 = "https://ijpc.com/abstracts/abstract.cfm?ABS=1484"
UNC_LIQUID_ALIQUOT = "http://pharmlabs.unc.edu/labs/triturations/aliquot.htm"
ARMY_SG_87 = (
    "http://armymedical.tpub.com/md0802/"
    "Lesson-2-Pharmaceutical-Calculations-II-Pharmaceutical-Calculations-87.htm"
)
ARMY_SG_88 = "http://armymedical.tpub.com/md0802/Specific-gravity-triangle-Pharmaceutical-Calculations-88.htm"
RXCAL_SG = "https://www.rxcal.org/practice/practice/4520181003113757-100-rxcal-49.php?id=49&domain=13&version=1"


# --------------------------------------------------------------------------- error


@pytest.mark.parametrize(
    ("error", "amount", "percent"),
    [
        # CAL_LWA: a balance accurate to 10 mg; weighing 200 mg: 10/200 x 100 % = 5 %.
        ("10 mg", "200 mg", 5.0),
        # CAL_LWA: weighing 300 mg: 10/300 x 100 % = 3.3 %.
        ("10 mg", "300 mg", 10 / 3),
        # SCIEMCE_600: 600 mg requested, 575 mg found: 25 x 100 / 600 = 4.17 % (answer "4%").
        ("25 mg", "600 mg", 25 / 6),
        # QAMMUNITY_189: 189 mL measured, 225.0 mL actually: 36 / 225 x 100 = 16 %.
        ("36 mL", "225 mL", 16.0),
        # UNC_WEIGH: Class III balance, sensitivity 6 mg, weighing 50 mg: 6/50 x 100 = 12 %.
        ("6 mg", "50 mg", 12.0),
    ],
    ids=["10-of-200-mg", "10-of-300-mg", "25-of-600-mg", "36-of-225-ml", "6-of-50-mg"],
)
def test_percentage_error(error: str, amount: str, percent: float) -> None:
    result = percentage_error(error, amount)
    assert isinstance(result, PercentageError)
    assert result.percent.m_as("percent") == pytest.approx(percent, rel=1e-12)


def test_percentage_error_steps_and_units() -> None:
    result = percentage_error(Q_(0.025, "g"), "600 mg")
    assert result.steps() == ["1. Percentage error = 25 mg x 100 / 600 mg = 4.16667 %."]
    assert round(result.percent_value) == 4
    assert percentage_error(Q_(0, "mg"), "600 mg").percent_value == 0.0
    with pytest.raises(DimensionError, match="error: 1 mL is not a mass"):
        percentage_error("1 mL", "600 mg")


@pytest.mark.parametrize(
    ("sensitivity", "error", "smallest"),
    [
        # CAL_LWA: accurate to 10 mg, maximum error 4 %: LWA = 10 x 100 / 4 = 250 mg.
        ("10 mg", "4 %", Q_(250, "mg")),
        # BMK_WEIGHING: sensitivity 6 mg: 120 mg at 5 % error; 600 mg at 1 %.
        ("6 mg", "5 %", Q_(120, "mg")),
        ("6 mg", "1 %", Q_(600, "mg")),
        # ALLEN_QA4: in a 100 mL graduated cylinder "the error is about 0.5 mL": within 5 %,
        # 0.5 x 100 / 5 = 10 mL at least.
        ("0.5 mL", "5 %", Q_(10, "mL")),
    ],
    ids=["10-mg-4-percent", "6-mg-5-percent", "6-mg-1-percent", "0.5-ml-5-percent"],
)
def test_smallest_quantity_for_error(sensitivity: str, error: str, smallest: object) -> None:
    result = smallest_quantity_for_error(sensitivity, error)
    assert isinstance(result, SmallestQuantity)
    assert result.smallest.m_as(smallest.units) == pytest.approx(smallest.magnitude, rel=1e-12)  # type: ignore[attr-defined]
    if result.unit == "milligram":  # the same figure as the balance's MWQ
        assert result.smallest == minimum_weighable_quantity(sensitivity, error)


def test_smallest_quantity_steps() -> None:
    assert smallest_quantity_for_error("10 mg", "4%").steps() == [
        "1. Smallest quantity = 100 % x 10 mg / 4 % = 250 mg."
    ]


# --------------------------------------------------------------------------- volumes


def test_ten_ml_graduate_measures_at_least_2_ml() -> None:
    # UH_ALIQUOT: "For a graduated measuring cylinder, the minimum volume that can be
    # measured without error will be 20 % of the capacity": 10 x 0.2 = 2 mL. NEWTON_2003
    # (IJPC 2003): "no less than 2 mL should be measured in 10-mL cylindrical graduates".
    result = minimum_measurable_volume(capacity="10 mL")
    assert isinstance(result, MeasurableVolume)
    assert result.volume == Q_(2, "mL")
    assert result.steps()[-1] == "2. Smallest volume to measure: 2 mL."


def test_hundred_ml_cylinder_by_error_and_by_capacity() -> None:
    # ALLEN_QA4: a 100 mL graduated cylinder is misread by about 0.5 mL, and a graduate is
    # not used below about 20-25 % of its capacity. By hand: by the error (5 %),
    # 0.5 x 100 / 5 = 10 mL; by the capacity, 0.20 x 100 = 20 mL; the larger, 20 mL.
    result = minimum_measurable_volume(sensitivity="0.5 mL", max_error="5 %", capacity="100 mL")
    assert (result.by_error_ml, result.by_capacity_ml, result.volume_ml) == pytest.approx(
        (10, 20, 20)
    )
    # With 1 % allowed the error governs: 0.5 x 100 / 1 = 50 mL.
    assert minimum_measurable_volume(
        sensitivity="0.5 mL", max_error="1 %", capacity="100 mL"
    ).volume == Q_(50, "mL")


def test_syringe_from_its_smallest_graduation() -> None:
    # A 1 mL syringe graduated in 0.01 mL is read to half a graduation, 0.005 mL; within 5 %:
    # 0.005 x 100 / 5 = 0.1 mL.
    result = minimum_measurable_volume(graduation="0.01 mL", max_error="5 %")
    assert result.volume.m_as("mL") == pytest.approx(0.1, rel=1e-12)
    assert (
        result.steps()[0]
        == "1. Sensitivity = half the smallest graduation: 0.01 mL / 2 = 0.005 mL."
    )


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({}, "give sensitivity"),
        ({"sensitivity": "0.1 mL"}, "needs both max_error"),
        ({"sensitivity": "0.1 mL", "graduation": "0.2 mL", "max_error": "5 %"}, "not both"),
        ({"sensitivity": "1 mL", "max_error": "5 %", "capacity": "10 mL"}, "cannot measure"),
        ({"sensitivity": "1 mg", "max_error": "5 %"}, "sensitivity"),
    ],
)
def test_minimum_measurable_volume_refusals(kwargs: dict[str, str], fragment: str) -> None:
    with pytest.raises((CalculationError, DimensionError)) as caught:
        minimum_measurable_volume(**kwargs)  # type: ignore[arg-type]
    assert fragment in str(caught.value)


# --------------------------------------------------------------------------- liquid aliquot


def test_clonidine_by_the_liquid_aliquot_method() -> None:
    # UNC_LIQUID_ALIQUOT (UNC Pharmaceutics and Compounding Laboratory): 100 mL of 0.2 mg/mL
    # clonidine needs 20 mg; select a 5 mL aliquot and weigh 120 mg; then
    # 120 mg / x mL = 20 mg / 5 mL -> x = 30 mL: dissolve in water to make 30 mL and remove
    # 5 mL (4 mg/mL).
    plan = liquid_aliquot("20 mg", "5 mL", weigh="120 mg", drug="clonidine", solvent="water")
    assert isinstance(plan, LiquidAliquot)
    assert plan.total == Q_(30, "mL")
    assert plan.concentration.m_as("mg/mL") == pytest.approx(4)
    assert plan.factor == pytest.approx(6)
    assert plan.diluent is None
    # The same with weigh defaulting to the least weighable quantity, and a graduate check.
    same = liquid_aliquot("20 mg", "5 mL", minimum="120 mg", minimum_volume="2 mL")
    assert same.total == Q_(30, "mL")


def test_acetic_acid_by_the_liquid_aliquot_method() -> None:
    # UH_ALIQUOT: 0.5 mL of acetic acid with a 10 mL graduate (least 2 mL), factor 4:
    # measure 0.5 x 4 = 2 mL; dilute to 2 x 4 = 8 mL (6 mL of diluent); measure 1/4 of it,
    # 2 mL, which holds 0.5 mL of acetic acid.
    least = minimum_measurable_volume(capacity="10 mL").volume
    plan = liquid_aliquot(
        "0.5 mL", least, factor=4, minimum_volume=least, drug="acetic acid", solvent="water"
    )
    assert (plan.weigh, plan.total, plan.diluent) == (Q_(2, "mL"), Q_(8, "mL"), Q_(6, "mL"))
    assert plan.steps() == [
        "1. Measure 2 mL of acetic acid (4 x 0.5 mL).",
        "2. Add 6 mL of water: 8 mL of dilution (4 x 2 mL).",
        "3. Measure 2 mL of the dilution (1/4): it holds 0.5 mL of acetic acid "
        "(2 mL x 2 mL / 8 mL).",
    ]


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"needed": "20 mg", "aliquot": "5 mL"}, "give weigh"),
        ({"needed": "20 mg", "aliquot": "5 mL", "weigh": "10 mg"}, "must be more than"),
        (
            {"needed": "20 mg", "aliquot": "5 mL", "weigh": "100 mg", "minimum": "120 mg"},
            "below the minimum",
        ),
        (
            {"needed": "20 mg", "aliquot": "1 mL", "weigh": "120 mg", "minimum_volume": "2 mL"},
            "below the smallest volume",
        ),
        ({"needed": "20 mg", "aliquot": "5 mL", "weigh": "120 mg", "factor": 6}, "not both"),
        ({"needed": "20 mg", "aliquot": "5 mL", "factor": 1}, "above 1"),
        ({"needed": "1 mL", "aliquot": "0.5 mL", "factor": 4}, "must be more than the 1 mL"),
        ({"needed": "20 mg", "aliquot": "5 mg", "weigh": "120 mg"}, "aliquot"),
    ],
)
def test_liquid_aliquot_refusals(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises((CalculationError, DimensionError)) as caught:
        liquid_aliquot(**kwargs)  # type: ignore[arg-type]
    assert fragment in str(caught.value)


# --------------------------------------------------------------------------- density


@pytest.mark.parametrize(
    ("mass", "volume", "gravity"),
    [
        # ARMY_SG_87 (US Army course MD0802): 10 mL of mineral oil weighs 8.5 g: 8.5/10 = 0.85.
        ("8.5 g", "10 mL", 0.85),
        # ARMY_SG_88: an alcohol of 1000 mL weighing 810 g: 810/1000 = 0.810.
        ("810 g", "1000 mL", 0.81),
        # RXCAL_SG: 220 g occupying 219.12 mL: 220/219.12 = 1.004.
        ("220 g", "219.12 mL", 220 / 219.12),
    ],
    ids=["mineral-oil-0.85", "alcohol-0.810", "liquid-1.004"],
)
def test_density_and_specific_gravity(mass: str, volume: str, gravity: float) -> None:
    result = density_from_weighing(mass, volume)
    assert isinstance(result, DensityMeasurement)
    assert result.density.m_as("g/mL") == pytest.approx(gravity, rel=1e-12)
    assert result.specific_gravity.m_as("dimensionless") == pytest.approx(gravity, rel=1e-12)
    assert round(result.specific_gravity.magnitude, 3) == round(gravity, 3)


def test_density_in_us_units_and_refusals() -> None:
    # 1 fl oz weighing 1 oz: 28.349523125 / 29.5735295625 = 0.95861 g/mL.
    result = density_from_weighing("1 oz", "1 fl oz")
    assert result.density_value == pytest.approx(28.349523125 / 29.5735295625, rel=1e-15)
    with pytest.raises(DimensionError, match="volume"):
        density_from_weighing("8.5 g", "10 g")
