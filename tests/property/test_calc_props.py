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
    density_from_weighing,
    dilution,
    liquid_aliquot,
    mass_for_milliequivalents,
    mass_for_millimoles,
    mass_for_milliosmoles,
    mass_from_volume,
    milliequivalents,
    millimoles,
    milliosmoles,
    minimum_measurable_volume,
    minimum_weighable_quantity,
    mixture_strength,
    percent_for_meq_per_ml,
    percentage_error,
    round_to_increment,
    smallest_quantity_for_error,
    total_for_active,
    trituration_plan,
    usp41_minimum_weight,
    volume_from_mass,
)
from compoundkit.units import Q_, Basis, Strength

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


# --------------------------------------------------------------------------- electrolytes

#: Molecular weights (g/mol) and small whole numbers (valences, particles) to compute with.
molecular_weights = st.decimals("1", "2000", places=3).map(float)
small_counts = st.integers(1, 4)
amounts = st.decimals("0.001", "100000", places=3).map(float)


@given(amounts, st.decimals("0.01", "100", places=2).map(float), molecular_weights, small_counts)
def test_mass_for_milliequivalents_is_linear_and_the_inverse(
    meq: float, scale: float, mw: float, valence: int
) -> None:
    one = mass_for_milliequivalents(Q_(meq, "mEq"), molecular_weight=mw, valence=valence)
    assert one.mass.check("[mass]")
    scaled = mass_for_milliequivalents(Q_(meq * scale, "mEq"), molecular_weight=mw, valence=valence)
    assert math.isclose(scaled.grams, one.grams * scale, rel_tol=1e-12)
    back = milliequivalents(one.mass, molecular_weight=mw, valence=valence)
    assert math.isclose(back.m_as("mEq"), meq, rel_tol=1e-12)
    # mEq = mmol x valence: the mass for v x n mEq is the mass for n mmol.
    mmol = mass_for_millimoles(Q_(meq, "mmol"), molecular_weight=mw)
    assert math.isclose(
        mass_for_milliequivalents(
            Q_(meq * valence, "mEq"), molecular_weight=mw, valence=valence
        ).grams,
        mmol.grams,
        rel_tol=1e-12,
    )
    assert math.isclose(millimoles(mmol.mass, molecular_weight=mw).m_as("mmol"), meq, rel_tol=1e-12)


@given(amounts, molecular_weights, small_counts)
def test_mass_for_milliosmoles_is_the_inverse(mosm: float, mw: float, particles: int) -> None:
    result = mass_for_milliosmoles(Q_(mosm, "mOsm"), molecular_weight=mw, particles=particles)
    assert result.mass.check("[mass]")
    found = milliosmoles(result.mass, molecular_weight=mw, particles=particles)
    assert math.isclose(found.m_as("mOsm"), mosm, rel_tol=1e-12)
    # One particle: a milliosmole is a millimole.
    if particles == 1:
        assert math.isclose(
            result.grams, mass_for_millimoles(Q_(mosm, "mmol"), molecular_weight=mw).grams
        )


@given(
    st.decimals("0.001", "10", places=3).map(float),
    molecular_weights,
    small_counts,
    st.decimals("1", "1000", places=1).map(float),
)
def test_percent_for_meq_per_ml_matches_the_mass_in_a_volume(
    meq_per_ml: float, mw: float, valence: int, volume: float
) -> None:
    assume(meq_per_ml * mw / valence / 10 < 1e6)
    result = percent_for_meq_per_ml(Q_(meq_per_ml, "mEq/mL"), molecular_weight=mw, valence=valence)
    assert result.strength.basis is Basis.W_V
    # The percent's grams in a volume are the grams that hold that volume's mEq.
    grams = (result.strength.as_quantity() * Q_(volume, "mL")).m_as("g")
    expected = mass_for_milliequivalents(
        Q_(meq_per_ml * volume, "mEq"), molecular_weight=mw, valence=valence
    ).grams
    assert math.isclose(grams, expected, rel_tol=1e-12)


