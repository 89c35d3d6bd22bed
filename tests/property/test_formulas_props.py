"""Formulation properties: file round trips, validation that only reports, amounts = strengths."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from formula_strategies import formulations, inline_vehicles, w_w_strengths
from hypothesis import given
from hypothesis import strategies as st

from compoundkit import ingredients
from compoundkit.errors import FormulationError
from compoundkit.formulas import (
    Amount,
    Component,
    Excipient,
    Formulation,
    Report,
    Vehicle,
    dumps_toml,
    get_vehicle,
    load_formula,
    loads_json,
    loads_toml,
    save_formula,
)
from compoundkit.formulas.rules import RULES
from compoundkit.formulas.vehicles import read_vehicle, write_vehicle
from compoundkit.units import Strength


@given(formulations())
def test_toml_round_trip(formulation: Formulation) -> None:
    assert loads_toml(dumps_toml(formulation)) == formulation
    assert Formulation.from_dict(formulation.to_dict()) == formulation


@given(inline_vehicles())
def test_an_inline_vehicle_reads_back_as_written(vehicle: Vehicle) -> None:
    assert read_vehicle(write_vehicle(vehicle)) == vehicle


@given(formulations())
def test_json_round_trip(formulation: Formulation) -> None:
    assert loads_json(formulation.to_json()) == formulation


@given(formulations(), st.sampled_from(["f.toml", "f.json"]))
def test_save_then_load_gives_an_equal_formulation(formulation: Formulation, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = save_formula(formulation, Path(folder) / name)
        loaded = load_formula(path)
    assert loaded == formulation
    assert [line.fraction for line in loaded.lines] == [line.fraction for line in formulation.lines]


@given(formulations(messy=True))
def test_validation_only_reports(formulation: Formulation) -> None:
    report = formulation.validate()
    assert isinstance(report, Report)
    assert set(report.codes()) <= set(RULES)
    # no rule failed unexpectedly (that would be an error finding, not a crash)
    assert not any("could not be checked" in f.message for f in report)
    if report.errors:
        with pytest.raises(FormulationError) as caught:
            formulation.check()
        assert caught.value.findings == report.findings
    else:
        assert formulation.check() == report


@given(formulations(messy=True))
def test_messy_formulations_round_trip_too(formulation: Formulation) -> None:
    """Even a formula full of findings is saved and read back as written."""
    assert loads_toml(formulation.to_toml()) == formulation


@st.composite
def strength_and_amount_pairs(draw: st.DrawFn) -> tuple[Formulation, Formulation]:
    """The same formulation written as w/w strengths and as amounts of a reference batch."""
    makes_g = draw(st.sampled_from([100.0, 30.0, 1000.0, 250.0]))
    chosen = draw(
        st.lists(st.sampled_from(ingredients.all()), max_size=4, unique_by=lambda i: i.id)
    )
    strengths = [draw(w_w_strengths(high="20")) for _ in chosen]
    oil_g = draw(st.decimals("0.01", "15", places=2).map(float)) * makes_g / 100
    density = 0.85
    vehicle = get_vehicle("white-petrolatum")
    by_strength = Formulation(
        "x",
        "ointment",
        vehicle,
        [Component(i, s) for i, s in zip(chosen, strengths, strict=True)],
        [Excipient("mineral oil", Strength.percent(oil_g / makes_g * 100, "w/w"))],
    )
    by_amount = Formulation(
        "x",
        "ointment",
        vehicle,
        [
            Component(i, amount=Amount(s.fraction() * makes_g, "g"))
            for i, s in zip(chosen, strengths, strict=True)
        ],
        [Excipient("mineral oil", amount=Amount(oil_g / density, "mL"), density_g_per_ml=density)],
        makes=Amount(makes_g, "g"),
    )
    return by_strength, by_amount


@given(strength_and_amount_pairs())
def test_amounts_describe_the_same_formulation_as_strengths(
    pair: tuple[Formulation, Formulation],
) -> None:
    by_strength, by_amount = pair
    assert [line.fraction for line in by_amount.lines] == pytest.approx(
        [line.fraction for line in by_strength.lines], rel=1e-12
    )
    assert [line.factor for line in by_amount.lines] == [line.factor for line in by_strength.lines]
    assert by_amount.validate().codes() == by_strength.validate().codes()
