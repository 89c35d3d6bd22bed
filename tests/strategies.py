"""Hypothesis strategies shared by the property tests (one place, typed)."""

from __future__ import annotations

from hypothesis import strategies as st

from compoundkit.units import Notation, Strength

MASS_UNITS = ("mcg", "mg", "g", "kg")
VOLUME_UNITS = ("mL", "L")
COUNT_UNITS = ("unit", "dose", "capsule", "tablet")

#: Positive magnitudes a pharmacist could write (1e-6 .. 1e6), at most 6 decimals.
magnitudes = st.decimals(
    min_value="0.000001", max_value="1000000", places=6, allow_nan=False, allow_infinity=False
).map(float)


@st.composite
def strengths(draw: st.DrawFn, resolved: bool = True) -> Strength:
    """Any valid Strength: percent, ratio or units notation, on every basis."""
    kind = draw(st.sampled_from(["percent", "ratio", "units"]))
    basis = draw(st.sampled_from(["w/w", "w/v", "v/v"] + ([] if resolved else [""])))
    units = {"w/w": ("g", "g"), "w/v": ("g", "mL"), "v/v": ("mL", "mL"), "": ("", "")}[basis]
    if kind == "percent":
        top = 100.0 if basis in ("w/w", "v/v", "") else 1000.0
        value = draw(magnitudes.filter(lambda x: x <= top))
        return Strength(value, units[0], 100.0, units[1], Notation.PERCENT)
    if kind == "ratio":
        per = draw(magnitudes.filter(lambda x: x >= 1.0))
        return Strength(1.0, units[0], per, units[1], Notation.RATIO)
    amount_unit = draw(st.sampled_from(MASS_UNITS + VOLUME_UNITS))
    per_unit = draw(
        st.sampled_from(
            MASS_UNITS + COUNT_UNITS if amount_unit in MASS_UNITS else VOLUME_UNITS + COUNT_UNITS
        )
        | st.sampled_from(VOLUME_UNITS)
    )
    amount = draw(magnitudes)
    per = draw(st.one_of(st.just(1.0), magnitudes))
    try:
        return Strength(amount, amount_unit, per, per_unit, Notation.UNITS)
    except ValueError:  # over 100 % w/w or v/v: not a valid strength
        from hypothesis import reject

        reject()
