"""mEq, mmol and mOsm: published worked problems reproduced, each number checked by hand.

Molecular weights and valences are the ones each published problem states (or the
catalog's, for magnesium chloride); none is made up here.
"""

from __future__ import annotations

import pytest

from compoundkit.calc import (
    ConcentrationPercent,
    SubstanceMass,
    mass_for_milliequivalents,
    mass_for_millimoles,
    mass_for_milliosmoles,
    milliequivalents,
    millimoles,
    milliosmoles,
    percent_for_meq_per_ml,
)
from compoundkit.errors import (
    CalculationError,
    DimensionError,
    StrengthParseError,
    UnknownIngredientError,
)
from compoundkit.units import Q_, Strength

SEMANTIC_10 = "https://semanticlearning.com/2017/10/15/pharmaceutics-calculations-practice-set-10/"
WIZEDU_KCL = "https://wizedu.com/questions/57111/calculate-the-osmolarity-of-1-l-d514ns-with-15"
ARMY_MD0837 = "http://armymedical.tpub.com/md0837/Discussion-Laboratory-Mathematics-83.htm"
YUMPU_2_9 = (
    "https://www.yumpu.com/en/document/view/13668712/"
    "pharmaceutical-compounding-and-dispensing-pharmaceutics/51"
)
NAPLEX_MOSM = "https://naplexstudy.com/milliosmoles-calculation-in-pharmacy/"
AHFS_BICARB = (
    "https://download.skyscape.com/download/ota/lonestar/A795912D-AC85-4D69-A416-8B6C2CBE6E94/"
    "hbinjdrg.ed25/content/HTML/i/tl3.htm"
)
RXCAL_D5NS = "https://rxcal.org/practice/practice/8520181113035254-57-rxcal-135.php?id=135&domain=11&version=1"
RXCAL_LACTATE = "https://rxcal.org/practice/practice/2420181108043059-17-rxcal-116.php?id=116&domain=17&version=1"


# --------------------------------------------------------------------------- mEq


def test_calcium_chloride_for_an_electrolyte_solution() -> None:
    # "Pharmaceutics Calculations Practice Set #10", Q7 (SEMANTIC_10): a solution holds
    # 4.6 mEq of calcium per litre; grams of CaCl2.H2O (MW = 147, as given) for 20 L?
    # By hand: 4.6 mEq/L x 20 L = 92 mEq; 1 mEq = 147 mg / 2 = 73.5 mg;
    # 92 x 73.5 mg = 6762 mg = 6.762 g. Published answer: C, 6.76 g.
    result = mass_for_milliequivalents("92 mEq", molecular_weight=147, valence=2, name="CaCl2.H2O")
    assert isinstance(result, SubstanceMass)
    assert result.mass.m_as("g") == pytest.approx(6.762, rel=1e-12)
    assert round(result.grams, 2) == 6.76
    assert result.milligrams_per_unit == 73.5
    assert result.steps() == [
        "1. 1 mEq of CaCl2.H2O = 147 mg / 2 (valence 2) = 73.5 mg.",
        "2. 92 mEq x 73.5 mg/mEq = 6762 mg = 6.762 g of CaCl2.H2O.",
    ]


def test_potassium_chloride_for_15_meq() -> None:
    # WIZEDU_KCL: "15 mEq KCl ... Molar mass = 74.5 g/mol, Valency of KCl = 1 ...
    # Mass of KCl = 15 * 74.5 = 1117.5 mg = 1.1175 g". By hand: 15 x 74.5 / 1 = 1117.5 mg.
    result = mass_for_milliequivalents(Q_(15, "mEq"), molecular_weight="74.5 g/mol", valence=1)
    assert result.mass.m_as("mg") == pytest.approx(1117.5, rel=1e-12)


