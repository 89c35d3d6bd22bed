"""mmol, mEq, elemental content (with the real catalog), density and specific gravity."""

from __future__ import annotations

import math

import pytest

from compoundkit import ingredients
from compoundkit.calc import (
    WATER_DENSITY_G_PER_ML,
    CalculationError,
    amount_for_elemental,
    density_from_specific_gravity,
    elemental_content,
    mass_from_volume,
    milliequivalents,
    millimoles,
    mmol_from_grams,
    specific_gravity,
    volume_from_mass,
)
from compoundkit.errors import CompoundkitError, DimensionError, UnknownIngredientError
from compoundkit.units import Q_

# MgCl2.6H2O: 24.305 + 2 x 35.45 + 6 x (2 x 1.008 + 15.999) = 203.295 g/mol (domain notes);
# MgCl2: 24.305 + 70.90 = 95.205 g/mol; Mg: 24.305 g/mol.
HEXAHYDRATE_MW = 203.295


def test_pure_math_core() -> None:
    # 1 g / 203.295 g/mol = 4.9190 mmol.
    assert mmol_from_grams(1.0, HEXAHYDRATE_MW) == pytest.approx(4.919, abs=5e-4)
    assert mmol_from_grams(1.0, 100.0, moiety_count=2) == 20.0
    with pytest.raises(CalculationError, match=r"molecular_weight: 0\.0 must be above zero"):
        mmol_from_grams(1.0, 0.0)
    with pytest.raises(CalculationError, match="moiety_count: 0 must be 1 or more"):
        mmol_from_grams(1.0, 100.0, moiety_count=0)


def test_magnesium_chloride_worked_examples() -> None:
    # 1 g hexahydrate: 1000 mg / 203.295 mg/mmol = 4.919 mmol Mg;
    # x valence 2 = 9.838 -> 9.84 mEq;
    # elemental Mg 24.305 / 203.295 = 11.96 % -> 0.1196 g;
    # inverse: 203.295 / 24.305 = 8.364 g hexahydrate per 1 g Mg.
    mmol = millimoles(Q_(1, "g"), "magnesium chloride", "hexahydrate")
    assert str(mmol.units) == "millimole"
    assert round(mmol.magnitude, 3) == 4.919
    meq = milliequivalents(Q_(1, "g"), "magnesium chloride", "hexahydrate")
    assert str(meq.units) == "milliequivalent"
    assert round(meq.magnitude, 2) == 9.84
    assert meq.to("equivalent").magnitude == pytest.approx(0.00984, abs=5e-6)
    mg = elemental_content(Q_(1, "g"), "magnesium chloride", "hexahydrate")
    assert round(mg.to("g").magnitude, 4) == 0.1196
    need = amount_for_elemental(Q_(1, "g"), "magnesium chloride", "hexahydrate")
    assert round(need.to("g").magnitude, 3) == 8.364


def test_anhydrous_figures() -> None:
    # 1 g anhydrous: 1000 / 95.205 = 10.504 mmol, 21.01 mEq; elemental 24.305 / 95.205 = 25.53 %.
    assert round(millimoles("1 g", "magnesium chloride", "anhydrous").magnitude, 3) == 10.504
    assert round(milliequivalents("1 g", "magnesium chloride", "MgCl2").magnitude, 2) == 21.01
    assert round(elemental_content("100 g", "magnesium chloride", "anhydrous").magnitude, 2) == (
        25.53
    )


def test_catalog_objects_and_names_are_both_accepted() -> None:
    item = ingredients.get("magnesium chloride")
    form = item.form("hexahydrate")
    by_object = milliequivalents(Q_(500, "mg"), item, form)
    by_name = milliequivalents("500 mg", "Magnesium Chloride", "MgCl2.6H2O")
    assert by_object.magnitude == pytest.approx(by_name.magnitude, rel=1e-15)
    assert by_object.magnitude == pytest.approx(4.919, abs=5e-4)  # half of 9.84 mEq


def test_another_registry_quantity_is_accepted() -> None:
    import pint

    app = pint.get_application_registry()
    result = millimoles(app.Quantity(1000, "mg"), "magnesium chloride", "hexahydrate")
    assert round(result.magnitude, 3) == 4.919


def test_elemental_content_is_the_form_conversion_to_the_element() -> None:
    item = ingredients.get("magnesium chloride")
    factor = item.form("hexahydrate").factor_to(item.form("elemental"))
    assert elemental_content("2 g", item, "hexahydrate").magnitude == pytest.approx(2 * factor)