# --------------------------------------------------------------------------- mixtures


def _parts(basis: str) -> st.SearchStrategy[list[tuple[Strength | None, float]]]:
    strength = st.decimals("0.01", "100", places=2).map(lambda p: Strength.percent(float(p), basis))
    part = st.tuples(st.one_of(strength, st.none()), amounts)
    return st.lists(part, min_size=1, max_size=6).filter(
        lambda parts: any(s is not None for s, _ in parts)
    )


@given(st.sampled_from(["w/w", "w/v", "v/v"]).flatmap(_parts), st.randoms(), amounts)
def test_mixture_strength_conserves_the_drug(
    parts: list[tuple[Strength | None, float]], rng: object, scale: float
) -> None:
    basis = next(s for s, _ in parts if s is not None).basis
    unit = "g" if basis is Basis.W_W else "mL"
    mix = mixture_strength([(s, Q_(a, unit)) for s, a in parts])
    strengths = [0.0 if s is None else s.canonical for s, _ in parts]
    # Between the weakest and strongest part, and drug in = drug out.
    assert min(strengths) * (1 - 1e-12) <= mix.strength.canonical <= max(strengths) * (1 + 1e-12)
    drug = math.fsum(c * a for c, (_, a) in zip(strengths, parts, strict=True))
    assert math.isclose(mix.strength.canonical * mix.total_value, drug, rel_tol=1e-9)
    assert mix.strength.basis is basis
    # The order of the parts and a common scale of the amounts change nothing.
    shuffled = list(parts)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    again = mixture_strength([(s, Q_(a * scale, unit)) for s, a in shuffled])
    assert math.isclose(again.strength.canonical, mix.strength.canonical, rel_tol=1e-9)


@given(mixing_triples(), st.decimals("0.001", "100000", places=3).map(float))
def test_mixing_the_alligation_amounts_gives_the_target(
    triple: tuple[Strength, Strength, Strength], total: float
) -> None:
    strong, weak, target = triple
    for diluent in (weak, None, "0 %"):
        mix = alligation(strong, diluent, target, total=Q_(total, "g"))
        weak_strength = diluent if isinstance(diluent, Strength) else None
        medial = mixture_strength([(strong, mix.strong_amount), (weak_strength, mix.weak_amount)])
        assert math.isclose(medial.strength.canonical, target.canonical, rel_tol=1e-9)
    with_none = alligation(strong, None, target, total=Q_(total, "g"))
    with_zero = alligation(strong, "0 % w/w", target, total=Q_(total, "g"))
    assert with_none == with_zero


# --------------------------------------------------------------------------- amounts


@given(
    st.one_of(mixing_triples("w/w"), mixing_triples("w/v"), mixing_triples("v/v")).map(
        lambda t: t[0]
    ),
    amounts,
    st.decimals("0.01", "100", places=2).map(float),
)
def test_total_for_active_is_the_inverse_of_the_strength(
    strength: Strength, active: float, scale: float
) -> None:
    unit = "mL" if strength.basis is Basis.V_V else "g"
    result = total_for_active(Q_(active, unit), strength)
    # strength x total = the active (the as_quantity path), in the active's dimension.
    back = strength.as_quantity() * result.total
    assert math.isclose(back.m_as(unit), active, rel_tol=1e-12)
    scaled = total_for_active(Q_(active * scale, unit), strength)
    assert math.isclose(scaled.total_value, result.total_value * scale, rel_tol=1e-12)


# --------------------------------------------------------------------------- measuring


