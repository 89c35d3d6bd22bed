"""Properties of Strength: text round trip, conversion round trips."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from strategies import strengths

from compoundkit.units import Basis, Strength


@given(strengths(resolved=False))
def test_canonical_text_parses_back_to_an_equal_strength(strength: Strength) -> None:
    assert Strength.parse(str(strength)) == strength


@given(strengths(), st.sampled_from(["mg/g", "g/100 g", "mcg/g", "%", "ratio", "g/kg"]))
def test_unit_conversion_round_trips(strength: Strength, target: str) -> None:
    if strength.basis is not Basis.W_W:
        target = {"mg/g": "mg/mL", "g/100 g": "g/100 mL", "mcg/g": "mcg/mL", "g/kg": "g/L"}.get(
            target, target
        )
        if strength.basis is Basis.V_V and target not in ("%", "ratio"):
            target = "mL/L"
    if strength.basis is Basis.PER_UNIT:
        return
    converted = strength.to(target)
    assert converted.basis is strength.basis
    assert math.isclose(converted.canonical, strength.canonical, rel_tol=1e-12)
    back = converted.to(f"{strength.amount_unit}/{strength.per_unit}")
    assert math.isclose(back.canonical, strength.canonical, rel_tol=1e-12)


@given(strengths(), st.decimals("0.5", "3", places=4).map(float))
def test_w_w_to_w_v_and_back_with_a_density(strength: Strength, density: float) -> None:
    if strength.basis is not Basis.W_W:
        return
    there = strength.to("mg/mL", density=f"{density} g/mL")
    assert there.basis is Basis.W_V
    back = there.to("mg/g", density=f"{density} g/mL")
    assert math.isclose(back.canonical, strength.canonical, rel_tol=1e-12)


@given(st.text(max_size=40))
def test_parse_either_returns_a_strength_or_raises_a_compoundkit_error(text: str) -> None:
    from compoundkit.errors import CompoundkitError

    try:
        result = Strength.parse(text)
    except CompoundkitError:
        return
    assert Strength.parse(str(result)) == result
