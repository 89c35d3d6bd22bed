"""Properties of Strength quantities and US customary units.

For every basis, ``as_quantity()`` times an amount of the whole gives the amount of the
part, in the part's dimension, equal to the canonical (fraction) path.
"""

from __future__ import annotations

import math

from hypothesis import given, reject
from hypothesis import strategies as st
from strategies import COUNT_UNITS, MASS_UNITS, VOLUME_UNITS, magnitudes, strengths

from compoundkit.units import Basis, Notation, Strength, quantity
from compoundkit.units.grammar import DIMENSION, FACTOR, PINT_NAME, format_number, parse_amount

US_MASS = ("oz", "lb")
US_VOLUME = ("fl oz",)
#: A whole of each dimension may be written in any unit of that dimension.
WHOLE_UNITS = {
    "mass": MASS_UNITS + US_MASS,
    "volume": VOLUME_UNITS + US_VOLUME,
    "count": COUNT_UNITS,
}
#: The pint unit each dimension's canonical value is in (g, mL, dosage unit).
BASE = {"mass": "gram", "volume": "milliliter", "count": "dosage_unit"}


@st.composite
def strengths_with_customary_units(draw: st.DrawFn) -> Strength:
    """A units-notation strength that may use oz, lb or fl oz on either side."""
    amount_unit = draw(st.sampled_from(MASS_UNITS + US_MASS + VOLUME_UNITS + US_VOLUME))
    kind = DIMENSION[amount_unit]
    per_choices = WHOLE_UNITS["count"] + (
        WHOLE_UNITS["mass"] + WHOLE_UNITS["volume"] if kind == "mass" else WHOLE_UNITS["volume"]
    )
    per_unit = draw(st.sampled_from(per_choices))
    try:
        return Strength(draw(magnitudes), amount_unit, draw(magnitudes), per_unit, Notation.UNITS)
    except ValueError:  # over 100 % w/w or v/v: not a valid strength
        reject()


any_strength = st.one_of(strengths(), strengths_with_customary_units())


@given(any_strength, magnitudes, st.data())
def test_as_quantity_times_the_whole_is_the_part(
    strength: Strength, how_much: float, data: st.DataObject
) -> None:
    part_kind = DIMENSION[strength.amount_unit]
    whole_kind = DIMENSION[strength.per_unit]
    unit = data.draw(st.sampled_from(WHOLE_UNITS[whole_kind]))
    whole = quantity(how_much, PINT_NAME[unit])
    part = strength.as_quantity() * whole
    # The product has the dimensions of the part: a mass for w/w, w/v and mass per unit.
    assert part.check(quantity(1, BASE[part_kind]).dimensionality)
    # ... and equals the canonical path: canonical (g/g, g/mL, mL/mL, g/unit) x the whole.
    expected = strength.canonical * how_much * FACTOR[unit]
    assert math.isclose(part.m_as(BASE[part_kind]), expected, rel_tol=1e-12)
    if strength.basis in (Basis.W_W, Basis.V_V):
        assert math.isclose(
            part.m_as(BASE[part_kind]), strength.fraction() * how_much * FACTOR[unit], rel_tol=1e-12
        )


@given(any_strength)
def test_as_quantity_equals_amount_over_per(strength: Strength) -> None:
    ratio = strength.amount_quantity() / strength.per_quantity()
    assert math.isclose(strength.as_quantity().m_as(ratio.units), ratio.magnitude, rel_tol=1e-12)
    if strength.basis is Basis.W_V:
        grams_per_ml = strength.as_quantity().m_as("gram / milliliter")
        assert math.isclose(grams_per_ml, strength.canonical, rel_tol=1e-12)


@given(strengths_with_customary_units())
def test_customary_strengths_round_trip_through_text(strength: Strength) -> None:
    assert Strength.parse(str(strength)) == strength


@given(magnitudes, st.sampled_from(US_MASS + US_VOLUME), st.sampled_from(["", " "]))
def test_customary_amounts_are_the_exact_multiple(value: float, symbol: str, space: str) -> None:
    number, parsed = parse_amount(f"{format_number(value)}{space}{symbol}")
    assert (number, parsed) == (value, symbol)
    base = BASE[DIMENSION[symbol]]
    via_pint = quantity(number, PINT_NAME[symbol]).m_as(base)
    assert math.isclose(via_pint, number * FACTOR[symbol], rel_tol=1e-14)
