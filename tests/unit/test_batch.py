"""Batch sheets: hand-checked worked examples, potency, excess, balances, bad input.

Every expected figure is computed by hand in the comment beside it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from compoundkit import Q_, load_formula
from compoundkit.calc import Balance
from compoundkit.errors import BatchError, DimensionError, FormulationError, StrengthParseError
from compoundkit.formulas import Formulation, Potency, loads_toml
from compoundkit.formulas.batch import BatchOptions

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def cream() -> Formulation:
    return load_formula(EXAMPLES / "muscle-spasm-cream.toml")


def _weighs(sheet: object) -> dict[str, float]:
    return {line.name: line.weigh_g for line in sheet.lines}  # type: ignore[attr-defined]


def test_muscle_spasm_cream_120_g(cream: Formulation) -> None:
    sheet = cream.batch("120 g")
    weighs = _weighs(sheet)
    assert weighs["Ketoprofen"] == pytest.approx(12.0, rel=1e-12)  # 120 g x 10 %
    assert weighs["Cyclobenzaprine"] == pytest.approx(2.4, rel=1e-12)  # 120 g x 2 % (HCl as HCl)
    assert weighs["Guaifenesin"] == pytest.approx(12.0, rel=1e-12)  # 120 g x 10 %
    assert weighs["Magnesium chloride"] == pytest.approx(6.0, rel=1e-12)  # 120 g x 5 % hexahydrate
    # q.s.: 120 - (12 + 2.4 + 12 + 6) = 87.6 g of base
    assert sheet.vehicle.weigh == Q_(87.6, "g")
    assert sheet.vehicle.weigh.magnitude == pytest.approx(87.6, rel=1e-12)
    assert sheet.total == Q_(120, "g")
    assert all(not line.below_minimum for line in sheet.lines)
    assert sheet.lines[0].weigh.units == Q_(1, "g").units


def _cream(extra: str, name: str = "test cream") -> Formulation:
    return loads_toml(
        f"""
name = "{name}"
dosage_form = "cream"
vehicle = "lipoderm-activemax"
container = "light-resistant jar"
{extra}
"""
    )


def test_cyclobenzaprine_expressed_as_base_is_weighed_as_hcl() -> None:
    f = _cream(
        """
[[ingredients]]
name = "cyclobenzaprine"
form = "hydrochloride"
strength = "2 % w/w"
expressed_as = "base"
"""
    )
    line = f.batch("120 g").lines[0]
    # factor from the formulas' molecular weights (IUPAC conventional atomic weights):
    # C20H21N.HCl 311.853 / C20H21N 275.395 = 1.132384 (the domain's 1.1324)
    # 2.4 g of base x 1.132384 = 2.717723 g of the hydrochloride
    assert line.moiety_g == pytest.approx(2.4, rel=1e-12)
    assert line.factor == pytest.approx(311.853 / 275.395, rel=1e-9)
    assert line.weigh_g == pytest.approx(2.717723, abs=1e-6)
    assert line.form == "hydrochloride"
    assert line.expressed_as == "base"


def test_magnesium_chloride_expressed_as_anhydrous_is_weighed_as_hexahydrate() -> None:
    f = _cream(
        """
[[ingredients]]
name = "magnesium chloride"
form = "hexahydrate"
strength = "5 % w/w"
expressed_as = "anhydrous"
"""
    )
    line = f.batch("120 g").lines[0]
    # MgCl2.6H2O 203.295 / MgCl2 95.205 = 2.135340 (the domain's 2.1353)
    # 6 g anhydrous x 2.135340 = 12.81204 g hexahydrate
    assert line.weigh_g == pytest.approx(12.812, abs=5e-4)
    assert line.weigh_g == pytest.approx(6.0 * 203.295 / 95.205, rel=1e-9)


def test_active_below_the_minimum_gets_an_aliquot_plan() -> None:
    f = _cream(
        """
