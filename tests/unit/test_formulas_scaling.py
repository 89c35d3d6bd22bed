"""scale_formula: enlarging and reducing formulas (hand-checked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compoundkit import Q_, calc, load_formula
from compoundkit.errors import CalculationError, DimensionError
from compoundkit.formulas.io import loads_toml
from compoundkit.formulas.scaling import scale_formula

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_amounts_scale_by_new_total_over_reference_batch() -> None:
    ointment = load_formula(EXAMPLES / "zinc-oxide-ointment.toml")
    big = scale_formula(ointment, Q_(454, "g"))
    # factor 454 / 100 = 4.54: zinc oxide 14 g -> 63.56 g; mineral oil 8 mL -> 36.32 mL
    assert big.makes is not None
    assert str(big.makes) == "454 g"
    assert big.excipients[0].amount is not None
    assert big.excipients[0].amount.value == pytest.approx(63.56, rel=1e-12)
    assert big.excipients[1].amount is not None
    assert big.excipients[1].amount.value == pytest.approx(36.32, rel=1e-12)
    assert big.excipients[1].amount.unit == "mL"
    # the composition is unchanged: the same fractions of the preparation
    for a, b in zip(ointment.lines, big.lines, strict=True):
        assert a.fraction == pytest.approx(b.fraction, rel=1e-12)
    small = scale_formula(ointment, "25 g")
    assert small.excipients[0].amount is not None
    assert small.excipients[0].amount.value == pytest.approx(3.5, rel=1e-12)  # 14 x 0.25


def test_a_reference_batch_in_customary_units_scales_by_its_metric_size() -> None:
    text = (EXAMPLES / "zinc-oxide-ointment.toml").read_text(encoding="utf-8")
    ointment = loads_toml(text.replace('makes = "100 g"', 'makes = "4 fl oz"'))
    # 4 US fl oz = 118.29411825 mL: 236.5882365 mL is twice the batch, zinc oxide 14 g -> 28 g
    doubled = scale_formula(ointment, "236.5882365 mL")
    assert str(doubled.makes) == "236.5882365 mL"
    assert doubled.excipients[0].amount is not None
    assert doubled.excipients[0].amount.value == pytest.approx(28.0, rel=1e-12)


def test_strength_formulas_keep_their_strengths() -> None:
    cream = load_formula(EXAMPLES / "muscle-spasm-cream.toml")
    scaled = scale_formula(cream, "500 g")
    assert [c.strength for c in scaled.ingredients] == [c.strength for c in cream.ingredients]
    assert str(scaled.makes) == "500 g"


@pytest.mark.parametrize(
    ("total", "error", "fragment"),
    [
        (Q_(0, "g"), CalculationError, "positive, finite"),
        (Q_(-1, "g"), CalculationError, "positive, finite"),
        ("10 mL", DimensionError, "cannot be expressed in gram"),
        (100, DimensionError, "has no unit"),
    ],
)
def test_bad_totals(total: object, error: type[Exception], fragment: str) -> None:
    ointment = load_formula(EXAMPLES / "zinc-oxide-ointment.toml")
    with pytest.raises(error, match=fragment):
        scale_formula(ointment, total)


def test_calc_scale_formula_is_the_same_function() -> None:
    """``compoundkit.calc.scale_formula`` stays importable (a contract), as an alias."""
    from compoundkit.calc import scale_formula as alias

    assert alias is scale_formula
    assert calc.scale_formula is scale_formula
    assert "scale_formula" in dir(calc)
