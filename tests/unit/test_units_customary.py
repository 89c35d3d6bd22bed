"""US customary units (oz, lb, fl oz), refused apothecary units, and Strength quantities."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from compoundkit.errors import StrengthParseError
from compoundkit.formulas.io import loads_toml
from compoundkit.units import Q_, Strength, magnitude, parse_quantity, quantity
from compoundkit.units.grammar import (
    AVOIRDUPOIS_OUNCE_G,
    AVOIRDUPOIS_POUND_G,
    FACTOR,
    PINT_NAME,
    US_FLUID_OUNCE_ML,
    amount_as_given,
    parse_amount,
)

ROOT = Path(__file__).resolve().parents[2]
CREAM = str(ROOT / "examples" / "muscle-spasm-cream.toml")


# --------------------------------------------------------------------------- exact values


def test_the_exact_definitions() -> None:
    # 1959 international yard and pound: 1 lb = 453.59237 g exactly; 1 oz = 1/16 lb.
    assert AVOIRDUPOIS_POUND_G == 453.59237
    assert AVOIRDUPOIS_OUNCE_G == 28.349523125  # 453.59237 / 16, exact in decimal
    assert AVOIRDUPOIS_POUND_G / 16 == AVOIRDUPOIS_OUNCE_G
    # NIST Handbook 44, Appendix C: 1 US fl oz = 1/128 gal; gal = 231 in^3; in = 2.54 cm.
    # 231 x 2.54^3 = 231 x 16.387064 = 3785.411784 mL; / 128 = 29.5735295625 mL.
    assert US_FLUID_OUNCE_ML == 29.5735295625
    assert math.isclose(231 * 2.54**3 / 128, US_FLUID_OUNCE_ML, rel_tol=1e-15)


@pytest.mark.parametrize(
    ("symbol", "unit", "exact"),
    [
        ("oz", "gram", 28.349523125),
        ("lb", "gram", 453.59237),
        ("fl oz", "milliliter", 29.5735295625),
    ],
)
def test_pint_agrees_with_the_exact_definitions(symbol: str, unit: str, exact: float) -> None:
    # pint's default definitions (through the names compoundkit uses) give the same values,
    # to float precision (pint computes them through the grain and the gallon).
    via_pint = quantity(1.0, PINT_NAME[symbol]).m_as(unit)
    assert math.isclose(via_pint, exact, rel_tol=1e-15)
    assert FACTOR[symbol] == exact


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2oz", (2.0, "oz")),
        ("2 OZ", (2.0, "oz")),
        ("4 ounces", (4.0, "oz")),
        ("1 lb", (1.0, "lb")),
        ("0.5 lbs", (0.5, "lb")),
        ("1 pound", (1.0, "lb")),
        ("2 fl oz", (2.0, "fl oz")),
        ("2 fl. oz", (2.0, "fl oz")),
        ("2 fl.oz", (2.0, "fl oz")),
        ("2floz", (2.0, "fl oz")),
        ("8 fluid ounces", (8.0, "fl oz")),
    ],
)
def test_us_customary_spellings(text: str, expected: tuple[float, str]) -> None:
    assert parse_amount(text) == expected


def test_customary_amounts_convert_exactly() -> None:
    assert magnitude("2 oz", "gram", field="size") == 56.69904625
    assert magnitude("1 lb", "milligram", field="size") == pytest.approx(453592.37, rel=1e-15)
    assert magnitude("2 fl oz", "milliliter", field="size") == 59.147059125
    assert parse_quantity("1 lb").m_as("gram") == pytest.approx(453.59237, rel=1e-15)
    with pytest.raises(Exception, match="wrong dimension"):
        magnitude("2 fl oz", "gram", field="size")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("5gr", ("'gr' (grain)", "misread as gram", "mg (1 gr = 64.79891 mg)")),
        ("5 grains", ("'grains' (grain)", "64.79891 mg")),
        ("1 dr", ("'dr' (dram)", "ambiguous", "g or mL")),
        ("1 dram", ("'dram' (dram)",)),
        ("2 fl dr", ("'fl dr' (dram)", "3.6966911953125 mL")),
        ("2 scruples", ("'scruples' (scruple)", "1.2959782 g")),
        ("10 minims", ("'minims' (minim)", "0.061611519921875 mL")),
        ("1 \u2108", ("(scruple)",)),
        ("1 \u0292", ("(dram)",)),
        ("1 \u2125", ("(apothecary ounce)", "31.1034768 g", "28.349523125 g")),
    ],
)
def test_apothecary_units_are_refused_with_the_metric_unit(
    text: str, names: tuple[str, ...]
) -> None:
    with pytest.raises(StrengthParseError) as caught:
        parse_amount(text)
    for name in names:
        assert name in str(caught.value)
    assert "is not accepted" in str(caught.value)


def test_gr_never_means_gram_or_grain_anywhere() -> None:
    for text in ("5 gr", "5 GR", "5 Gr"):
        with pytest.raises(StrengthParseError, match=r"\(grain\) is not accepted"):
            parse_amount(text)
    with pytest.raises(StrengthParseError, match=r"\(grain\) is not accepted"):
        Strength.parse("1 gr/capsule")
    with pytest.raises(StrengthParseError, match="expected 'oz' after 'fl'"):
        parse_amount("2 fl")


def test_strengths_may_use_customary_units_and_round_trip() -> None:
    strength = Strength.parse("1 g/fl oz")
    assert str(strength) == "1 g/fl oz"
    assert Strength.parse(str(strength)) == strength
    assert strength.canonical == pytest.approx(1 / 29.5735295625, rel=1e-15)


def test_amount_as_given() -> None:
    assert amount_as_given("2oz") == "2 oz"
    assert amount_as_given("2 fl. oz") == "2 fl oz"
    assert amount_as_given("0.5 kg") == "0.5 kg"
    assert amount_as_given("120 g") is None


def test_one_pound_of_ointment_published_problem() -> None:
    # qammunity.org/20524523 (pharmacy calculations): "How many mg of hydrocortisone are
    # needed to prepare 1 pound of 0.2% ointment?" Answer 907 mg. By hand: 453.59237 g x
    # 0.2 / 100 = 0.90718474 g = 907.18474 mg.
    hydrocortisone = Strength.parse("0.2 % w/w").as_quantity() * parse_quantity("1 lb")
    assert hydrocortisone.m_as("mg") == pytest.approx(907.18474, rel=1e-12)


# --------------------------------------------------------------------------- formulas


def test_a_formula_in_pounds_and_fluid_ounces() -> None:
    # makes = "1 lb" and an amount in fl oz with its density: the fl oz is a volume, so it
    # needs the density (1 fl oz x 0.85 g/mL = 25.137500128125 g of mineral oil).
    formulation = loads_toml(
        'name = "Zinc oxide ointment"\ndosage_form = "ointment"\nmakes = "1 lb"\n'
        'vehicle = "white-petrolatum"\n'
        '[[excipients]]\nname = "zinc oxide"\namount = "2 oz"\n'
        '[[excipients]]\nname = "mineral oil"\namount = "1 fl oz"\ndensity = "0.85 g/mL"\n'
    )
    assert formulation.makes is not None
    assert formulation.makes.grams() == 453.59237
    oil = formulation.excipients[1].amount
    assert oil is not None
    assert oil.is_volume
    assert oil.grams(0.85) == pytest.approx(29.5735295625 * 0.85, rel=1e-15)
    sheet = formulation.batch("1 lb")
    weighs = {line.name: line.weigh_g for line in sheet.lines}
    # The reference batch is the batch: every amount is weighed as written.
    assert weighs["zinc oxide"] == pytest.approx(56.69904625, rel=1e-12)
    assert weighs["mineral oil"] == pytest.approx(25.137500128125, rel=1e-12)


# --------------------------------------------------------------------------- CLI


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "compoundkit", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_batch_of_2_oz_is_56_699_g_with_lines_scaled_exactly() -> None:
    ounces = _run("batch", CREAM, "--size", "2oz", "--format", "json")
    grams = _run("batch", CREAM, "--size", "56.69904625g", "--format", "json")
    assert ounces.returncode == 0, ounces.stderr
    by_oz, by_g = json.loads(ounces.stdout), json.loads(grams.stdout)
    assert by_oz["batch"]["size"] == {"value": 56.69904625, "unit": "gram"}
    assert by_oz == by_g  # every line, rounded figure and total identical
    # 10 % w/w of 56.69904625 g = 5.669904625 g of ketoprofen.
    ketoprofen = next(line for line in by_oz["lines"] if line["name"] == "Ketoprofen")
    assert ketoprofen["weigh"]["value"] == pytest.approx(5.669904625, rel=1e-12)


def test_batch_header_shows_the_unit_given_and_grams() -> None:
    table = _run("batch", CREAM, "--size", "2oz")
    assert table.returncode == 0, table.stderr
    assert "Muscle spasm cream: 2 oz (56.699 g)" in table.stdout
    markdown = _run("batch", CREAM, "--size", "1 lb", "--format", "markdown")
    assert markdown.stdout.startswith("# Weigh sheet: Muscle spasm cream: 1 lb (453.592 g)")
    metric = _run("batch", CREAM, "--size", "120g", "--format", "markdown")
    assert metric.stdout.startswith("# Weigh sheet: Muscle spasm cream: 120 g\n")


def test_batch_in_grains_is_refused_naming_grains() -> None:
    result = _run("batch", CREAM, "--size", "5gr")
    assert result.returncode == 2
    assert result.stderr.startswith("compoundkit: error: ")
    assert "'gr' (grain) is not accepted" in result.stderr
    assert "64.79891 mg" in result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- Strength


def test_the_silent_one() -> None:
    # 0.5 % w/v is 0.5 g per 100 mL: 1.25 L holds 6.25 g (not 0.625 L x %).
    dose = Strength.parse("0.5 % w/v").as_quantity() * Q_(1.25, "L")
    assert dose.check("[mass]")
    assert dose.m_as("g") == pytest.approx(6.25, rel=1e-15)
    assert Strength.parse("10 % w/v").as_quantity().to("g/mL").magnitude == pytest.approx(0.1)


@pytest.mark.parametrize(
    ("text", "whole", "part"),
    [
        ("10 % w/w", Q_(120, "g"), Q_(12, "g")),
        ("10 % w/v", Q_(50, "mL"), Q_(5, "g")),
        ("2 % v/v", Q_(1, "L"), Q_(20, "mL")),
        ("1:1000 w/v", Q_(30, "mL"), Q_(30, "mg")),
        ("1:200 w/w", Q_(1, "kg"), Q_(5, "g")),
        ("20 mg/g", Q_(30, "g"), Q_(600, "mg")),
        ("2 mg/mL", Q_(5, "mL"), Q_(10, "mg")),
        ("5 mg/capsule", Q_(30, "dosage_unit"), Q_(150, "mg")),
        ("0.5 g/100 g", Q_(2, "oz"), Q_(0.28349523125, "g")),
    ],
)
def test_every_basis_multiplies_into_the_part(text: str, whole: object, part: object) -> None:
    amount = Strength.parse(text).as_quantity() * whole
    assert amount.dimensionality == part.dimensionality  # type: ignore[attr-defined]
    assert amount.m_as(part.units) == pytest.approx(part.magnitude, rel=1e-12)  # type: ignore[attr-defined]


def test_amount_and_per_quantities_of_percents() -> None:
    strength = Strength.parse("10 % w/v")
    assert strength.amount_quantity() == Q_(10, "g")
    assert strength.per_quantity() == Q_(100, "mL")
    ratio = (strength.amount_quantity() / strength.per_quantity()).to("g/mL")
    assert ratio == strength.as_quantity()