def test_meq_in_a_dose_of_potassium_chloride_elixir() -> None:
    # SEMANTIC_10, Q2: mEq of KCl in a 15 mL dose of 10 % (w/v) KCl elixir (FW 74.5)?
    # By hand: 15 mL x 10 g/100 mL = 1.5 g = 1500 mg; 1500 / 74.5 = 20.13 mEq. Answer A, 20.
    # (The inverse: 20.134 mEq of KCl weighs 1.5 g.)
    dose = Strength.parse("10 % w/v").as_quantity() * Q_(15, "mL")
    meq = milliequivalents(dose, molecular_weight=74.5, valence=1)
    assert meq.m_as("mEq") == pytest.approx(1500 / 74.5, rel=1e-12)
    assert round(meq.magnitude) == 20
    back = mass_for_milliequivalents(meq, molecular_weight=74.5, valence=1)
    assert back.mass.m_as("g") == pytest.approx(1.5, rel=1e-12)


def test_catalog_magnesium_chloride_uses_its_valence_and_weight() -> None:
    # The catalog: MgCl2.6H2O, computed MW 203.295 g/mol, valence 2 (magnesium).
    # By hand: 1 mEq = 203.295 / 2 = 101.6475 mg; 10 mEq = 1016.475 mg.
    result = mass_for_milliequivalents("10 mEq", "magnesium chloride", "hexahydrate")
    assert result.mass.m_as("mg") == pytest.approx(1016.475, rel=1e-12)
    assert result.name == "Magnesium chloride hexahydrate"
    assert result.steps()[0] == (
        "1. 1 mEq of Magnesium chloride hexahydrate = 203.295 mg / 2 (valence 2) = 101.648 mg."
    )
    # The inverse of milliequivalents().
    meq = milliequivalents(result.mass, "magnesium chloride", "hexahydrate")
    assert meq.m_as("mEq") == pytest.approx(10, rel=1e-12)
    # Without a form, the ingredient's usual form (the hexahydrate) is weighed.
    same = mass_for_milliequivalents("10 mEq", "magnesium chloride")
    assert same.grams == pytest.approx(result.grams, rel=1e-15)


# --------------------------------------------------------------------------- percent


def test_percent_of_a_calcium_chloride_solution() -> None:
    # SEMANTIC_10, Q3: concentration in g/mL of 4 mEq/mL of CaCl2.2H2O (FW = 147)?
    # By hand: 1 mEq = 147 / 2 = 73.5 mg; 4 x 73.5 = 294 mg/mL = 0.294 g/mL = 29.4 % w/v.
    # Published answer: C, 0.294.
    result = percent_for_meq_per_ml("4 mEq/mL", molecular_weight=147, valence=2)
    assert isinstance(result, ConcentrationPercent)
    assert result.mass_per_ml.m_as("g/mL") == pytest.approx(0.294, rel=1e-12)
    assert result.strength == Strength.parse("29.4 % w/v")
    assert result.steps()[1] == (
        "2. 4 mEq/mL x 73.5 mg/mEq = 294 mg/mL = 29.4 g per 100 mL: 29.4 % w/v."
    )


@pytest.mark.parametrize(
    ("meq_per_ml", "percent"),
    [("1 mEq/mL", "8.4 % w/v"), ("0.5 mEq/mL", "4.2 % w/v")],
    ids=["8.4-percent", "4.2-percent"],
)
def test_sodium_bicarbonate_injection_strengths(meq_per_ml: str, percent: str) -> None:
    # AHFS Handbook on Injectable Drugs, sodium bicarbonate (AHFS_BICARB): "Each 84 mg of
    # sodium bicarbonate provides 1 mEq"; 8.4 % is 1 mEq/mL and 4.2 % is 0.5 mEq/mL.
    # By hand: 1 mEq/mL x 84 mg/mEq = 84 mg/mL = 8.4 g/100 mL; half of it is 4.2 %.
    result = percent_for_meq_per_ml(meq_per_ml, molecular_weight=84, valence=1)
    assert result.strength == Strength.parse(percent)


# --------------------------------------------------------------------------- mmol


def test_sodium_chloride_for_a_300_mmol_per_litre_solution() -> None:
    # US Army Medical Department course MD0837, Laboratory Mathematics (ARMY_MD0837):
    # "How much NaCl is needed to make 250 mL of a 300 mmol/L solution?" with 58.5 mg/mmol;
    # mg = 300 mmol/L x 58.5 mg/mmol x 0.250 L = 4390 mg (rounded). By hand: 75 mmol x 58.5
    # = 4387.5 mg.
    result = mass_for_millimoles("75 mmol", molecular_weight=58.5, name="NaCl")
    assert result.mass.m_as("mg") == pytest.approx(4387.5, rel=1e-12)
    assert round(result.mass.m_as("mg"), -1) == 4390


