"""Formulation, Component, Excipient and Amount: construction, invariants, normalised lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest

from compoundkit import ingredients
from compoundkit.errors import (
    BudError,
    DensityRequiredError,
    FormulaFileError,
    FormulationError,
    RecordError,
    StrengthParseError,
)
from compoundkit.formulas import (
    Amount,
    Component,
    Excipient,
    Finding,
    Formulation,
    Report,
    get_vehicle,
    load_formula,
)
from compoundkit.ingredients import UnknownFormError
from compoundkit.units import Basis, Strength

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

S = Strength.parse
BASE = get_vehicle("lipoderm-activemax")


def component(
    name: str, strength: str, *, form: str | None = None, expressed_as: str | None = None
) -> Component:
    return Component(ingredients.get(name), S(strength), form=form, expressed_as=expressed_as)


# ----------------------------------------------------------------------- Amount


def test_amount_parses_mass_and_volume() -> None:
    assert Amount.parse("14 g") == Amount(14.0, "g")
    assert Amount.parse("1.5 kg").grams() == 1500.0
    assert Amount.parse("250 mg").grams() == pytest.approx(0.25)
    assert Amount.parse("8 ml").is_volume
    assert not Amount.parse("8 g").is_volume
    assert str(Amount.parse("8 mL")) == "8 mL"
    assert str(Amount.parse("0.50 g")) == "0.5 g"


def test_a_volume_needs_a_density_to_weigh() -> None:
    assert Amount.parse("8 mL").grams(0.85) == pytest.approx(6.8)
    assert Amount.parse("2 L").grams(1.1) == pytest.approx(2200.0)
    with pytest.raises(DensityRequiredError, match="8 mL is a volume"):
        Amount.parse("8 mL").grams()


@pytest.mark.parametrize("text", ["5 mg/g", "-1 g", "abc", "10 capsules", "1e3 g", "", "0 g"])
def test_amount_refuses_what_is_not_a_mass_or_volume(text: str) -> None:
    with pytest.raises(StrengthParseError):
        Amount.parse(text)


def test_amount_quantity_carries_the_pint_unit() -> None:
    q = Amount.parse("8 mL").quantity()
    assert q.magnitude == 8
    assert str(q.units) == "milliliter"


# ----------------------------------------------------------------------- Component


def test_component_needs_exactly_one_of_strength_and_amount() -> None:
    ketoprofen = ingredients.get("ketoprofen")
    with pytest.raises(FormulaFileError, match="either a strength or an amount"):
        Component(ketoprofen)
    with pytest.raises(FormulaFileError, match="either a strength or an amount"):
        Component(ketoprofen, S("10 % w/w"), Amount.parse("10 g"))


def test_component_rejects_an_unknown_form_when_built() -> None:
    with pytest.raises(UnknownFormError, match="no form 'potassium'"):
        component("ketoprofen", "10 % w/w", form="potassium")
    with pytest.raises(UnknownFormError, match="no form 'potassium'"):
        component("ketoprofen", "10 % w/w", expressed_as="potassium")


def test_component_forms_default_to_the_catalog_form() -> None:
    c = component("cyclobenzaprine", "2 % w/w")
    assert c.name == "Cyclobenzaprine"
    assert c.weighed_form().id == "hydrochloride"
    assert c.expressed_form().id == "hydrochloride"
    assert not c.form_stated
    assert c.factor() == 1.0


def test_component_factor_from_expressed_to_weighed_form() -> None:
    c = component("cyclobenzaprine", "2 % w/w", form="HCl", expressed_as="base")
    assert c.form_stated
    assert c.factor() == pytest.approx(1.1324, abs=1e-4)
    mg = component("magnesium chloride", "1 % w/w", form="hexahydrate", expressed_as="elemental")
    assert mg.factor() == pytest.approx(8.364, abs=1e-3)


# ----------------------------------------------------------------------- Excipient


def test_excipient_needs_one_of_strength_and_amount_and_a_positive_density() -> None:
    with pytest.raises(FormulaFileError, match="either a strength or an amount"):
        Excipient("water")
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(FormulaFileError, match="density must be positive"):
            Excipient("oil", amount=Amount.parse("8 mL"), density_g_per_ml=bad)


# ----------------------------------------------------------------------- Formulation


def spasm() -> Formulation:
    return load_formula(EXAMPLES / "muscle-spasm-cream.toml")


def test_formulation_fields_and_defaults() -> None:
    f = Formulation("x", "cream", BASE, [component("ketoprofen", "10 % w/w")], notes="one note")
    assert f.route == "topical"
    assert f.ingredients[0].name == "Ketoprofen"
    assert isinstance(f.ingredients, tuple)
    assert f.excipients == ()
    assert f.notes == ("one note",)
    assert f.makes is None
    assert f.density_g_per_ml is None


def test_formulation_is_immutable_and_evolve_revalidates() -> None:
    f = spasm()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        f.name = "other"  # type: ignore[misc]
    g = f.evolve(name="Other cream")
    assert g.name == "Other cream"
    assert f.name == "Muscle spasm cream"
    assert g != f
    with pytest.raises(FormulaFileError, match="density must be positive"):
        f.evolve(density_g_per_ml=-1.0)


def test_equality_ignores_the_derived_lines() -> None:
    assert spasm() == spasm()
    assert hash(spasm()) == hash(spasm())


def test_lines_normalise_every_strength_to_a_weighed_fraction() -> None:
    f = Formulation(
        "x",
        "cream",
        BASE,
        [
            component("ketoprofen", "100 mg/g"),
            component("cyclobenzaprine", "2 % w/w", expressed_as="base"),
            component("guaifenesin", "10 %"),
        ],
        [Excipient("ethoxy diglycol", S("5 g/100 g"))],
    )
    fractions = [line.fraction for line in f.lines]
    assert fractions == pytest.approx([0.1, 0.02, 0.1, 0.05])
    assert [line.kind for line in f.lines] == ["active"] * 3 + ["excipient"]
    assert f.lines[1].factor == pytest.approx(1.1324, abs=1e-4)
    assert f.lines[2].strength == S("10 % w/w")  # bare % resolved for a cream
    assert all(line.problem is None for line in f.lines)


def test_w_v_and_v_v_lines_need_densities() -> None:
    f = Formulation(
        "x",
        "cream",
        BASE,
        excipients=[
            Excipient("glycerin", S("10 % w/v")),
            Excipient("ethanol", S("10 % v/v"), density_g_per_ml=0.79),
        ],
    )
    assert [line.fraction for line in f.lines] == [None, None]
    assert "density" in (f.lines[0].problem or "")
    g = f.evolve(density_g_per_ml=1.25)
    assert g.lines[0].fraction == pytest.approx(0.08)
    assert g.lines[1].fraction == pytest.approx(0.1 * 0.79 / 1.25)


def test_amounts_of_a_reference_batch_equal_the_strengths() -> None:
    """The DESIGN.md example: amounts with makes (and a liquid with a density) = strengths."""
    by_amount = load_formula(EXAMPLES / "zinc-oxide-ointment.toml")
    by_strength = by_amount.evolve(
        makes=None,
        excipients=[
            Excipient("zinc oxide", S("14 % w/w")),
            Excipient("mineral oil", S("6.8 % w/w")),
        ],
    )
    assert [line.fraction for line in by_amount.lines] == pytest.approx([0.14, 0.068])
    assert [line.fraction for line in by_amount.lines] == pytest.approx(
        [line.fraction for line in by_strength.lines]
    )
    assert by_amount.validate() == by_strength.validate()


def test_amounts_of_actives_follow_expressed_as() -> None:
    c = Component(
        ingredients.get("cyclobenzaprine"), amount=Amount.parse("2 g"), expressed_as="base"
    )
    f = Formulation("x", "cream", BASE, [c], makes=Amount.parse("100 g"))
    strength = f.evolve(
        makes=None, ingredients=[component("cyclobenzaprine", "2 % w/w", expressed_as="base")]
    )
    assert f.lines[0].fraction == pytest.approx(strength.lines[0].fraction)
    assert f.lines[0].factor == strength.lines[0].factor


def test_a_reference_batch_in_ml_uses_the_preparations_density() -> None:
    f = Formulation(
        "x",
        "cream",
        BASE,
        excipients=[Excipient("zinc oxide", amount=Amount.parse("12 g"))],
        makes=Amount.parse("100 mL"),
        density_g_per_ml=1.2,
    )
    assert f.lines[0].fraction == pytest.approx(0.1)
    without = f.evolve(density_g_per_ml=None)
    assert without.lines[0].fraction is None
    assert "is a volume" in (without.lines[0].problem or "")


def test_bare_percent_basis_follows_the_dosage_form() -> None:
    f = spasm()
    assert f.bare_percent_basis() is Basis.W_W
    assert f.evolve(dosage_form="solution").bare_percent_basis() is Basis.W_V
    assert f.evolve(dosage_form="potion").bare_percent_basis() is None


def test_validate_reports_and_check_raises_with_every_finding() -> None:
    good = spasm()
    assert isinstance(good.validate(), Report)
    assert good.check().ok
    bad = good.evolve(
        ingredients=[*good.ingredients, component("ketoprofen", "95 % w/w")], container=None
    )
    report = bad.validate()
    assert not report.ok
    with pytest.raises(FormulationError) as caught:
        bad.check()
    assert caught.value.findings == report.findings
    codes = {f.code for f in caught.value.findings if isinstance(f, Finding)}
    assert {"CK103", "CK104", "CK105"} <= codes


def test_to_dict_is_the_formula_file_mapping() -> None:
    data = spasm().to_dict()
    assert data["name"] == "Muscle spasm cream"
    assert data["vehicle"] == "lipoderm-activemax"
    assert data["ingredients"][1] == {
        "name": "cyclobenzaprine",
        "form": "hydrochloride",
        "strength": "2 % w/w",
        "expressed_as": "hydrochloride",
    }
    assert "route" not in data  # the default is left out
    assert Formulation.from_dict(data) == spasm()


def test_written_name_equal_to_the_catalog_name_round_trips() -> None:
    from compoundkit import ingredients
    from compoundkit.formulas import Component, Formulation, get_vehicle, loads_toml
    from compoundkit.units import Strength

    component = Component(
        ingredients.get("ketoprofen"), Strength.parse("10 % w/w"), written_name="  KETOPROFEN "
    )
    assert component.written_name is None  # nothing beyond the catalog name
    kept = Component(
        ingredients.get("guaifenesin"), Strength.parse("5 % w/w"), written_name="guaifenesen"
    )
    assert kept.written_name == "guaifenesen"  # a real alias is kept
    f = Formulation("x", "cream", get_vehicle("pentravan"), (component, kept))
    assert loads_toml(f.to_toml()) == f


# --------------------------------------------------------------------------- BUD


def test_component_names_resolve_like_the_batch_sheet() -> None:
    f = load_formula(EXAMPLES / "zinc-oxide-ointment.toml")
    assert f.resolve_component("Zinc  Oxide") == "zinc oxide"
    assert f.resolve_component("white petrolatum") == f.vehicle.name
    with pytest.raises(RecordError, match="not a component of Zinc oxide ointment"):
        f.resolve_component("ketoprofen")


def test_bud_follows_the_vehicle_and_caps_at_named_expiries() -> None:
    cream = load_formula(EXAMPLES / "muscle-spasm-cream.toml")
    plain = cream.bud(dt.date(2024, 3, 1))
    assert (plain.date, plain.bud_class.id, plain.limited_by) == (
        dt.date(2024, 3, 14),
        "aqueous-nonpreserved",
        None,
    )
    capped = cream.bud(dt.date(2024, 3, 1), expiries={"cyclobenzaprine hcl": dt.date(2024, 3, 9)})
    assert (capped.date, capped.limited_by) == (dt.date(2024, 3, 9), "Cyclobenzaprine")
    old = cream.bud(dt.date(2024, 3, 1), rules="usp795-2014")
    assert (old.rule_set, old.days) == ("usp795-2014", 30)
    with pytest.raises(RecordError, match="not a component of"):
        cream.bud(dt.date(2024, 3, 1), expiries={"zinc oxide": dt.date(2024, 3, 9)})
    with pytest.raises(BudError, match="expired component"):
        cream.bud(dt.date(2024, 3, 1), expiries={"cyclobenzaprine": dt.date(2024, 2, 1)})
