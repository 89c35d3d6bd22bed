"""Strength parsing, conversion and the USP bare-percent rule."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

import compoundkit
from compoundkit.errors import (
    DensityRequiredError,
    DimensionError,
    DosageFormError,
    StrengthParseError,
)
from compoundkit.units import Q_, Basis, Strength, magnitude, parse_quantity, resolve_basis


@pytest.mark.parametrize(
    ("text", "canonical", "basis", "value"),
    [
        ("10 % w/w", "10 % w/w", Basis.W_W, 0.1),
        ("10% (w/w)", "10 % w/w", Basis.W_W, 0.1),
        ("10 %w/v", "10 % w/v", Basis.W_V, 0.1),
        ("2 % v/v", "2 % v/v", Basis.V_V, 0.02),
        ("20 mg/g", "20 mg/g", Basis.W_W, 0.02),
        ("2 mg/mL", "2 mg/mL", Basis.W_V, 0.002),
        ("0.5 g/100 g", "0.5 g/100 g", Basis.W_W, 0.005),
        ("1:1000", "1:1000", Basis.UNRESOLVED, 0.001),
        ("10 %", "10 %", Basis.UNRESOLVED, 0.1),
        ("5 mg/capsule", "5 mg/capsule", Basis.PER_UNIT, 0.005),
        ("  2.5 % W/W ", "2.5 % w/w", Basis.W_W, 0.025),
        ("300 mg/ml", "300 mg/mL", Basis.W_V, 0.3),
        ("250 mcg/g", "250 mcg/g", Basis.W_W, 0.00025),
        ("250 µg/g", "250 mcg/g", Basis.W_W, 0.00025),
    ],
)
def test_parse_accepts_the_pharmacy_notations(
    text: str, canonical: str, basis: Basis, value: float
) -> None:
    strength = Strength.parse(text)
    assert str(strength) == canonical
    assert strength.basis is basis
    assert strength.canonical == pytest.approx(value, rel=1e-15)


# Each bad input: the error type and a fragment of the message a user needs to see.
BAD_STRENGTHS = [
    ("9**9**9 mg/g", "powers and expressions are not allowed"),
    ("2**2 %", "powers and expressions are not allowed"),
    ("1e999 %", "exponents are not allowed"),
    ("nan %", "not 'nan'"),
    ("inf mg/g", "not 'inf'"),
    ("-5 %", "must be positive"),
    ("0 %", "must be greater than zero"),
    ("10 %w/x", "unknown basis 'w/x'; allowed: w/w, w/v, v/v"),
    ("10 mg/kg/day", "only one '/' is allowed"),
    ("10 furlongs/g", "unknown unit 'furlongs'; allowed: mcg, mg, g, kg, oz, lb, mL, L, fl oz"),
    ("", "empty strength"),
    ("   ", "empty strength"),
    ("1" * 10_000, "at most 100 allowed"),
    ("150 % w/w", "more than 100 % of the mass"),
    ("101 % v/v", "more than 100 % of the volume"),
    ("2000 mg/g", "more than 100 % of the mass"),
    ("1:0", "must be greater than zero"),
    ("2:1000", "a ratio strength is written 1:N"),
    ("1:0.5", "more than 100 %"),
    ("10 mL/g", "volume per mass is not a strength"),
    ("10 mg", "expected '/'"),
    ("10", "needs '%', a ratio '1:N' or units"),
    ("10 % w/w extra", "unexpected text after the strength"),
    ("(1) %", "expected the strength"),
    ("10 % (w/w", "expected ')'"),
    ("99999999999 %", "out of range"),
    ("10 Mg/g", "unknown unit 'Mg'"),
    ("10 mg/capsule/day", "only one '/' is allowed"),
]


@pytest.mark.parametrize(("text", "fragment"), BAD_STRENGTHS)
def test_bad_strengths_fail_fast_with_a_specific_message(text: str, fragment: str) -> None:
    start = time.perf_counter()
    with pytest.raises(StrengthParseError) as caught:
        Strength.parse(text)
    assert time.perf_counter() - start < 0.1
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, compoundkit.CompoundkitError)


def test_parse_error_points_at_the_offending_character() -> None:
    with pytest.raises(StrengthParseError) as caught:
        Strength.parse("10 %w/x")
    assert caught.value.position == 4
    assert str(caught.value).splitlines()[-1] == "      ^"


def test_non_text_is_refused() -> None:
    with pytest.raises(StrengthParseError, match="must be text, not int"):
        Strength.parse(10)  # type: ignore[arg-type]


def test_bad_input_never_reaches_pints_evaluator() -> None:
    code = (
        "import sys; from compoundkit import Strength\n"
        "for t in ['9**9**9 mg/g', '2**2 %', '1e999 %', '10 furlongs/g']:\n"
        "    try: Strength.parse(t)\n"
        "    except ValueError: pass\n"
        "print('pint' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_bare_percent_resolves_by_the_usp_rule() -> None:
    bare = Strength.parse("10 %")
    assert not bare.is_resolved
    assert bare.resolve("cream").basis is Basis.W_W
    assert bare.resolve("ointment") == Strength.parse("10 % w/w")
    assert bare.resolve("solution") == Strength.parse("10 % w/v")
    assert bare.resolve("solution", solute="liquid") == Strength.parse("10 % v/v")
    assert Strength.parse("1:1000").resolve("solution") == Strength.parse("1:1000 w/v")
    resolved = Strength.parse("2 % w/v")
    assert resolved.resolve("cream") is resolved


def test_unknown_dosage_form_lists_the_known_ones() -> None:
    with pytest.raises(DosageFormError, match="dosage form 'potion' unknown; allowed: capsule"):
        resolve_basis("potion")
    with pytest.raises(DosageFormError, match="solute state 'plasma' unknown"):
        resolve_basis("solution", "plasma")


def test_unresolved_strength_cannot_be_used_as_a_fraction() -> None:
    with pytest.raises(DimensionError, match=r"call \.resolve\(dosage_form\)"):
        Strength.parse("10 %").to("mg/g")
    with pytest.raises(DimensionError, match="only w/w and v/v"):
        Strength.parse("10 %").fraction()


def test_conversions_within_a_basis() -> None:
    ten = Strength.parse("10 % w/w")
    assert str(ten.to("mg/g")) == "100 mg/g"
    assert str(ten.to("g/100 g")) == "10 g/100 g"
    assert str(ten.to("ratio")) == "1:10 w/w"
    assert str(Strength.parse("1:1000 w/v").to("mg/mL")) == "1 mg/mL"
    assert str(Strength.parse("20 mg/g").to("%")) == "2 % w/w"
    assert ten.fraction() == 0.1


def test_w_w_to_w_v_needs_a_density_and_uses_it() -> None:
    ten = Strength.parse("10 % w/w")
    with pytest.raises(DensityRequiredError, match="needs the preparation's density"):
        ten.to("% w/v")
    with pytest.raises(DensityRequiredError):
        ten.to("mg/mL")
    # 10 g in 100 g; 100 g of a 1.2 g/mL cream is 83.33 mL -> 12 g/100 mL.
    assert ten.to("% w/v", density="1.2 g/mL").isclose(Strength.parse("12 % w/v"))
    assert ten.to("mg/mL", density=Q_(1.2, "g/mL")).isclose(Strength.parse("120 mg/mL"))
    back = ten.to("% w/v", density="1.2 g/mL").to("% w/w", density="1.2 g/mL")
    assert back.isclose(ten, rel=1e-12)
    with pytest.raises(DimensionError, match="only w/w <-> w/v"):
        Strength.parse("2 % v/v").to("% w/w", density="1 g/mL")
    with pytest.raises(DimensionError, match="wrong dimension"):
        ten.to("% w/v", density=Q_(1.2, "g"))


def test_comparisons_refuse_mixed_bases() -> None:
    assert Strength.parse("1 % w/w") < Strength.parse("20 mg/g") <= Strength.parse("2 % w/w")
    assert Strength.parse("5 % w/w") > Strength.parse("1:1000 w/w")
    with pytest.raises(DimensionError, match="cannot compare"):
        _ = Strength.parse("1 % w/w") < Strength.parse("1 % w/v")
    with pytest.raises(DimensionError):
        _ = Strength.parse("1 %") < Strength.parse("1 %")


def test_equality_is_structural_and_hashable() -> None:
    assert Strength.parse("10 %w/w") == Strength.parse("10% (w/w)")
    assert Strength.parse("10 % w/w") != Strength.parse("100 mg/g")
    assert Strength.parse("10 % w/w").isclose(Strength.parse("100 mg/g"))
    assert len({Strength.parse("2 % w/w"), Strength.parse("2 %w/w")}) == 1


def test_quantities_at_the_boundary() -> None:
    assert Strength.parse("20 mg/g").as_quantity() == Q_(20, "mg/g")
    assert Strength.parse("10 % w/w").as_quantity().to("dimensionless").magnitude == 0.1
    assert Strength.parse("0.5 g/100 g").per_quantity() == Q_(100, "g")
    built = Strength.from_quantities(Q_(20, "mg"), Q_(1, "g"))
    assert built == Strength.parse("20 mg/g")
    assert Strength.from_quantities(Q_(5, "mg"), Q_(1, "dosage_unit")).basis is Basis.PER_UNIT


def test_quantities_from_another_registry_are_accepted() -> None:
    import pint

    app = pint.get_application_registry()
    assert magnitude(app.Quantity(0.12, "kg"), "gram", field="size") == pytest.approx(120)
    strength = Strength.from_quantities(app.Quantity(2, "milligram"), app.Quantity(1, "mL"))
    assert strength == Strength.parse("2 mg/mL")


def test_magnitude_refuses_bare_numbers_and_wrong_dimensions() -> None:
    with pytest.raises(DimensionError, match="size: 120 has no unit"):
        magnitude(120, "gram", field="size")
    with pytest.raises(DimensionError, match=r"size: .* cannot be expressed in gram"):
        magnitude(Q_(120, "mL"), "gram", field="size")
    with pytest.raises(StrengthParseError, match="unknown unit 'furlongs'"):
        magnitude("120 furlongs", "gram", field="size")


def test_parse_quantity_is_strict() -> None:
    assert parse_quantity("120g") == Q_(120, "g")
    assert parse_quantity("8 mL") == Q_(8, "mL")
    for bad in ("9**9 g", "120", "g", "120 g g", "-1 g", "1e3 g"):
        with pytest.raises(StrengthParseError):
            parse_quantity(bad)


def test_top_level_exports() -> None:
    assert compoundkit.__version__
    assert compoundkit.Strength is Strength
    assert compoundkit.Q_(1, "g") == Q_(1, "g")
    assert compoundkit.ureg is compoundkit.units.get_registry()


def test_import_loads_no_pint_numpy_or_cattrs() -> None:
    code = (
        "import sys, compoundkit\n"
        "print(sorted(m for m in ('pint', 'numpy', 'cattrs', 'rich', 'click') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_per_dose_mass_and_volume_never_mix() -> None:
    with pytest.raises(DimensionError, match="differ by a density"):
        Strength.parse("5 mg/dose").to("mL/dose")
    with pytest.raises(DimensionError, match="cannot compare"):
        Strength.parse("1 g/dose").isclose(Strength.parse("1 mL/dose"))
    assert str(Strength.parse("5 mg/dose").to("mcg/dose")) == "5000 mcg/dose"


def test_percent_and_ratio_notations_use_their_own_units() -> None:
    from compoundkit.units import Notation

    with pytest.raises(StrengthParseError, match="g/g"):
        Strength(10, "mg", 100, "g", Notation.PERCENT)  # would print '10 % w/w' but mean 0.01 %
    with pytest.raises(StrengthParseError, match="g/g"):
        Strength(1, "mg", 1000, "g", Notation.RATIO)


def test_an_array_is_not_one_strength_amount() -> None:
    import numpy as np

    with pytest.raises(DimensionError, match="not one quantity"):
        Strength.from_quantities(Q_(np.array([20.0]), "mg"), Q_(1, "kg"))
