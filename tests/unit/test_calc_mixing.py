"""Alligation and dilution: worked examples and bad input."""

from __future__ import annotations

import math

import pytest

from compoundkit.calc import Alligation, CalculationError, Dilution, alligation, dilution
from compoundkit.errors import CompoundkitError, DimensionError, StrengthParseError
from compoundkit.units import Q_, Strength

W20, W5, W10 = (Strength.parse(t) for t in ("20 % w/w", "5 % w/w", "10 % w/w"))


def test_alligation_worked_example_fixed_total() -> None:
    # 20 % and 5 % to make 100 g of 10 %: parts of 20 % = 10 - 5 = 5, parts of 5 % = 20 - 10
    # = 10, 15 parts in all: 100 g x 5/15 = 33.33 g of 20 % and 100 g x 10/15 = 66.67 g of 5 %.
    # Check: 33.33 g x 20 % + 66.67 g x 5 % = 6.667 + 3.333 = 10 g of drug in 100 g = 10 %.
    mix = alligation(W20, W5, W10, total=Q_(100, "g"))
    assert isinstance(mix, Alligation)
    assert mix.strong_amount.to("g").magnitude == pytest.approx(33.3333333, rel=1e-8)
    assert mix.weak_amount.to("g").magnitude == pytest.approx(66.6666667, rel=1e-8)
    assert mix.total == Q_(100, "g")
    assert round(mix.strong_value, 2) == 33.33
    assert round(mix.weak_value, 2) == 66.67
    assert (mix.parts_strong, mix.parts_weak) == pytest.approx((5.0, 10.0))
    assert mix.steps() == [
        "1. Parts of 20 % w/w: 10 - 5 = 5; parts of 5 % w/w: 20 - 10 = 10 (15 parts in all).",
        "2. Mix 33.3333 g of 20 % w/w (5/15) with 66.6667 g of 5 % w/w (10/15): 100 g of 10 % w/w.",
    ]


def test_alligation_with_a_fixed_amount_of_one_part() -> None:
    # All of 50 g of 20 % is used: weak = 50 g x 10/5 = 100 g of 5 %; total 150 g of 10 %.
    mix = alligation(W20, W5, W10, strong_amount=Q_(50, "g"))
    assert (mix.strong_value, mix.weak_value, mix.total_value) == pytest.approx((50, 100, 150))
    # All of 30 g of 5 % is used: strong = 30 g x 5/10 = 15 g of 20 %; total 45 g.
    mix = alligation(W20, W5, W10, weak_amount="30 g")
    assert (mix.strong_value, mix.weak_value, mix.total_value) == pytest.approx((15, 30, 45))


def test_alligation_with_a_diluent() -> None:
    # 20 % diluted with base (0 %) to 5 %: parts 5 : 15, so 100 g = 25 g of 20 % + 75 g of base.
    mix = alligation("20 % w/w", None, "5 % w/w", total="100 g")
    assert mix.weak is None
    assert (mix.strong_value, mix.weak_value) == pytest.approx((25, 75))
    assert "the diluent (0 %)" in mix.steps()[0]


def test_alligation_of_solutions_is_in_millilitres() -> None:
    # 1:1000 w/v (0.1 %) and 1:10000 w/v (0.01 %) to make 900 mL of 1:2000 (0.05 %):
    # parts 0.04 : 0.05, so 900 mL x 4/9 = 400 mL and 500 mL.
    mix = alligation("1:1000 w/v", "1:10000 w/v", "1:2000 w/v", total=Q_(0.9, "L"))
    assert mix.unit == "milliliter"
    assert mix.strong_amount.to("mL").magnitude == pytest.approx(400, rel=1e-12)
    assert mix.weak_amount.to("mL").magnitude == pytest.approx(500, rel=1e-12)


def test_alligation_accepts_different_notations_on_one_basis() -> None:
    mix = alligation(Strength.parse("200 mg/g"), "5 % w/w", "0.1 g/g", total="100 g")
    assert mix.strong_value == pytest.approx(100 / 3, rel=1e-12)