[[ingredients]]
name = "cyclobenzaprine"
form = "hydrochloride"
strength = "0.1 % w/w"
"""
    )
    sheet = f.batch("30 g")
    line = sheet.lines[0]
    # 30 g x 0.1 % = 0.030 g = 30 mg, below the Class III minimum of 6 mg / 5 % = 120 mg
    assert line.weigh_g == pytest.approx(0.030, rel=1e-12)
    assert line.below_minimum
    plan = line.aliquot
    assert plan is not None
    # 4 x 30 mg = 120 mg weighed, + 360 mg base = 480 mg; 120 mg aliquot holds 30 mg
    assert plan.weigh == Q_(120, "mg")
    assert plan.diluent_amount == Q_(360, "mg")
    assert plan.total == Q_(480, "mg")
    assert plan.aliquot == Q_(120, "mg")
    assert plan.diluent == "Lipoderm ActiveMax"
    assert "CK201" in sheet.findings.codes()
    # the aliquot carries 120 - 30 = 90 mg of base, drawn from the vehicle line
    assert sheet.vehicle.in_aliquots_g == pytest.approx(0.090, rel=1e-9)
    assert sheet.vehicle.add_separately.to("g").magnitude == pytest.approx(
        30 - 0.030 - 0.090, rel=1e-12
    )


def test_count_and_excess(cream: Formulation) -> None:
    sheet = cream.batch("30 g", count=4, excess="5%")
    # 4 x 30 g = 120 g prescribed; +5 % = 126 g made; ketoprofen 126 x 10 % = 12.6 g
    assert sheet.prescribed == Q_(120, "g")
    assert sheet.total.magnitude == pytest.approx(126.0, rel=1e-12)
    assert _weighs(sheet)["Ketoprofen"] == pytest.approx(12.6, rel=1e-12)
    fixed = cream.batch("120 g", excess="2 g")
    # 120 + 2 = 122 g made
    assert fixed.total.magnitude == pytest.approx(122.0, rel=1e-12)


def test_stated_potency_is_corrected(cream: Formulation) -> None:
    sheet = cream.batch("120 g", potency={"ketoprofen": "98.5%"})
    line = sheet.lines[0]
    # 12 g / 0.985 = 12.182741 g
    assert line.weigh_g == pytest.approx(12.0 / 0.985, rel=1e-12)
    assert line.potency == 0.985
    assert line.potency_note is not None
    assert "stated" in line.potency_note
    # the base shrinks by the extra ketoprofen: 87.6 - (12.182741 - 12) = 87.417259 g
    assert sheet.vehicle.weigh_g == pytest.approx(87.6 - (12.0 / 0.985 - 12.0), rel=1e-12)


def test_potency_policy_certificate_vs_always(cream: Formulation) -> None:
    # Assay 99.2 % on the dried basis, 0.3 % water, specification 98.5-101.0 %:
    # within specification -> not corrected by default (IJPC convention)
    assay = Potency(0.992, basis="dried", water=0.003, stated=False, specification=(0.985, 1.01))
    default = cream.batch("120 g", potency={"Ketoprofen": assay})
    assert default.lines[0].weigh_g == pytest.approx(12.0, rel=1e-12)
    assert default.lines[0].potency_note is not None
    assert "within specification" in default.lines[0].potency_note
    assert default.potency_policy == "certificate"
    always = cream.batch("120 g", potency={"Ketoprofen": assay}, potency_policy="always")
    # as is: 0.992 x (1 - 0.003) = 0.989024; 12 / 0.989024 = 12.133174 g
    assert always.lines[0].weigh_g == pytest.approx(12.0 / (0.992 * 0.997), rel=1e-12)
    outside = Potency(0.975, stated=False, specification=(0.985, 1.01))
    assert cream.batch("120 g", potency={"ketoprofen": outside}).lines[0].weigh_g == (
        pytest.approx(12.0 / 0.975, rel=1e-12)
    )


def test_balances_change_minimum_and_rounding(cream: Formulation) -> None:
    usp41 = cream.batch("120 g", balance="usp41:s=0.15mg,d=0.1mg")
    # minimum 2000 x 0.15 mg = 300 mg; rounding to d = 0.1 mg
    assert usp41.balance.minimum_weight == Q_(300, "mg")
    assert usp41.balance.increment_g == pytest.approx(0.0001)
    tiny = cream.batch("1 g", balance=Balance.from_sensitivity("10 mg", "5%"))
    # 1 g x 2 % = 20 mg of cyclobenzaprine: below 10 mg / 5 % = 200 mg
    assert [line.below_minimum for line in tiny.lines] == [True, True, True, True]


def test_volume_sizes_need_a_density(cream: Formulation) -> None:
    with pytest.raises(DimensionError, match="is a volume; give the preparation's density"):
        cream.batch("100 mL")
    # 100 mL x 1.05 g/mL = 105 g; ketoprofen 10.5 g
    sheet = cream.batch("100 mL", density="1.05 g/mL")
    assert sheet.total.magnitude == pytest.approx(105.0, rel=1e-12)
    assert _weighs(sheet)["Ketoprofen"] == pytest.approx(10.5, rel=1e-12)


def test_w_v_strength_with_density() -> None:
    f = loads_toml(
        """
