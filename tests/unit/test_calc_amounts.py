"""total_for_active: the preparation that holds an amount of active. Published problems."""

from __future__ import annotations

import pytest

from compoundkit.calc import ActiveTotal, total_for_active
from compoundkit.errors import CalculationError, DimensionError
from compoundkit.units import Q_, Strength

RXCAL_INJECTION = (
    "https://rxcal.org/practice/practice/8320181024103034-65-rxcal-82.php?id=82&domain=16&version=1"
)
STUDYLIB_TOBRAMYCIN = (
    "https://studylib.net/doc/6656127/medication--for-100-g-methyl-salicylate-35-g-menthol-15-g..."
)
ARMY_MD0802_PERCENT = (
    "http://armymedical.tpub.com/md0802/"
    "Methods-for-Solving-Percentage-Problems-Cont-Pharmaceutical-Calculations-100.htm"
)


def test_injection_as_the_source_of_a_drug_for_an_ointment() -> None:
    # RXCAL_INJECTION ("Case - Ointment from Injection"): 30 g of a 4.2 % ointment needs
    # 4.2/100 x 30 g = 1.26 g of drug; the injection holds 75 mg/mL, so 1.26 g / 75 mg/mL
    # = 1260 / 75 = 16.8 mL; its specific gravity 1.42 makes that 16.8 x 1.42 = 23.856 g.
    drug = Strength.parse("4.2 % w/w").as_quantity() * Q_(30, "g")
    assert drug.m_as("g") == pytest.approx(1.26, rel=1e-12)
    result = total_for_active(drug, "75 mg/mL", density="1.42 g/mL")
    assert isinstance(result, ActiveTotal)
    assert result.total.m_as("mL") == pytest.approx(16.8, rel=1e-12)
    assert result.volume == result.total
    assert result.mass is not None
    assert result.mass.m_as("g") == pytest.approx(23.856, rel=1e-12)
    assert result.steps() == [
        "1. Preparation = 1.26 g / 0.075 g/mL (75 mg/mL) = 16.8 mL.",
        "2. Its mass = 16.8 mL x 1.42 g/mL = 23.856 g.",
    ]
    without = total_for_active("1.26 g", "75 mg/mL")
    assert without.mass is None
    assert len(without.steps()) == 1


def test_volume_of_tobramycin_injection_for_10_mg() -> None:
    # STUDYLIB_TOBRAMYCIN: "A 2 mL vial of tobramycin sulfate contains 80 mg of drug. How many
    # mL ... to obtain 0.01 g?" 80 mg / 2 mL = 10 mg / x mL -> x = 0.25 mL.
    result = total_for_active("0.01 g", "80 mg/2 mL")
    assert result.total.m_as("mL") == pytest.approx(0.25, rel=1e-12)


@pytest.mark.parametrize(
    ("active", "strength", "total"),
    [
        # ARMY_MD0802_PERCENT, example #3: 120 g of 20 % zinc oxide paste needs 1.2 x 20 = 24 g
        # of zinc oxide; so 24 g of zinc oxide makes 24 / 0.20 = 120 g of paste.
        ("24 g", "20 % w/w", Q_(120, "g")),
        # ARMY_MD0802_PERCENT, example #2: 240 mL of 5 % (w/v) boric acid solution needs
        # 2.4 x 5 = 12 g; so 12 g of boric acid makes 12 / 0.05 g/mL = 240 mL.
        ("12 g", "5 % w/v", Q_(240, "mL")),
    ],
    ids=["zinc-oxide-paste-120-g", "boric-acid-240-ml"],
)
def test_the_inverse_of_the_percent_problems(active: str, strength: str, total: object) -> None:
    result = total_for_active(active, strength)
    assert result.total.m_as(total.units) == pytest.approx(total.magnitude, rel=1e-12)  # type: ignore[attr-defined]


def test_every_basis() -> None:
    # 2.5 % w/w: 500 mg / 0.025 = 20 g of cream (a density also gives its volume).
    cream = total_for_active("500 mg", "2.5 % w/w", density="1.05 g/mL")
    assert cream.total == Q_(20, "g")
    assert cream.volume is not None
    assert cream.volume.m_as("mL") == pytest.approx(20 / 1.05, rel=1e-12)
    assert cream.steps()[1] == "2. Its volume = 20 g / 1.05 g/mL = 19.0476 mL."
    # 70 % v/v: 35 mL of alcohol / 0.7 = 50 mL.
    assert total_for_active("35 mL", "70 % v/v").total.m_as("mL") == pytest.approx(50)
    # 1:1000 w/v: 1 mg in 1 mL.
    assert total_for_active("1 mg", "1:1000 w/v").total.m_as("mL") == pytest.approx(1)
    # 5 mg per capsule: 100 mg / 5 mg = 20 dosage units; 2 mL per dose: 10 mL is 5 doses.
    assert total_for_active("100 mg", "5 mg/capsule").total == Q_(20, "dosage_unit")
    assert total_for_active("10 mL", "2 mL/dose").total.magnitude == pytest.approx(5)
    # In US units: 1 oz of 10 % ointment holds 2.8349523125 g; 2.8349523125 g makes 1 oz.
    assert total_for_active(Q_(2.8349523125, "g"), "10 % w/w").total.m_as(
        "avoirdupois_ounce"
    ) == pytest.approx(1, rel=1e-12)


@pytest.mark.parametrize(
    ("call", "error", "fragment"),
    [
        (lambda: total_for_active("1 g", "10 %"), DimensionError, "has no basis"),
        (lambda: total_for_active("1 mL", "10 % w/w"), DimensionError, "as a mass"),
        (lambda: total_for_active("1 g", "10 % v/v"), DimensionError, "as a volume"),
        (
            lambda: total_for_active("1 g", "5 mg/capsule", density="1 g/mL"),
            CalculationError,
            "does not apply",
        ),
        (lambda: total_for_active("1 g", 10), CalculationError, "not a strength"),
        (lambda: total_for_active(1, "10 % w/w"), DimensionError, "no unit"),
    ],
)
def test_refusals(call: object, error: type[Exception], fragment: str) -> None:
    with pytest.raises(error) as caught:
        call()  # type: ignore[operator]
    assert fragment in str(caught.value)
