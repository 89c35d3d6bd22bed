"""Hypothesis strategies for the calc tests (balances, amounts, strengths to mix)."""

from __future__ import annotations

from hypothesis import strategies as st

from compoundkit.units import Strength

#: Milligram amounts a pharmacist could weigh: 0.001 mg .. 100 kg, at most 3 decimals.
milligrams = st.decimals(
    min_value="0.001", max_value="100000000", places=3, allow_nan=False, allow_infinity=False
).map(float)

#: Balance sensitivities (SR) in mg: 0.01 mg .. 100 mg.
sensitivities_mg = st.decimals("0.01", "100", places=2).map(float)

#: Acceptable weighing errors in percent: 0.01 % .. 99.99 %.
error_percents = st.decimals("0.01", "99.99", places=2).map(float)

#: Balance readabilities in mg, as balances have them.
readabilities_mg = st.sampled_from([0.001, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0])

#: Densities in g/mL, from light oils to heavy syrups and beyond.
densities = st.decimals("0.001", "25", places=4).map(float)


@st.composite
def aliquot_cases(draw: st.DrawFn) -> tuple[float, float, float]:
    """(needed_mg, minimum_mg, readability_mg) with needed below the minimum."""
    readability = draw(readabilities_mg)
    minimum = draw(st.decimals("1", "1000", places=2).map(float).filter(lambda m: m >= readability))
    on_grid = draw(st.booleans())
    if on_grid:  # a whole number of readability steps, the usual case
        steps = round(minimum / readability)
        ticks = draw(st.integers(1, max(1, steps - 1)))
        needed = float(f"{ticks * readability:.6g}")
    else:
        needed = draw(st.decimals("0.001", "1000", places=4).map(float))
    if needed >= minimum:
        needed = float(f"{minimum / 2:.6g}")
    return needed, minimum, readability


@st.composite
def mixing_triples(draw: st.DrawFn, basis: str = "w/w") -> tuple[Strength, Strength, Strength]:
    """(strong, weak, target) percent strengths on one basis with weak < target < strong."""
    points = draw(
        st.lists(
            st.decimals("0.01", "100", places=2).map(float), min_size=3, max_size=3, unique=True
        )
    )
    weak, target, strong = sorted(points)
    return (
        Strength.percent(strong, basis),
        Strength.percent(weak, basis),
        Strength.percent(target, basis),
    )