def test_sodium_chloride_solution_of_1_5_mmol_per_ml() -> None:
    # Pharmaceutical Compounding and Dispensing, Example 2.9 (YUMPU_2_9): 100 mL of NaCl
    # solution with 1.5 mmol/mL; MW 58.44; 150 mmol weighs 58.44 x 150 / 1000 = 8.766 g.
    result = mass_for_millimoles("150 mmol", molecular_weight=58.44, name="sodium chloride")
    assert result.mass.m_as("g") == pytest.approx(8.766, rel=1e-12)
    assert (
        result.steps()[1] == "2. 150 mmol x 58.44 mg/mmol = 8766 mg = 8.766 g of sodium chloride."
    )


def test_millimoles_of_sodium_lactate_and_back() -> None:
    # RXCAL_LACTATE: 113.68 mg of sodium lactate (MW 112 g/mol) is 113.68 / 112 = 1.015 mmol.
    mmol = millimoles("113.68 mg", molecular_weight=112)
    assert mmol.m_as("mmol") == pytest.approx(1.015, rel=1e-12)
    assert mass_for_millimoles(mmol, molecular_weight=112).mass.m_as("mg") == pytest.approx(
        113.68, rel=1e-12
    )


# --------------------------------------------------------------------------- mOsm


@pytest.mark.parametrize(
    ("grams", "mw", "particles", "mosm"),
    [(9, 58.5, 2, 9 / 58.5 * 2 * 1000), (50, 180, 1, 50 / 180 * 1000)],
    ids=["normal-saline-308", "dextrose-5-percent-278"],
)
def test_osmolarity_of_iv_fluids(grams: float, mw: float, particles: int, mosm: float) -> None:
    # NAPLEX_MOSM: 0.9 % NaCl is 9 g/L, MW 58.5, 2 species: (9 / 58.5) x 2 x 1000
    # = 307.7 = "308 mOsmol"; 5 % dextrose is 50 g/L, MW 180, 1 species: 277.8 = "278".
    found = milliosmoles(Q_(grams, "g"), molecular_weight=mw, particles=particles)
    assert found.m_as("mOsm") == pytest.approx(mosm, rel=1e-12)
    assert round(found.magnitude) in (308, 278)
    # The inverse: the mass that gives those mOsm is the litre's grams.
    back = mass_for_milliosmoles(found, molecular_weight=mw, particles=particles)
    assert back.mass.m_as("g") == pytest.approx(grams, rel=1e-12)


def test_sodium_chloride_for_308_mosm() -> None:
    # NAPLEX_MOSM, read backwards: 308 mOsm of NaCl (MW 58.5, 2 particles) weighs
    # 308 x 58.5 / 2 = 9009 mg, the 9 g in a litre of 0.9 % (308 is the rounded 307.7).
    result = mass_for_milliosmoles("308 mOsm", molecular_weight=58.5, particles=2)
    assert result.mass.m_as("mg") == pytest.approx(9009, rel=1e-12)
    assert result.steps()[0] == "1. 1 mOsm of the compound = 58.5 mg / 2 (2 particles) = 29.25 mg."


def test_sodium_bicarbonate_8_4_percent_is_2000_mosm_per_litre() -> None:
    # AHFS_BICARB: 8.4 % sodium bicarbonate, 2000 mOsm/L; 4.2 %, 1000 mOsm/L. With 84 mg per
    # mmol (1 mEq, valence 1) and 2 particles (Na+, HCO3-): 2000 mOsm weigh 2000 x 84 / 2
    # = 84000 mg = 84 g per litre = 8.4 g per 100 mL.
    assert mass_for_milliosmoles("2000 mOsm", molecular_weight=84, particles=2).mass.m_as(
        "g"
    ) == pytest.approx(84, rel=1e-12)
    assert milliosmoles("42 g", molecular_weight=84, particles=2).m_as("mOsm") == pytest.approx(
        1000, rel=1e-12
    )