@given(sensitivities_mg, error_percents)
def test_percentage_error_of_the_smallest_quantity_is_the_error(sr: float, error: float) -> None:
    smallest = smallest_quantity_for_error(Q_(sr, "mg"), Q_(error, "percent")).smallest
    assert smallest == minimum_weighable_quantity(Q_(sr, "mg"), Q_(error, "percent"))
    found = percentage_error(Q_(sr, "mg"), smallest)
    assert math.isclose(found.percent.m_as("percent"), error, rel_tol=1e-12)
    # Volumes follow the same rule.
    volume = smallest_quantity_for_error(Q_(sr, "mL"), Q_(error, "percent")).smallest
    assert math.isclose(volume.m_as("mL"), smallest.m_as("mg"), rel_tol=1e-12)


@given(
    st.decimals("0.001", "5", places=3).map(float),
    error_percents,
    st.decimals("1", "1000", places=0).map(float),
)
def test_minimum_measurable_volume_is_the_larger_limit(
    sensitivity: float, error: float, capacity: float
) -> None:
    by_error = sensitivity * 100 / error
    by_capacity = 0.2 * capacity
    assume(max(by_error, by_capacity) <= capacity)
    result = minimum_measurable_volume(
        sensitivity=Q_(sensitivity, "mL"),
        max_error=Q_(error, "percent"),
        capacity=Q_(capacity, "mL"),
    )
    assert math.isclose(result.volume_ml, max(by_error, by_capacity), rel_tol=1e-12)
    assert result.volume.check("[volume]")


@given(
    st.decimals("0.1", "100", places=1).map(float),
    st.decimals("1.1", "50", places=1).map(float),
    st.decimals("0.5", "50", places=1).map(float),
    st.booleans(),
)
def test_liquid_aliquot_holds_what_is_needed(
    needed: float, factor: float, aliquot: float, liquid: bool
) -> None:
    unit = "mL" if liquid else "mg"
    assume(not liquid or aliquot > needed)
    plan = liquid_aliquot(Q_(needed, unit), Q_(aliquot, "mL"), factor=factor)
    assert math.isclose(plan.factor, factor, rel_tol=1e-12)
    assert math.isclose(plan.total_ml, factor * aliquot, rel_tol=1e-12)
    held = plan.aliquot_ml * plan.weigh.m_as(unit) / plan.total_ml
    assert math.isclose(held, needed, rel_tol=1e-12)


@given(milligrams, densities)
def test_density_from_weighing_is_the_inverse_of_mass_from_volume(
    mg: float, density: float
) -> None:
    volume = volume_from_mass(Q_(mg, "mg"), Q_(density, "g/mL"))
    found = density_from_weighing(Q_(mg, "mg"), volume)
    assert math.isclose(found.density.m_as("g/mL"), density, rel_tol=1e-12)
    assert math.isclose(found.specific_gravity.m_as(""), density, rel_tol=1e-12)


# --------------------------------------------------------------------------- triturations


@given(aliquot_cases(), st.sampled_from(["0.5 g", "2 g", "10 g", "100 g"]))
def test_trituration_plans_weigh_only_what_the_balance_can(
    case: tuple[float, float, float], cap: str
) -> None:
    needed, minimum, readability = case
    plan = trituration_plan(
        Q_(needed, "mg"), Q_(minimum, "mg"), readability=Q_(readability, "mg"), max_mixture=cap
    )
    one = aliquot_plan(Q_(needed, "mg"), Q_(minimum, "mg"), readability=Q_(readability, "mg"))
    step = Decimal(repr(readability))
    for stage in plan.stages:
        assert min(stage.weigh_mg, stage.diluent_mg, stage.aliquot_mg) >= minimum
        for figure in (stage.weigh_mg, stage.diluent_mg, stage.total_mg, stage.aliquot_mg):
            assert Decimal(repr(figure)) % step == 0
    # Two stages only when they use less material than one.
    assert plan.mixture_mg <= one.total_mg
    # The final aliquot holds what is needed, within the readability / (2 K) of one stage.
    factor = math.prod(stage.factor for stage in plan.stages)
    assert abs(plan.delivered_mg - needed) <= readability / (2 * factor) * (1 + 1e-9) + 1e-9
