"""Properties of the pharmacy calculations: conservation, exactness, monotonicity."""

from __future__ import annotations

import math
from decimal import Decimal

from calc_strategies import (
    aliquot_cases,
    densities,
    error_percents,
    milligrams,
    mixing_triples,
    readabilities_mg,
    sensitivities_mg,
)
from hypothesis import assume, given
from hypothesis import strategies as st

from compoundkit.calc import (
    Balance,
    aliquot_plan,
    alligation,
    dilution,
    mass_from_volume,
    milliequivalents,
    millimoles,
    minimum_weighable_quantity,
    round_to_increment,
    usp41_minimum_weight,
    volume_from_mass,
)
from compoundkit.units import Q_, Strength

# --------------------------------------------------------------------------- MWQ


@given(sensitivities_mg, sensitivities_mg, error_percents)
def test_mwq_grows_with_the_sensitivity(sr_a: float, sr_b: float, error: float) -> None:
    assume(sr_a < sr_b)
    low = minimum_weighable_quantity(Q_(sr_a, "mg"), Q_(error, "percent"))
    high = minimum_weighable_quantity(Q_(sr_b, "mg"), Q_(error, "percent"))
    assert low < high
    # MWQ x error = SR.
    assert math.isclose(low.magnitude * error / 100, sr_a, rel_tol=1e-12)


@given(sensitivities_mg, error_percents, error_percents)
def test_mwq_shrinks_as_more_error_is_accepted(sr: float, e_a: float, e_b: float) -> None:
    assume(e_a < e_b)
    strict = minimum_weighable_quantity(Q_(sr, "mg"), Q_(e_a, "percent"))
    loose = minimum_weighable_quantity(Q_(sr, "mg"), Q_(e_b, "percent"))
    assert loose < strict


@given(sensitivities_mg, sensitivities_mg, readabilities_mg, readabilities_mg)
def test_usp41_is_monotonic_and_floored(s_a: float, s_b: float, d_a: float, d_b: float) -> None:
    s_lo, s_hi = sorted((s_a / 10, s_b / 10))
    d_lo, d_hi = sorted((d_a, d_b))
    base = usp41_minimum_weight(Q_(s_lo, "mg"), Q_(d_lo, "mg")).magnitude
    assert base <= usp41_minimum_weight(Q_(s_hi, "mg"), Q_(d_lo, "mg")).magnitude
    assert base <= usp41_minimum_weight(Q_(s_lo, "mg"), Q_(d_hi, "mg")).magnitude
    assert base >= 2000 * s_lo * (1 - 1e-12)
    assert base >= 820 * d_lo * (1 - 1e-12)
    assert math.isclose(base, max(2000 * s_lo, 820 * d_lo), rel_tol=1e-12)


@given(sensitivities_mg, error_percents)
def test_balance_spec_round_trips(sr: float, error: float) -> None:
    assume(sr * 100 / error >= 1.0)  # the 1 mg readability must not exceed the minimum
    balance = Balance.from_sensitivity(Q_(sr, "mg"), Q_(error, "percent"))
    assert Balance.parse(balance.spec) == balance


# --------------------------------------------------------------------------- rounding


@given(milligrams, readabilities_mg)
def test_rounding_lands_on_the_grid_within_half_a_step(value: float, increment: float) -> None:
    rounded = round_to_increment(value, increment)
    assert Decimal(repr(rounded)) % Decimal(repr(increment)) == 0
    # Measured on the decimals the floats print as, the rule's own reading of them.
    assert abs(Decimal(repr(rounded)) - Decimal(repr(value))) <= Decimal(repr(increment)) / 2


# --------------------------------------------------------------------------- aliquots


@given(aliquot_cases())
def test_aliquot_plan_is_exact_and_every_step_weighable(
    case: tuple[float, float, float],
) -> None:
    needed, minimum, readability = case
    plan = aliquot_plan(Q_(needed, "mg"), Q_(minimum, "mg"), readability=Q_(readability, "mg"))
    # Every weighed step is at or above the minimum weighable quantity.
    assert plan.weigh_mg >= minimum
    assert plan.diluent_mg >= minimum
    assert plan.aliquot_mg >= minimum
    # Every figure is a whole number of readability steps: rounding changes nothing.
    step = Decimal(repr(readability))
    for figure in (plan.weigh_mg, plan.diluent_mg, plan.total_mg, plan.aliquot_mg):
        assert Decimal(repr(figure)) % step == 0
        assert round_to_increment(figure, readability) == figure
    # weigh + diluent = total = k x aliquot.
    assert math.isclose(plan.weigh_mg + plan.diluent_mg, plan.total_mg, rel_tol=1e-12)
    assert math.isclose(plan.factor * plan.aliquot_mg, plan.total_mg, rel_tol=1e-12)
    # The aliquot holds what is needed: exactly when it is a whole number of steps,
    # otherwise within readability / (2 k).
    assert abs(plan.delivered_mg - needed) <= readability / (2 * plan.factor) * (1 + 1e-9)
    if Decimal(repr(needed)) % step == 0:
        assert math.isclose(plan.delivered_mg, needed, rel_tol=1e-12)
        assert math.isclose(plan.weigh_mg, plan.factor * needed, rel_tol=1e-12)