name = "ketoprofen solution"
dosage_form = "solution"
vehicle = { name = "ethanol 70 %", aqueous = true, type = "solution" }
density = "0.9 g/mL"

[[ingredients]]
name = "ketoprofen"
strength = "2.5 % w/v"
"""
    )
    sheet = f.batch("100 mL")
    # 100 mL x 0.9 g/mL = 90 g; 2.5 g per 100 mL -> 2.5 g of ketoprofen
    assert sheet.total.magnitude == pytest.approx(90.0, rel=1e-12)
    assert sheet.lines[0].weigh_g == pytest.approx(2.5, rel=1e-12)


def test_amount_formula_scales_to_the_batch() -> None:
    f = load_formula(EXAMPLES / "zinc-oxide-ointment.toml")
    sheet = f.batch("454 g")
    weighs = _weighs(sheet)
    # zinc oxide 14 g per 100 g -> 63.56 g;
    # mineral oil 8 mL x 0.85 g/mL = 6.8 g per 100 g -> 30.872 g
    assert weighs["zinc oxide"] == pytest.approx(63.56, rel=1e-12)
    assert weighs["mineral oil"] == pytest.approx(30.872, rel=1e-12)
    assert sheet.vehicle.weigh_g == pytest.approx(454 - 63.56 - 30.872, rel=1e-12)


def test_json_follows_the_contract(cream: Formulation) -> None:
    data = json.loads(cream.batch("120 g", excess="5%").to_json())
    assert {"formula", "batch", "lines", "vehicle", "findings"} <= set(data)
    assert {"size", "excess", "total"} <= set(data["batch"])
    for line in data["lines"]:
        assert {
            "name",
            "form",
            "strength",
            "factor",
            "potency",
            "weigh",
            "below_minimum",
            "aliquot",
        } <= set(line)
        assert set(line["weigh"]) == {"value", "unit"}
        assert line["weigh"]["unit"] == "gram"
    assert data["batch"]["excess"] == {"value": 5.0, "unit": "percent"}
    assert data["batch"]["total"]["value"] == pytest.approx(126.0)
    assert data["vehicle"]["name"] == "Lipoderm ActiveMax"
    assert set(data["vehicle"]["weigh"]) == {"value", "unit"}
    assert {f["code"] for f in data["findings"]} >= {"CK111"}


def test_markdown_and_csv_show_every_line(cream: Formulation) -> None:
    sheet = cream.batch("120 g")
    markdown = sheet.to_markdown()
    csv_text = sheet.to_csv()
    for name in ("Ketoprofen", "Cyclobenzaprine", "Guaifenesin", "Magnesium chloride"):
        assert name in markdown
        assert name in csv_text
    assert "87.600 g" in markdown
    assert "q.s." in csv_text
    assert "## Calculations" in markdown
    assert any("q.s. 120 - 32.4 = 87.6 g" in step for step in sheet.explain())


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"size": "0 g"}, StrengthParseError, "must be greater than zero"),
        ({"size": "-5 g"}, StrengthParseError, "must be positive"),
        ({"size": "nan g"}, StrengthParseError, "finite decimal"),
        ({"size": Q_(-5, "g")}, BatchError, "positive, finite"),
        ({"size": Q_(float("nan"), "g")}, BatchError, "positive, finite"),
        ({"size": 120}, DimensionError, "has no unit"),
        ({"size": Q_(3, "meter")}, DimensionError, "cannot be expressed in milliliter"),
        ({"size": "120 g", "potency": {"ketoprofen": "101%"}}, BatchError, "at most 100 %"),
        ({"size": "120 g", "potency": {"ketoprofen": "0%"}}, BatchError, "greater than zero"),
        ({"size": "120 g", "potency": {"morphine": "99%"}}, BatchError, "not in this formula"),
        ({"size": "120 g", "balance": "sr=abc"}, BatchError, "sr"),
        ({"size": "120 g", "balance": "usp41:s=-1mg"}, BatchError, "s"),
        ({"size": "120 g", "balance": "foo"}, BatchError, "class-iii"),
        ({"size": "120 g", "count": 0}, BatchError, "count must be a whole number"),
        ({"size": "120 g", "count": 2.5}, BatchError, "count must be a whole number"),
        ({"size": "120 g", "excess": "-5%"}, StrengthParseError, "must be positive"),
        ({"size": "120 g", "excess": "500%"}, BatchError, "more than 100 %"),
        ({"size": "120 g", "potency_policy": "sometimes"}, BatchError, "allowed: certificate"),
        ({"size": "2000 kg"}, BatchError, "limit"),
    ],
)
def test_bad_batch_arguments_name_the_argument(
    cream: Formulation, kwargs: dict[str, object], error: type[Exception], fragment: str
) -> None:
    size = kwargs.pop("size")
    with pytest.raises(error) as caught:
        cream.batch(size, **kwargs)  # type: ignore[arg-type]
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_formula_with_errors_gets_no_sheet() -> None:
    wrong = load_formula(EXAMPLES / "wrong-formula.toml")
    with pytest.raises(FormulationError) as caught:
        wrong.batch("120 g")
    assert {"CK103", "CK104"} <= {f.code for f in caught.value.findings}  # type: ignore[attr-defined]


def test_potency_correction_that_overfills_is_an_error() -> None:
    f = _cream(
        """
