"""Balances, minimum weighable quantities (USP <1176>, USP <41>) and aliquot plans."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import pytest

import compoundkit
from compoundkit import calc
from compoundkit.calc import (
    AliquotPlan,
    Balance,
    CalculationError,
    aliquot_plan,
    minimum_weighable_quantity,
    round_to_increment,
    usp41_minimum_weight,
)
from compoundkit.errors import (
    BatchError,
    CompoundkitError,
    DimensionError,
    RuleNotAppliedWarning,
    StrengthParseError,
)
from compoundkit.units import Q_

# --------------------------------------------------------------------------- MWQ


def test_mwq_worked_examples_from_the_domain_notes() -> None:
    # Class III prescription balance: SR 6 mg, 5 % error: 6 mg / 0.05 = 120 mg.
    assert minimum_weighable_quantity(Q_(6, "mg"), Q_(5, "percent")) == Q_(120, "mg")
    # SR 10 mg at 5 %: 10 mg x 100 / 5 = 200 mg.
    assert minimum_weighable_quantity(Q_(10, "mg"), Q_(5, "percent")) == Q_(200, "mg")
    # SR 6 mg at 1 %: 6 mg x 100 / 1 = 600 mg.
    assert minimum_weighable_quantity("6 mg", "1%") == Q_(600, "mg")


@pytest.mark.parametrize(
    ("sensitivity", "error"),
    [
        (Q_(6, "mg"), Q_(5, "percent")),
        (Q_(0.006, "g"), Q_(5, "percent")),
        ("6 mg", "5%"),
        ("6mg", "5 %"),
        (Q_(6, "mg"), Q_(0.05, "dimensionless")),
    ],
)
def test_mwq_accepts_quantities_text_and_fractions(sensitivity: object, error: object) -> None:
    result = minimum_weighable_quantity(sensitivity, error)
    assert str(result.units) == "milligram"
    assert result.magnitude == pytest.approx(120, rel=1e-12)


def test_mwq_accepts_another_pint_registry() -> None:
    import pint

    app = pint.get_application_registry()
    result = minimum_weighable_quantity(app.Quantity(6, "mg"), app.Quantity(5, "percent"))
    assert result.magnitude == pytest.approx(120)


@pytest.mark.parametrize(
    ("sensitivity", "error", "error_type", "fragment"),
    [
        (6, Q_(5, "percent"), DimensionError, "sensitivity: 6 has no unit"),
        (Q_(6, "mL"), Q_(5, "percent"), DimensionError, "sensitivity: 6 milliliter cannot"),
        (Q_(0, "mg"), Q_(5, "percent"), CalculationError, "sensitivity: 0 milligram must be"),
        (Q_(-6, "mg"), Q_(5, "percent"), CalculationError, "must be greater than zero"),
        (Q_(math.nan, "mg"), Q_(5, "percent"), CalculationError, "not a finite quantity"),
        (Q_(math.inf, "mg"), Q_(5, "percent"), CalculationError, "not a finite quantity"),
        ("-6 mg", "5%", StrengthParseError, "must be positive"),
        (Q_(6, "mg"), 0.05, CalculationError, "max_error: 0.05 has no unit"),
        (Q_(6, "mg"), Q_(100, "percent"), CalculationError, "less than 100 %"),
        (Q_(6, "mg"), Q_(150, "percent"), CalculationError, "less than 100 %"),
        (Q_(6, "mg"), Q_(0, "percent"), CalculationError, "more than 0 %"),
        (Q_(6, "mg"), Q_(-5, "percent"), CalculationError, "more than 0 %"),
        (Q_(6, "mg"), Q_(math.nan, "percent"), CalculationError, "more than 0 %"),
        (Q_(6, "mg"), Q_(5, "mg"), DimensionError, "max_error"),
        (Q_(6, "mg"), "five", CalculationError, "max_error: 'five' is not a percent"),
        (Q_(6, "mg"), "5", CalculationError, "is not a percent such as '5%'"),
        (Q_(6, "mg"), "5" * 101, CalculationError, "text of 101 characters; at most 100"),
    ],
)
def test_mwq_bad_input_names_the_argument(
    sensitivity: object, error: object, error_type: type[Exception], fragment: str
) -> None:
    with pytest.raises(error_type) as caught:
        minimum_weighable_quantity(sensitivity, error)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, CompoundkitError)
    assert isinstance(caught.value, ValueError)


def test_usp41_worked_examples_from_the_domain_notes() -> None:
    # s = 0.15 mg: 2000 x 0.15 mg = 300 mg.
    with pytest.warns(RuleNotAppliedWarning):
        assert usp41_minimum_weight(Q_(0.15, "mg")) == Q_(300, "mg")
    # s = 0.02 mg < 0.41 x 0.1 mg = 0.041 mg, so s is taken as 0.041 mg: 2000 x 0.041 = 82 mg.
    assert usp41_minimum_weight(Q_(0.02, "mg"), Q_(0.1, "mg")).magnitude == pytest.approx(82)
    # s = 0.15 mg >= 0.041 mg: the floor does not apply, 300 mg.
    assert usp41_minimum_weight("0.15 mg", "0.1 mg").magnitude == pytest.approx(300)
    # A perfectly repeatable balance (s = 0) still has the 820 d floor: 820 x 0.01 mg = 8.2 mg.
    assert usp41_minimum_weight(Q_(0, "mg"), Q_(0.01, "mg")).magnitude == pytest.approx(8.2)


def test_usp41_without_readability_applies_no_floor_and_says_so() -> None:
    # Without d the 0.41 d floor cannot be applied: 2000 x 0.02 mg = 40 mg, below the
    # 82 mg the same balance gets once its d = 0.1 mg is given.
    with pytest.warns(RuleNotAppliedWarning, match=r"0\.41 d floor was not applied") as caught:
        assert usp41_minimum_weight("0.02 mg").magnitude == pytest.approx(40)
    assert caught[0].filename == __file__  # it points at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # with d given, nothing to say
        assert usp41_minimum_weight("0.02 mg", "0.1 mg").magnitude == pytest.approx(82)
    doc = " ".join((usp41_minimum_weight.__doc__ or "").split())
    assert "Without the readability the 0.41 d floor is NOT applied" in doc


def test_usp41_bad_input() -> None:
    with pytest.raises(CalculationError, match="repeatability_sd: 0 milligram must be greater"):
        usp41_minimum_weight(Q_(0, "mg"))
    with pytest.raises(CalculationError, match=r"repeatability_sd: .* must be zero or more"):
        usp41_minimum_weight(Q_(-0.1, "mg"), Q_(0.1, "mg"))
    with pytest.raises(CalculationError, match="readability: 0 milligram must be greater"):
        usp41_minimum_weight(Q_(0.1, "mg"), Q_(0, "mg"))
    with pytest.raises(DimensionError, match=r"readability: 0\.1 has no unit"):
        usp41_minimum_weight(Q_(0.1, "mg"), 0.1)
    with pytest.raises(DimensionError, match="repeatability_sd"):
        usp41_minimum_weight(Q_(0.1, "mL"))


# --------------------------------------------------------------------------- balance


def test_class_iii_balance() -> None:
    balance = Balance.class_iii()
    assert balance.minimum_weight == Q_(120, "mg")
    assert balance.readability == Q_(1, "mg")
    assert balance.minimum_g == 0.12
    assert balance.increment_g == 0.001
    assert balance.description == (
        "Class III prescription balance (SR 6 mg, 5 % error): minimum 120 mg (USP <1176>)"
    )
    assert balance.spec == "class-iii"
    assert Balance.parse("Class-III") == balance
    assert balance.is_weighable_g(0.12)
    assert not balance.is_weighable_g(0.1199)


def test_sensitivity_balance() -> None:
    balance = Balance.from_sensitivity(Q_(10, "mg"), Q_(5, "percent"))
    assert balance.minimum_weight == Q_(200, "mg")
    assert balance.readability == Q_(1, "mg")  # figures are stated to the milligram
    assert "SR 10 mg at 5 % error: minimum 200 mg" in balance.description
    assert "USP <1176>" in balance.description
    finer = Balance.from_sensitivity("2 mg", "5%", readability="0.1 mg")
    assert finer.minimum_weight == Q_(40, "mg")
    assert finer.increment_g == pytest.approx(0.0001, rel=1e-15)
    assert finer.spec == "sr=2mg,error=5%,d=0.1mg"


def test_usp41_balance() -> None:
    balance = Balance.usp41(Q_(0.15, "mg"), Q_(0.1, "mg"))
    assert balance.minimum_weight == Q_(300, "mg")
    assert balance.readability == Q_(0.1, "mg")
    assert balance.description == (
        "Electronic balance (s 0.15 mg, d 0.1 mg): minimum 300 mg (2000 s; USP <41>)"
    )
    floored = Balance.usp41("0.02 mg", "0.1 mg")
    assert floored.minimum_mg == pytest.approx(82)
    assert "820 d, as s < 0.41 d" in floored.description


@pytest.mark.parametrize(
    ("text", "minimum_mg", "increment_mg"),
    [
        ("class-iii", 120, 1),
        ("  class iii ", 120, 1),
        ("sr=6mg,error=5%", 120, 1),
        ("SR = 6 mg, error = 5 %", 120, 1),
        ("error=5%,sr=10mg", 200, 1),
        ("sr=6mg,error=5%,d=0.5mg", 120, 0.5),
        ("sr=0.006g,error=5%", 120, 1),
        ("usp41:s=0.15mg,d=0.1mg", 300, 0.1),
        ("usp41:s=0.02mg,d=0.1mg", 82, 0.1),
        ("USP41:d=0.01mg,s=0.001mg", 8.2, 0.01),
    ],
)
def test_parse_the_cli_balance_forms(text: str, minimum_mg: float, increment_mg: float) -> None:
    balance = Balance.parse(text)
    assert balance.minimum_mg == pytest.approx(minimum_mg, rel=1e-12)
    assert balance.increment_mg == pytest.approx(increment_mg, rel=1e-12)
    assert Balance.parse(balance.spec) == balance


ALLOWED = "allowed: class-iii | sr=<mass>,error=<percent>[,d=<mass>] | usp41:s=<mass>,d=<mass>"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("sr=abc", "sr: expected the sensitivity requirement (a decimal such as 10 or 0.5)"),
        ("usp41:s=-1mg,d=0.1mg", "s: the repeatability s must be positive"),
        ("usp41:s=0.1mg", "missing d"),
        ("foo", "balance 'foo' is not a balance form"),
        ("", "give 1 to 100 characters"),
        ("sr=6mg", "missing error"),
        ("sr=6mg,error=5%,sr=6mg", "sr is given twice"),
        ("sr=6mg,error=100%", "the error must be less than 100 %"),
        ("sr=6mg,error=0%", "must be greater than zero"),
        ("sr=6mg,error=5", "the error is a percent such as 5%"),
        ("sr=6mL,error=5%", "unit 'mL' is a volume; expected mass"),
        ("sr=6,error=5%", "expected a unit (mcg, mg, g, kg, oz, lb)"),
        ("sr=6mg,error=5%,x=1", "'x=1': expected key=value with a key among sr, error, d"),
        ("sr=6mg,,error=5%", "'(empty)': expected key=value"),
        ("sr=1e3mg,error=5%", "exponents are not allowed"),
        ("sr=9**9mg,error=5%", "powers and expressions are not allowed"),
        ("sr=nan mg,error=5%", "not 'nan'"),
        ("sr=6mg,error=5%,d=1000mg", "readability 1 g is larger than its minimum"),
        ("class-iv", "is not a balance form"),
        ("x" * 101, "give 1 to 100 characters"),
    ],
)
def test_parse_rejects_nonsense_with_the_allowed_forms(text: str, fragment: str) -> None:
    with pytest.raises(BatchError) as caught:
        Balance.parse(text)
    message = str(caught.value)
    assert fragment in message
    assert ALLOWED in message
    assert isinstance(caught.value, ValueError)


def test_parse_refuses_non_text() -> None:
    with pytest.raises(BatchError, match="balance must be text, not int"):
        Balance.parse(6)  # type: ignore[arg-type]


def test_balance_invariants() -> None:
    with pytest.raises(BatchError, match=r"minimum_mg: 0\.0 must be a finite number above zero"):
        Balance(0.0, 1.0, "x", "x")
    with pytest.raises(BatchError, match="increment_mg: nan"):
        Balance(120.0, math.nan, "x", "x")
    with pytest.raises(BatchError, match="readability 200 mg is larger than its minimum"):
        Balance(120.0, 200.0, "x", "x")


# --------------------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    ("grams", "increment", "expected"),
    [
        (0.1235, 0.001, 0.124),  # a decimal half rounds away from zero ...
        (0.1225, 0.001, 0.123),  # ... never to even
        (0.12349, 0.001, 0.123),
        (12.0, 0.001, 12.0),
        (0.04567, 0.0001, 0.0457),
        (0.30000000000000004, 0.1, 0.3),
        (-0.0005, 0.001, -0.001),
        (0.0004, 0.001, 0.0),
        (7.5, 5.0, 10.0),
    ],
)
def test_rounding_rule(grams: float, increment: float, expected: float) -> None:
    assert round_to_increment(grams, increment) == expected


def test_round_g_uses_the_balance_readability() -> None:
    assert Balance.class_iii().round_g(0.0305) == 0.031
    assert Balance.parse("usp41:s=0.15mg,d=0.1mg").round_g(0.30004) == 0.3
    assert Balance.class_iii().round_g(1.2344999) == 1.234


def test_rounding_refuses_non_finite() -> None:
    with pytest.raises(CalculationError, match="value: nan must be a finite number"):
        round_to_increment(math.nan, 0.001)
    with pytest.raises(CalculationError, match=r"increment: 0\.0 must be a finite number"):
        round_to_increment(1.0, 0.0)


# --------------------------------------------------------------------------- aliquots


def test_aliquot_worked_example_30_mg_on_a_class_iii_balance() -> None:
    # 30 mg is below the 120 mg MWQ. k = 4: weigh 4 x 30 mg = 120 mg (>= 120 mg).
    # The aliquot must be >= 120 mg and the diluent 4 x A - 120 mg >= 120 mg, so A = 120 mg:
    # total 4 x 120 mg = 480 mg, diluent 480 - 120 = 360 mg; the aliquot holds
    # 120 mg x 120 mg / 480 mg = 30 mg.
    plan = aliquot_plan(Q_(30, "mg"), Q_(120, "mg"), diluent="the cream base")
    assert plan.factor == 4
    assert plan.weigh == Q_(120, "mg")
    assert plan.diluent_amount == Q_(360, "mg")
    assert plan.total == Q_(480, "mg")
    assert plan.aliquot == Q_(120, "mg")
    assert plan.delivered == Q_(30, "mg")
    assert plan.diluent == "the cream base"
    assert plan.steps() == [
        "1. Weigh 120 mg of the drug (4 x 30 mg).",
        "2. Add 360 mg of the cream base and mix until uniform: 480 mg of mixture.",
        "3. Weigh 120 mg of the mixture (1/4): it holds 30 mg of the drug "
        "(120 mg x 120 mg / 480 mg).",
    ]


def test_aliquot_worked_example_12_5_mg() -> None:
    # 12.5 mg: k = 10 gives 125 mg, a whole number of mg (k = 12 would give 150 mg too but
    # a larger total). A >= 120 mg and 10 A - 125 >= 120, so A = 120 mg, total 1200 mg,
    # diluent 1075 mg; 120 x 125 / 1200 = 12.5 mg.
    plan = aliquot_plan("12.5 mg", "120 mg")
    assert (plan.factor, plan.weigh_mg, plan.diluent_mg, plan.total_mg, plan.aliquot_mg) == (
        10,
        125.0,
        1075.0,
        1200.0,
        120.0,
    )
    assert plan.delivered_mg == 12.5
    assert (plan.weigh_g, plan.diluent_g, plan.total_g, plan.aliquot_g) == (
        0.125,
        1.075,
        1.2,
        0.12,
    )
    assert plan.leftover_mg == 1080.0


def test_aliquot_close_to_the_minimum_uses_a_larger_aliquot() -> None:
    # 100 mg: k = 2, weigh 200 mg; diluent 2 A - 200 >= 120 needs A >= 160 mg: total 320 mg.
    plan = aliquot_plan("100 mg", "120 mg")
    assert (plan.factor, plan.weigh_mg, plan.aliquot_mg, plan.total_mg) == (2, 200, 160, 320)
    assert plan.diluent_mg == 120


def test_aliquot_on_a_usp41_balance_in_tenths_of_a_milligram() -> None:
    # 2.5 mg below 82 mg (s 0.02 mg, d 0.1 mg): 82 / 2.5 = 32.8, the next round multiple is
    # k = 40: weigh 100 mg. A >= 82 mg and 40 A - 100 >= 82 mg, so A = 82 mg: total
    # 40 x 82 mg = 3280 mg, diluent 3180 mg; 82 x 100 / 3280 = 2.5 mg.
    balance = Balance.parse("usp41:s=0.02mg,d=0.1mg")
    plan = balance.aliquot_plan(0.0025, "lactose", drug="the active")
    assert (plan.factor, plan.weigh_mg, plan.diluent_mg, plan.total_mg, plan.aliquot_mg) == (
        40,
        100.0,
        3180.0,
        3280.0,
        82.0,
    )
    assert plan.delivered_mg == pytest.approx(2.5, rel=1e-12)
    assert plan.readability_mg == 0.1
    assert plan.steps()[0] == "1. Weigh 100 mg of the active (40 x 2.5 mg)."
    assert plan.steps()[1] == "2. Add 3.18 g of lactose and mix until uniform: 3.28 g of mixture."


def test_aliquot_when_needed_is_not_a_whole_number_of_steps() -> None:
    # 12.3456 mg on a 1 mg balance: weigh k x 12.3456 rounded to 1 mg; the aliquot then holds
    # weigh / k, within 1 mg / (2 k) of what is needed, and the first step says it was rounded.
    plan = aliquot_plan("12.3456 mg", "120 mg")
    assert abs(plan.delivered_mg - 12.3456) <= 1.0 / (2 * plan.factor)
    assert plan.weigh_mg == round(plan.factor * 12.3456)
    assert "rounded to 1 mg" in plan.steps()[0]


def test_large_totals_are_shown_in_grams() -> None:
    plan = aliquot_plan("1 mg", "120 mg")
    # 1 mg: k = 120, weigh 120 mg, aliquot 120 mg, total 120 x 120 mg = 14.4 g.
    assert plan.total == Q_(14400, "mg")
    assert "14.4 g of mixture" in plan.steps()[1]


def test_balance_aliquot_plan_matches_the_function() -> None:
    balance = Balance.class_iii()
    assert balance.aliquot_plan(0.03, "the base") == aliquot_plan("30 mg", balance.minimum_weight)


@pytest.mark.parametrize(
    ("needed", "minimum", "readability", "error_type", "fragment"),
    [
        (Q_(120, "mg"), Q_(120, "mg"), None, CalculationError, "weigh it directly"),
        (Q_(0.5, "g"), Q_(120, "mg"), None, CalculationError, "500 mg is at or above"),
        (Q_(0, "mg"), Q_(120, "mg"), None, CalculationError, "needed: 0 milligram must be"),
        (Q_(-5, "mg"), Q_(120, "mg"), None, CalculationError, "needed: -5 milligram"),
        (Q_(math.nan, "mg"), Q_(120, "mg"), None, CalculationError, "needed: nan"),
        (Q_(math.inf, "mg"), Q_(120, "mg"), None, CalculationError, "needed: inf"),
        (30, Q_(120, "mg"), None, DimensionError, "needed: 30 has no unit"),
        (Q_(30, "mL"), Q_(120, "mg"), None, DimensionError, "needed: 30 milliliter cannot"),
        (Q_(30, "mg"), Q_(0, "mg"), None, CalculationError, "minimum: 0 milligram"),
        (Q_(30, "mg"), Q_(120, "mg"), Q_(0, "mg"), CalculationError, "readability: 0"),
        (Q_(30, "mg"), Q_(120, "mg"), Q_(200, "mg"), CalculationError, "at most the minimum"),
    ],
)
def test_aliquot_bad_input(
    needed: object,
    minimum: object,
    readability: object,
    error_type: type[Exception],
    fragment: str,
) -> None:
    with pytest.raises(error_type) as caught:
        aliquot_plan(needed, minimum, readability=readability)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_balance_aliquot_plan_refuses_non_finite_grams() -> None:
    with pytest.raises(CalculationError, match="needed: nan must be a finite number of grams"):
        Balance.class_iii().aliquot_plan(math.nan, "the base")
    with pytest.raises(CalculationError, match="at or above the minimum"):
        Balance.class_iii().aliquot_plan(0.2, "the base")


def test_aliquot_plan_checks_its_invariants() -> None:
    good = aliquot_plan("30 mg", "120 mg")
    with pytest.raises(CalculationError, match="every weighed step must be at least 120 mg"):
        AliquotPlan(30.0, 120.0, 100.0, 220.0, 110.0, 2, 120.0, 1.0)
    with pytest.raises(CalculationError, match="weigh \\+ diluent must make the total"):
        AliquotPlan(30.0, 120.0, 360.0, 500.0, 120.0, 4, 120.0, 1.0)
    with pytest.raises(CalculationError, match="the total must be factor x aliquot"):
        AliquotPlan(30.0, 120.0, 360.0, 480.0, 120.0, 3, 120.0, 1.0)
    assert good == AliquotPlan(30.0, 120.0, 360.0, 480.0, 120.0, 4, 120.0, 1.0)


# --------------------------------------------------------------------------- package


def test_public_api_is_pinned() -> None:
    assert calc.__all__ == sorted(calc.__all__, key=lambda n: (not n.isupper(), n))
    assert set(calc.__all__) >= {
        "alligation",
        "dilution",
        "minimum_weighable_quantity",
        "usp41_minimum_weight",
        "aliquot_plan",
        "milliequivalents",
        "elemental_content",
        "mass_from_volume",
        "volume_from_mass",
        "specific_gravity",
        "density_from_specific_gravity",
        "Balance",
        "AliquotPlan",
    }
    for name in calc.__all__:
        assert getattr(calc, name) is not None
    assert issubclass(CalculationError, compoundkit.CompoundkitError)
    assert issubclass(CalculationError, ValueError)


def test_importing_calc_does_not_load_pint_or_the_catalog() -> None:
    code = (
        "import sys, compoundkit.calc\n"
        "print(sorted(m for m in ('pint', 'numpy', 'molmass', 'compoundkit.ingredients')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_usp41_text_accepts_a_zero_repeatability() -> None:
    # s = 0 < 0.41 d, so the floor applies: 820 x 0.1 mg = 82 mg
    assert Balance.parse("usp41:s=0mg,d=0.1mg").minimum_weight == Q_(82, "mg")
