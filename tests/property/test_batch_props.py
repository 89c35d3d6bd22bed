"""Properties of batch sheets: scaling, mass balance, vectorised == scalar, potency 100 %."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

from compoundkit import Q_, ingredients
from compoundkit.formulas import Component, Formulation, get_vehicle, weigh_many
from compoundkit.formulas.batch import BatchSheet
from compoundkit.units import Strength

FORMS = {
    "ketoprofen": ["free-acid"],
    "cyclobenzaprine": ["hydrochloride", "base"],
    "guaifenesin": ["base"],
    "magnesium chloride": ["hexahydrate", "anhydrous"],
}


@st.composite
def formulations(draw: st.DrawFn) -> Formulation:
    """1-4 actives, each 0.01-20 % w/w, any weighed/expressed form pair."""
    names = draw(st.lists(st.sampled_from(sorted(FORMS)), min_size=1, max_size=4, unique=True))
    components = []
    for name in names:
        percent = draw(st.decimals("0.01", "20", places=2).map(float))
        form = draw(st.sampled_from(FORMS[name]))
        expressed = draw(st.sampled_from(FORMS[name]))
        components.append(
            Component(
                ingredients.get(name), Strength.percent(percent, "w/w"), None, form, expressed
            )
        )
    weighed = sum(c.strength.canonical * c.factor() for c in components)  # type: ignore[union-attr]
    assume(weighed < 0.95)  # leave room for the vehicle (over-full formulas are errors)
    vehicle = get_vehicle(draw(st.sampled_from(["lipoderm-activemax", "pentravan"])))
    return Formulation(
        "generated", "cream", vehicle, tuple(components), container="light-resistant jar"
    )


#: A balance fine enough (d = 1 ng) that no generated line needs an aliquot: these
#: properties are about the arithmetic; aliquots have their own tests below.
FINE = "usp41:s=0mg,d=0.000001mg"

sizes_g = st.floats(min_value=0.001, max_value=100_000, allow_nan=False, allow_infinity=False)


def _total(sheet: BatchSheet) -> float:
    return math.fsum(line.weigh_g for line in sheet.lines) + sheet.vehicle.weigh_g


@given(formulations(), sizes_g)
def test_masses_add_up_to_the_batch(formulation: Formulation, size: float) -> None:
    sheet = formulation.batch(Q_(size, "g"), balance=FINE)
    assert math.isclose(_total(sheet), size, rel_tol=1e-12)
    assert all(line.weigh_g > 0 for line in sheet.lines)
    assert sheet.vehicle.weigh_g >= 0


@given(formulations(), sizes_g, st.integers(min_value=2, max_value=10))  # <= 1,000 kg
def test_scaling_is_linear(formulation: Formulation, size: float, times: int) -> None:
    one = formulation.batch(Q_(size, "g"), balance=FINE)
    many = formulation.batch(Q_(size * times, "g"), balance=FINE)
    for a, b in zip(one.lines, many.lines, strict=True):
        assert math.isclose(b.weigh_g, a.weigh_g * times, rel_tol=1e-12)
    assert math.isclose(many.vehicle.weigh_g, one.vehicle.weigh_g * times, rel_tol=1e-9)


@given(formulations(), sizes_g.map(lambda g: g / 50), st.integers(min_value=1, max_value=50))
def test_count_times_size_equals_the_whole_batch(
    formulation: Formulation, size: float, count: int
) -> None:
    containers = formulation.batch(Q_(size, "g"), count=count, balance=FINE)
    whole = formulation.batch(Q_(size * count, "g"), balance=FINE)
    for a, b in zip(containers.lines, whole.lines, strict=True):
        assert math.isclose(a.weigh_g, b.weigh_g, rel_tol=1e-12)
    assert math.isclose(containers.made_g, whole.made_g, rel_tol=1e-15)


@given(formulations(), sizes_g)
def test_potency_100_percent_is_no_potency(formulation: Formulation, size: float) -> None:
    plain = formulation.batch(Q_(size, "g"), balance=FINE)
    names = {c.ingredient.id: "100%" for c in formulation.ingredients}
    full = formulation.batch(Q_(size, "g"), potency=names, balance=FINE)
    assert [line.weigh_g for line in plain.lines] == [line.weigh_g for line in full.lines]


@given(formulations(), st.lists(sizes_g, min_size=1, max_size=20))
def test_vectorised_equals_scalar(formulation: Formulation, sizes: list[float]) -> None:
    many = weigh_many(formulation, Q_(np.array(sizes), "g"))
    for i, size in enumerate(sizes):
        sheet = formulation.batch(Q_(size, "g"), balance=FINE)
        for line in sheet.lines:
            assert many[line.name].magnitude[i] == line.weigh_g
        assert math.isclose(
            many[sheet.vehicle.name].magnitude[i], sheet.vehicle.weigh_g, rel_tol=1e-12
        )


@given(formulations(), st.sampled_from([1e-3, 1.0, 120.0, 1e5]))
def test_tiny_and_huge_batches_keep_relative_error_below_1e_12(
    formulation: Formulation, size: float
) -> None:
    sheet = formulation.batch(Q_(size, "g"), balance=FINE)
    for line, component in zip(sheet.lines, formulation.ingredients, strict=True):
        assert component.strength is not None
        exact = size * component.strength.canonical * component.factor()
        assert math.isclose(line.weigh_g, exact, rel_tol=1e-12)


@given(formulations(), sizes_g.filter(lambda g: g >= 1.0))
def test_rounded_figures_stay_within_half_a_readability_of_the_total(
    formulation: Formulation, size: float
) -> None:
    from compoundkit.errors import BatchError

    try:
        sheet = formulation.batch(Q_(size, "g"), balance="usp41:s=0.15mg,d=0.1mg")
    except BatchError:
        assume(False)  # a batch too small for its aliquots: refused, tested above
        raise
    rounded = math.fsum(line.rounded_g for line in sheet.lines) + sheet.vehicle.rounded_g
    assert abs(rounded - sheet.made_g) <= sheet.balance.increment_g / 2 + 1e-9 * size


@given(formulations(), st.floats(min_value=0.05, max_value=500, allow_nan=False))
def test_default_balance_gives_a_feasible_sheet_or_a_clear_error(
    formulation: Formulation, size: float
) -> None:
    from compoundkit.errors import BatchError

    try:
        sheet = formulation.batch(Q_(size, "g"))
    except BatchError as exc:
        message = str(exc)
        assert "aliquots carry" in message, message
        return
    assert sheet.vehicle.add_separately_g >= -sheet.balance.increment_g / 2
    for line in sheet.lines:
        plan = line.aliquot
        assert (plan is not None) == line.below_minimum
        if plan is not None:
            assert plan.weigh_g >= sheet.balance.minimum_g - 1e-12
            assert plan.aliquot_g >= sheet.balance.minimum_g - 1e-12
            assert math.isclose(plan.delivered_mg / 1000, line.weigh_g, rel_tol=0.01)