[[ingredients]]
name = "ketoprofen"
strength = "20 % w/w"
[[excipients]]
name = "ethoxy diglycol"
strength = "79.9 % w/w"
"""
    )
    with pytest.raises(BatchError, match="vehicle would be negative"):
        f.batch("100 g", potency={"ketoprofen": "50%"})


def test_rounding_keeps_the_total_within_half_the_readability(cream: Formulation) -> None:
    sheet = cream.batch("37.777 g", balance="usp41:s=0.15mg,d=0.1mg")
    rounded_total = sum(line.rounded_g for line in sheet.lines) + sheet.vehicle.rounded_g
    assert math.isclose(rounded_total, sheet.made_g, abs_tol=0.0001 / 2 + 1e-12)


# --------------------------------------------------------------------------- review fixes


def test_batch_density_also_sets_the_w_v_lines() -> None:
    f = loads_toml(
        """
name = "w/v cream"
dosage_form = "cream"
vehicle = "lipoderm-activemax"
container = "light-resistant jar"
density = "1.05 g/mL"
[[ingredients]]
name = "ketoprofen"
strength = "10 % w/v"
"""
    )
    sheet = f.batch("100 mL", density="1.2 g/mL")
    # 100 mL x 1.2 g/mL = 120 g; 10 g per 100 mL -> 10.000 g ketoprofen; base 110 g
    assert sheet.total.magnitude == pytest.approx(120.0, rel=1e-12)
    assert sheet.lines[0].weigh_g == pytest.approx(10.0, rel=1e-12)
    assert sheet.vehicle.weigh_g == pytest.approx(110.0, rel=1e-12)
    without = f.evolve(density_g_per_ml=None)
    # a formula without a density can be computed once the batch density is given
    assert without.batch("100 mL", density="1.2 g/mL").lines[0].weigh_g == pytest.approx(10.0)


def test_aliquots_draw_their_base_from_the_vehicle(cream: Formulation) -> None:
    sheet = cream.batch("1 g")
    # 1 g: 100 + 20 + 100 + 50 mg of actives, all below 120 mg -> four aliquots;
    # vehicle 1 - 0.27 = 0.73 g, of which the aliquots carry (A - needed) each
    carried = sum(
        line.aliquot.aliquot_g - line.weigh_g for line in sheet.lines if line.aliquot is not None
    )
    assert sheet.vehicle.in_aliquots_g == pytest.approx(carried, rel=1e-12)
    assert sheet.vehicle.add_separately_g == pytest.approx(0.73 - carried, rel=1e-9)
    data = json.loads(sheet.to_json())
    assert data["vehicle"]["add_separately"]["value"] == pytest.approx(0.73 - carried)
    assert "add" in (sheet.vehicle.aliquot_note() or "")
    assert "1. 1." not in sheet.to_markdown()
    with pytest.raises(BatchError, match="aliquots carry"):
        cream.batch("0.3 g")  # 399 mg of base in the aliquots, room for 219 mg


def test_bare_percent_of_a_liquid_in_a_liquid_is_v_v() -> None:
    f = loads_toml(
        """