@given(aliquot_cases())
def test_balance_fast_path_gives_the_same_plan(case: tuple[float, float, float]) -> None:
    needed, minimum, readability = case
    assume(readability <= minimum)
    balance = Balance(minimum, readability, "test balance", "test")
    fast = balance.aliquot_plan(needed / 1000, "the base")
    slow = aliquot_plan(Q_(needed, "mg"), balance.minimum_weight, readability=balance.readability)
    # needed / 1000 picks up float noise; the plan must not change because of it.
    assert fast.factor == slow.factor
    assert math.isclose(fast.total_mg, slow.total_mg, rel_tol=1e-12)
    assert math.isclose(fast.weigh_mg, slow.weigh_mg, rel_tol=1e-12)
    assert math.isclose(fast.delivered_mg, slow.delivered_mg, rel_tol=1e-12)


# --------------------------------------------------------------------------- mixing


def _drug(strength: Strength | None, amount: float) -> float:
    return 0.0 if strength is None else strength.canonical * amount


@given(
    mixing_triples(),
    st.booleans(),
    st.sampled_from(["total", "strong_amount", "weak_amount"]),
    st.decimals("0.001", "100000", places=3).map(float),
)
def test_alligation_balances_mass_and_drug(
    triple: tuple[Strength, Strength, Strength], diluent: bool, given_as: str, amount: float
) -> None:
    strong, weak, target = triple
    weak_or_none = None if diluent else weak
    mix = alligation(strong, weak_or_none, target, **{given_as: Q_(amount, "g")})
    # The amounts add up to the total ...
    assert math.isclose(mix.strong_value + mix.weak_value, mix.total_value, rel_tol=1e-12)
    assert min(mix.strong_value, mix.weak_value) > 0
    given_value = {"total": mix.total_value, "strong_amount": mix.strong_value}.get(
        given_as, mix.weak_value
    )
    assert math.isclose(given_value, amount, rel_tol=1e-12)
    # ... and the mixture has the target strength.
    drug = _drug(strong, mix.strong_value) + _drug(weak_or_none, mix.weak_value)
    assert math.isclose(drug, target.canonical * mix.total_value, rel_tol=1e-9)


@given(mixing_triples("w/v"), st.decimals("0.1", "10000", places=1).map(float))
def test_dilution_conserves_the_drug(
    triple: tuple[Strength, Strength, Strength], total: float
) -> None:
    stock, _, target = triple
    result = dilution(stock, target, Q_(total, "mL"))
    assert math.isclose(
        stock.canonical * result.stock_value, target.canonical * total, rel_tol=1e-12
    )
    assert math.isclose(result.stock_value + result.diluent_value, total, rel_tol=1e-12)
    assert result.diluent_value > 0


# --------------------------------------------------------------------------- chemistry


@given(milligrams, densities)
def test_mass_volume_mass_is_the_identity(mg: float, density: float) -> None:
    grams = Q_(mg, "mg")
    rho = Q_(density, "g/mL")
    back = mass_from_volume(volume_from_mass(grams, rho), rho)
    assert math.isclose(back.to("mg").magnitude, mg, rel_tol=1e-12)


@given(
    st.decimals("0.001", "1000", places=3).map(float),
    st.decimals("0.01", "100", places=2).map(float),
    st.sampled_from(["hexahydrate", "anhydrous"]),
)
def test_milliequivalents_are_linear_in_the_amount(grams: float, scale: float, form: str) -> None:
    one = milliequivalents(Q_(grams, "g"), "magnesium chloride", form).magnitude
    scaled = milliequivalents(Q_(grams * scale, "g"), "magnesium chloride", form).magnitude
    assert math.isclose(scaled, one * scale, rel_tol=1e-12)
    # Magnesium is divalent: mEq = 2 x mmol.
    mmol = millimoles(Q_(grams, "g"), "magnesium chloride", form).magnitude
    assert math.isclose(one, 2 * mmol, rel_tol=1e-15)