@pytest.mark.parametrize(
    ("args", "kwargs", "error_type", "fragment"),
    [
        ((W20, W5, W20), {"total": "100 g"}, CalculationError, "must lie strictly between"),
        ((W20, W5, W5), {"total": "100 g"}, CalculationError, "must lie strictly between"),
        (
            (W20, W5, "25 % w/w"),
            {"total": "100 g"},
            CalculationError,
            "target: 25 % w/w must lie strictly between weak 5 % w/w and strong 20 % w/w",
        ),
        ((W5, W20, W10), {"total": "100 g"}, CalculationError, "must be stronger than weak"),
        ((W20, W20, W10), {"total": "100 g"}, CalculationError, "must be stronger than weak"),
        ((W20, W5, W10), {}, CalculationError, "give exactly one of total, strong_amount"),
        (
            (W20, W5, W10),
            {"total": "100 g", "strong_amount": "50 g"},
            CalculationError,
            "(got total, strong_amount)",
        ),
        ((W20, W5, W10), {"total": "100 mL"}, DimensionError, "total: 100 mL cannot"),
        ((W20, W5, W10), {"total": 100}, DimensionError, "total: 100 has no unit"),
        ((W20, W5, W10), {"total": Q_(0, "g")}, CalculationError, "total: 0 gram must be"),
        ((W20, W5, W10), {"total": Q_(-1, "g")}, CalculationError, "greater than zero"),
        ((W20, W5, W10), {"total": Q_(math.nan, "g")}, CalculationError, "not a finite"),
        ((W20, W5, W10), {"weak_amount": Q_(math.inf, "g")}, CalculationError, "not a finite"),
        (
            (W20, "5 % w/v", W10),
            {"total": "100 g"},
            DimensionError,
            "weak: 5 % w/v is w/v but strong 20 % w/w is w/w",
        ),
        ((W20, W5, "10 %"), {"total": "100 g"}, DimensionError, "target: 10 % is unresolved"),
        ((W20, W5, "10 mg/capsule"), {"total": "1 g"}, DimensionError, "is per unit"),
        ((W20, W5, "ten %"), {"total": "100 g"}, StrengthParseError, "expected the strength"),
        ((0.2, W5, W10), {"total": "100 g"}, CalculationError, "strong: 0.2 is not a strength"),
    ],
)
def test_alligation_bad_input(
    args: tuple[object, ...], kwargs: dict[str, object], error_type: type[Exception], fragment: str
) -> None:
    with pytest.raises(error_type) as caught:
        alligation(*args, **kwargs)  # type: ignore[arg-type]
    assert fragment in str(caught.value)
    assert isinstance(caught.value, CompoundkitError)
    assert isinstance(caught.value, ValueError)


def test_dilution_worked_example() -> None:
    # 120 g of 5 % from a 20 % stock: C1 Q1 = C2 Q2, Q1 = 120 g x 5 / 20 = 30 g of stock,
    # plus 120 - 30 = 90 g of diluent. Check: 30 g x 20 % = 6 g = 120 g x 5 %.
    result = dilution(W20, "5 % w/w", Q_(120, "g"))
    assert isinstance(result, Dilution)
    assert result.stock_amount == Q_(30, "g")
    assert result.diluent_amount == Q_(90, "g")
    assert result.total == Q_(120, "g")
    assert result.steps() == [
        "1. Stock needed = 120 g x 5 % / 20 % = 30 g of 20 % w/w.",
        "2. Add 90 g of diluent: 120 g: 5 % w/w.",
    ]


def test_dilution_of_a_solution_is_made_up_to_volume() -> None:
    # 250 mL of 1:1000 w/v from a 1 % w/v stock: 250 mL x 0.1 / 1 = 25 mL of stock.
    result = dilution("1 % w/v", "1:1000 w/v", "250 mL")
    assert result.stock_amount.to("mL").magnitude == pytest.approx(25, rel=1e-12)
    assert result.steps()[1] == "2. Add diluent to 250 mL (about 225 mL): 1:1000 w/v."


@pytest.mark.parametrize(
    ("stock", "target", "total", "error_type", "fragment"),
    [
        ("5 % w/w", "5 % w/w", "100 g", CalculationError, "must be weaker than the stock"),
        ("5 % w/w", "10 % w/w", "100 g", CalculationError, "cannot make a stronger"),
        ("10 % w/w", "5 % w/v", "100 g", DimensionError, "target: 5 % w/v is w/v"),
        ("10 % w/w", "5 % w/w", "100 mL", DimensionError, "total: 100 mL cannot"),
        ("10 % w/w", "5 % w/w", Q_(0, "g"), CalculationError, "total: 0 gram must be"),
        ("10 % w/w", "5 % w/w", Q_(math.nan, "g"), CalculationError, "not a finite"),
        ("10 % w/w", "5 % w/w", 100, DimensionError, "total: 100 has no unit"),
        ("10 %", "5 %", "100 g", DimensionError, "stock: 10 % is unresolved"),
    ],
)
def test_dilution_bad_input(
    stock: str, target: str, total: object, error_type: type[Exception], fragment: str
) -> None:
    with pytest.raises(error_type) as caught:
        dilution(stock, target, total)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)