name = "hydroalcoholic solution"
dosage_form = "solution"
vehicle = { name = "purified water", aqueous = true, type = "solution" }
density = "1.0 g/mL"
[[excipients]]
name = "ethanol"
strength = "20 %"
density = "0.789 g/mL"
"""
    )
    # USP: liquids in liquids are v/v: 20 mL of ethanol x 0.789 g/mL = 15.78 g per 100 mL
    assert f.batch("100 mL").lines[0].weigh_g == pytest.approx(15.78, rel=1e-12)
    assert "means v/v" in next(iter(f.validate())).message


def test_a_dried_basis_assay_above_100_percent_is_accepted(cream: Formulation) -> None:
    assay = Potency(1.005, basis="dried", water=0.01, stated=True)
    # as is: 1.005 x 0.99 = 0.99495; 12 g / 0.99495 = 12.06091 g
    line = cream.batch("120 g", potency={"ketoprofen": assay}).lines[0]
    assert line.weigh_g == pytest.approx(12.0 / 0.99495, rel=1e-12)
    with pytest.raises(BatchError, match="as-is potency"):
        Potency(1.005, basis="dried", water=0.001)


def test_an_array_is_not_a_batch_size(cream: Formulation) -> None:
    import numpy as np

    with pytest.raises(DimensionError, match="weigh_many"):
        cream.batch(Q_(np.array([1.0, 2.0]), "g"))


def test_every_batch_option_by_its_keyword(cream: Formulation) -> None:
    """Formulation.batch's keywords are a contract; BatchOptions declares them once."""
    sheet = cream.batch(
        "30 g",
        count=4,
        excess="5%",
        potency={"ketoprofen": "98.5%"},
        potency_policy="always",
        balance="class-iii",
        density="1.05 g/mL",
        diluent="the base",
    )
    assert (sheet.count, str(sheet.excess), sheet.potency_policy) == (4, "5 %", "always")
    assert sheet.formulation.density_g_per_ml == 1.05
    assert sheet.lines[0].potency == 0.985
    assert set(BatchOptions.__optional_keys__) == {
        "count", "excess", "potency", "potency_policy", "balance", "density", "diluent"
    }  # fmt: skip


def test_an_unknown_batch_option_is_refused(cream: Formulation) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'counts'"):
        cream.batch("30 g", counts=4)  # type: ignore[call-arg]


def test_the_batch_command_passes_exactly_the_batch_options() -> None:
    from compoundkit.cli.batch import batch

    own = {"formula", "size", "potencies", "fmt"}
    names = {param.name for param in batch.params} - own
    assert names == set(BatchOptions.__optional_keys__) - {"potency"}