def test_milliosmoles_of_d5ns() -> None:
    # RXCAL_D5NS: 15 mL of D5NS (5 g dextrose, MW 180, and 0.9 g NaCl, MW 58.5, per 100 mL):
    # dextrose 0.75 g -> 0.75 / 180 x 1000 = 4.17 mOsm; NaCl 0.135 g -> 0.135 x 2 / 58.5 x 1000
    # = 4.62 mOsm; in all 8.79 mOsm (the sum of the rounded parts; unrounded,
    # 4.16667 + 4.61538 = 8.78205).
    dextrose = milliosmoles("0.75 g", molecular_weight=180, particles=1)
    saline = milliosmoles("0.135 g", molecular_weight=58.5, particles=2)
    assert round(dextrose.magnitude, 2) == 4.17
    assert round(saline.magnitude, 2) == 4.62
    assert round(dextrose.magnitude, 2) + round(saline.magnitude, 2) == pytest.approx(8.79)
    assert (dextrose + saline).m_as("mOsm") == pytest.approx(0.75 / 180e-3 + 0.27 / 58.5e-3)


def test_catalog_magnesium_chloride_milliosmoles_with_particles_given() -> None:
    # MgCl2 dissociates into Mg2+ and 2 Cl-: 3 particles (given: the catalog records no
    # particles). 1 g of the hexahydrate: 1000 / 203.295 x 3 = 14.757 mOsm.
    found = milliosmoles("1 g", "magnesium chloride", "hexahydrate", particles=3)
    assert found.m_as("mOsm") == pytest.approx(3000 / 203.295, rel=1e-12)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "error", "fragment"),
    [
        (lambda: mass_for_milliequivalents("10 mEq"), CalculationError, "molecular_weight="),
        (
            lambda: mass_for_milliequivalents("10 mEq", molecular_weight=74.5),
            CalculationError,
            "give valence=",
        ),
        (
            lambda: mass_for_milliequivalents("10 mEq", "ketoprofen"),
            CalculationError,
            "ingredient: Ketoprofen has no valence",
        ),
        (
            lambda: mass_for_milliequivalents("10 mEq", "magnesium chloride", valence=1),
            CalculationError,
            "disagrees with the catalog's valence 2",
        ),
        (
            lambda: mass_for_milliequivalents(
                "10 mEq", "magnesium chloride", molecular_weight=95.2
            ),
            CalculationError,
            "not both",
        ),
        (
            lambda: mass_for_milliequivalents("10 mmol", molecular_weight=74.5, valence=1),
            DimensionError,
            "meq",
        ),
        (lambda: mass_for_millimoles("10 mg", molecular_weight=58.5), DimensionError, "mmol"),
        (
            lambda: mass_for_millimoles("10 mmol", molecular_weight=0),
            CalculationError,
            "above zero",
        ),
        (
            lambda: mass_for_millimoles("10 mmol", molecular_weight="58.5 g/mL"),
            DimensionError,
            "molecular_weight",
        ),
        (
            lambda: mass_for_milliosmoles("10 mOsm", molecular_weight=58.5, particles=0),
            CalculationError,
            "particles: 0 must be a whole number",
        ),
        (
            lambda: mass_for_milliosmoles("10 mOsm", molecular_weight=58.5, particles=2.5),  # type: ignore[arg-type]
            CalculationError,
            "particles",
        ),
        (
            lambda: mass_for_milliequivalents("10 mEq", molecular_weight=74.5, valence=True),  # type: ignore[arg-type]
            CalculationError,
            "valence",
        ),
        (
            lambda: percent_for_meq_per_ml("2 mEq", molecular_weight=74.5, valence=1),
            StrengthParseError,
            "amount per an amount",
        ),
        (
            lambda: percent_for_meq_per_ml("2 mg/mL", molecular_weight=74.5, valence=1),
            DimensionError,
            "meq_per_ml",
        ),
        (
            lambda: mass_for_millimoles("10 mmol", "no such ingredient"),
            UnknownIngredientError,
            "no such ingredient",
        ),
        (
            lambda: mass_for_milliequivalents(40, molecular_weight=74.5, valence=1),
            DimensionError,
            "no unit",
        ),
    ],
)
def test_bad_input_names_the_field(call: object, error: type[Exception], fragment: str) -> None:
    with pytest.raises(error) as caught:
        call()  # type: ignore[operator]
    assert fragment in str(caught.value)