@pytest.mark.parametrize(
    ("call", "error_type", "fragment"),
    [
        (
            lambda: milliequivalents("1 g", "ketoprofen", "free acid"),
            CalculationError,
            "ingredient: Ketoprofen has no valence",
        ),
        (
            lambda: elemental_content("1 g", "magnesium chloride", "hexahydrate", element="Cl"),
            CalculationError,
            "has no elemental form 'Cl' in the catalog; elemental forms: Mg",
        ),
        (
            lambda: elemental_content("1 g", "ketoprofen", "free acid"),
            CalculationError,
            "elemental forms: none",
        ),
        (
            lambda: millimoles("1 g", "magnesium chlorate", "hexahydrate"),
            UnknownIngredientError,
            "unknown ingredient 'magnesium chlorate'",
        ),
        (
            lambda: millimoles("1 g", "magnesium chloride", "tetrahydrate"),
            CompoundkitError,
            "has no form 'tetrahydrate'; allowed: hexahydrate",
        ),
        (
            lambda: millimoles(1, "magnesium chloride", "hexahydrate"),
            DimensionError,
            "amount: 1 has no unit",
        ),
        (
            lambda: millimoles(Q_(1, "mL"), "magnesium chloride", "hexahydrate"),
            DimensionError,
            "amount: 1 milliliter cannot be expressed in gram",
        ),
        (
            lambda: millimoles(Q_(-1, "g"), "magnesium chloride", "hexahydrate"),
            CalculationError,
            "amount: -1 gram must be greater than zero",
        ),
        (
            lambda: milliequivalents(Q_(math.nan, "g"), "magnesium chloride", "hexahydrate"),
            CalculationError,
            "amount: nan gram is not a finite quantity",
        ),
        (
            lambda: amount_for_elemental(Q_(0, "g"), "magnesium chloride", "hexahydrate"),
            CalculationError,
            "element_amount: 0 gram must be greater than zero",
        ),
        (
            lambda: millimoles(
                "1 g", "magnesium chloride", ingredients.get("ketoprofen").form("free acid")
            ),
            CompoundkitError,
            "form 'free-acid' belongs to 'ketoprofen', not 'magnesium-chloride'",
        ),
    ],
)
def test_chemistry_bad_input(call: object, error_type: type[Exception], fragment: str) -> None:
    assert callable(call)
    with pytest.raises(error_type) as caught:
        call()
    assert fragment in str(caught.value)
    assert isinstance(caught.value, CompoundkitError)


# --------------------------------------------------------------------------- density


def test_density_worked_examples() -> None:
    # Mineral oil, 0.85 g/mL: 8 mL x 0.85 g/mL = 6.8 g; 6.8 g / 0.85 g/mL = 8 mL.
    assert mass_from_volume(Q_(8, "mL"), Q_(0.85, "g/mL")) == Q_(6.8, "g")
    assert volume_from_mass("6.8 g", "0.85 g/mL").magnitude == pytest.approx(8, rel=1e-15)
    # Glycerin, SG 1.25: 1.25 g/mL, so 100 mL weighs 125 g.
    density = density_from_specific_gravity(1.25)
    assert density == Q_(1.25, "g/mL")
    assert mass_from_volume("100 mL", density).magnitude == pytest.approx(125, rel=1e-15)
    assert specific_gravity(Q_(1250, "kg/m**3")).magnitude == pytest.approx(1.25, rel=1e-15)
    assert specific_gravity("1.25 g/mL").units == Q_(1, "dimensionless").units
    assert density_from_specific_gravity(Q_(1.25, "dimensionless")) == Q_(1.25, "g/mL")
    assert WATER_DENSITY_G_PER_ML == 1.0
    # 1 L at 1.03 kg/L: 1.03 kg = 1030 g.
    assert mass_from_volume("1 L", "1.03 kg/L").magnitude == pytest.approx(1030, rel=1e-15)


@pytest.mark.parametrize(
    ("call", "error_type", "fragment"),
    [
        (
            lambda: mass_from_volume("8 g", "0.85 g/mL"),
            DimensionError,
            "volume: 8 g cannot be expressed in milliliter",
        ),
        (lambda: mass_from_volume("8 mL", 0.85), DimensionError, "density: 0.85 has no unit"),
        (lambda: mass_from_volume("8 mL", "0.85 g"), CompoundkitError, "a density is a mass"),
        (lambda: mass_from_volume("8 mL", "0.85 mL/g"), CompoundkitError, "is a volume"),
        (lambda: mass_from_volume("8 mL", "-1 g/mL"), CompoundkitError, "must be positive"),
        (lambda: mass_from_volume("8 mL", "1 g/mL x"), CompoundkitError, "unexpected text"),
        (lambda: mass_from_volume("8 mL", Q_(0, "g/mL")), CalculationError, "density: 0"),
        (lambda: mass_from_volume("8 mL", Q_(1, "g")), DimensionError, "density"),
        (lambda: volume_from_mass(Q_(0, "g"), "1 g/mL"), CalculationError, "mass: 0 gram"),
        (lambda: volume_from_mass("1 g", Q_(math.inf, "g/mL")), CalculationError, "density"),
        (lambda: density_from_specific_gravity(0), CalculationError, "sg: 0 must be"),
        (lambda: density_from_specific_gravity(math.nan), CalculationError, "sg: nan"),
        (lambda: density_from_specific_gravity(True), CalculationError, "sg: True"),
        (lambda: density_from_specific_gravity("1.05"), DimensionError, "sg: '1.05' is not"),
        (lambda: density_from_specific_gravity(Q_(1, "g/mL")), DimensionError, "sg"),
    ],
)
def test_density_bad_input(call: object, error_type: type[Exception], fragment: str) -> None:
    assert callable(call)
    with pytest.raises(error_type) as caught:
        call()
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)
