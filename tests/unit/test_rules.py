"""Validation rules CK101-CK116: each one triggered, and silent on a correct formula."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from compoundkit import ingredients
from compoundkit.errors import CatalogError, FormulationError
from compoundkit.formulas import (
    RULES,
    Finding,
    Formulation,
    Report,
    Severity,
    load_formula,
    loads_toml,
)
from compoundkit.formulas.rules import Rule
from compoundkit.ingredients import Evidence, StrengthRange, Use
from compoundkit.units import Strength

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@pytest.fixture(autouse=True)
def _clean_catalog() -> Iterator[None]:
    """Every test starts and ends with only the shipped ingredients registered."""
    ingredients.reset()
    yield
    ingredients.reset()


def cream(*entries: str, head: str = "", vehicle: str = '"lipoderm-activemax"') -> Formulation:
    """A cream from ingredient/excipient TOML tables (each entry a full [[...]] table)."""
    text = f'name = "test cream"\ndosage_form = "cream"\nvehicle = {vehicle}\n{head}\n' + "\n".join(
        entries
    )
    return loads_toml(text)


def ing(name: str, strength: str, **fields: str) -> str:
    extra = "".join(f'{key} = "{value}"\n' for key, value in fields.items())
    return f'[[ingredients]]\nname = "{name}"\nstrength = "{strength}"\n{extra}'


def exc(name: str, strength: str) -> str:
    return f'[[excipients]]\nname = "{name}"\nstrength = "{strength}"\n'


def found(formulation: Formulation, code: str) -> list[Finding]:
    return [f for f in formulation.validate() if f.code == code]


def one(formulation: Formulation, code: str) -> Finding:
    findings = found(formulation, code)
    assert len(findings) == 1, formulation.validate().to_text()
    return findings[0]


def assert_finding(
    finding: Finding, severity: Severity, component: str | None, *fragments: str
) -> None:
    assert finding.severity is severity, finding
    assert finding.component == component, finding
    for fragment in fragments:
        assert fragment in finding.message, (fragment, finding.message)
    assert finding.source, "every finding cites where its rule comes from"


@pytest.fixture
def spasm() -> Formulation:
    """The shipped muscle-spasm cream: the correct formula every rule is checked against."""
    return load_formula(EXAMPLES / "muscle-spasm-cream.toml")


def register_testofen(**changes: Any) -> None:
    """A user ingredient (a copy of ketoprofen under another name) with ``changes``."""
    ketoprofen = ingredients.get("ketoprofen")
    user = attrs.evolve(
        ketoprofen,
        id="testofen",
        name="Testofen",
        synonyms=(),
        trade_names=(),
        misspellings=(),
        confusable_names=(),
        **changes,
    )
    ingredients.register(user)


# ----------------------------------------------------------------------- the registry


def test_every_rule_is_registered_with_a_source() -> None:
    assert sorted(RULES) == [f"CK1{n:02d}" for n in range(1, 18)]
    for code, entry in RULES.items():
        assert entry.code == code
        assert entry.title
        assert entry.source
        assert isinstance(entry.severity, Severity)


def test_a_code_cannot_be_registered_twice() -> None:
    from compoundkit.formulas.rules import rule

    with pytest.raises(ValueError, match="CK101 registered twice"):
        rule("CK101", "again", ERROR, "test")(lambda f, this: iter(()))


def test_a_rule_that_fails_becomes_an_error_finding(
    spasm: Formulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(formulation: Formulation, rule: Rule) -> Iterator[Finding]:
        raise CatalogError("data missing")

    monkeypatch.setitem(RULES, "CK999", Rule("CK999", "broken", WARNING, "test", broken))
    finding = one(spasm, "CK999")
    assert_finding(finding, ERROR, None, "could not be checked", "data missing")


def test_muscle_spasm_cream_is_ok(spasm: Formulation) -> None:
    report = spasm.validate()
    assert report.ok
    # the expected notes on the shipped example: nothing else
    assert Counter(report.codes()) == Counter({"CK111": 1, "CK112": 1, "CK114": 4})
    assert spasm.check() == report


# ----------------------------------------------------------------------- CK101


def test_ck101_w_v_in_a_cream_without_density() -> None:
    f = cream(ing("magnesium chloride", "5 % w/v", form="hexahydrate"))
    assert_finding(
        one(f, "CK101"), ERROR, "Magnesium chloride", "5 % w/v", "needs the preparation's density"
    )
    assert "density" in one(f, "CK101").hint


def test_ck101_silent_with_the_density() -> None:
    f = cream(
        ing("magnesium chloride", "5 % w/v", form="hexahydrate"), head='density = "1.25 g/mL"'
    )
    assert found(f, "CK101") == []
    assert f.lines[0].fraction == pytest.approx(0.05 / 1.25)


def test_ck101_per_unit_strength_hints_a_fix_that_works() -> None:
    """Regression: '5 mg/capsule' in a cream was told to give the cream's density."""
    finding = one(cream(ing("ketoprofen", "5 mg/capsule")), "CK101")
    assert_finding(finding, ERROR, "Ketoprofen", "5 mg/capsule", "topical and oral liquid")
    assert "density" not in finding.hint
    assert "20 mg/g" in finding.hint


@pytest.mark.parametrize(
    ("dosage_form", "route", "what"),
    [
        ("capsule", "oral", "capsules are out of scope"),
        ("Capsules", "oral", "capsules are out of scope"),
        ("tablet", "oral", "tablets are out of scope"),
        ("troche", "buccal", "troches are out of scope"),
        ("lozenge", "oral", "lozenges are out of scope"),
        ("suppository", "rectal", "suppositories are out of scope"),
        ("eye drops", "ophthalmic", "ophthalmic preparations are out of scope"),
        ("solution", "ophthalmic", "route 'ophthalmic': sterile preparations are out of scope"),
    ],
)
def test_ck116_refuses_dosage_forms_out_of_scope(dosage_form: str, route: str, what: str) -> None:
    f = cream(ing("cyclobenzaprine", "5 mg/capsule")).evolve(dosage_form=dosage_form, route=route)
    finding = one(f, "CK116")
    assert_finding(finding, ERROR, None, what, "compoundkit handles topical and oral liquid")
    assert finding.hint == ""  # nothing in the formula can fix it
    assert found(f, "CK101") == []  # no per-line hint (density, w/w) that cannot work
    assert found(f, "CK102") == []
    assert not f.validate().ok
    with pytest.raises(FormulationError):
        f.batch("100 g")


def test_ck116_silent_on_topical_and_oral_liquids() -> None:
    for dosage_form, route in (("cream", "topical"), ("suspension", "oral"), ("gel", "topical")):
        f = cream(ing("ketoprofen", "10 % w/w")).evolve(dosage_form=dosage_form, route=route)
        assert found(f, "CK116") == [], dosage_form


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        (exc("ethanol", "5 % v/v"), "needs both densities"),
        (exc("capsule filler", "5 mg/capsule"), "a strength per dosage unit"),
        ('[[excipients]]\nname = "mineral oil"\namount = "8 mL"\n', "give its density"),
    ],
)
def test_ck101_other_lines_without_a_basis(entry: str, fragment: str) -> None:
    f = cream(entry, head='makes = "100 g"')
    finding = one(f, "CK101")
    assert finding.severity is ERROR
    assert fragment in finding.message


def test_ck101_makes_as_a_volume_needs_the_density() -> None:
    f = cream('[[excipients]]\nname = "zinc oxide"\namount = "14 g"\n', head='makes = "100 mL"')
    assert_finding(one(f, "CK101"), ERROR, "zinc oxide", "reference batch (100 mL) is a volume")
    assert found(f, "CK115") == []  # makes is stated: not a missing reference batch
    g = f.evolve(density_g_per_ml=1.2)
    assert found(g, "CK101") == []
    assert g.lines[0].fraction == pytest.approx(14 / 120)


def test_ck101_silent_on_the_correct_formula(spasm: Formulation) -> None:
    assert found(spasm, "CK101") == []


# ----------------------------------------------------------------------- CK102


def test_ck102_bare_percent_in_a_cream_is_w_w() -> None:
    f = cream(ing("guaifenesin", "10 %"))
    assert_finding(one(f, "CK102"), INFO, "Guaifenesin", "10 % read as 10 % w/w", "means w/w")
    assert one(f, "CK102").hint == "write '10 % w/w' to make it explicit"
    assert f.lines[0].fraction == pytest.approx(0.1)


def test_ck102_bare_percent_in_a_solution_is_w_v() -> None:
    f = loads_toml(
        'name = "x"\ndosage_form = "solution"\nvehicle = { name = "water", aqueous = true }\n'
        'density = "1 g/mL"\n' + exc("sodium chloride", "0.9 %")
    )
    assert_finding(one(f, "CK102"), INFO, "sodium chloride", "read as 0.9 % w/v", "solution")


def test_ck102_bare_ratio_is_named_a_ratio() -> None:
    f = cream(exc("menthol", "1:100"))
    assert_finding(one(f, "CK102"), INFO, "menthol", "1:100 read as 1:100 w/w", "bare ratio")


def test_ck102_silent_when_the_basis_is_written(spasm: Formulation) -> None:
    assert found(spasm, "CK102") == []
    assert found(cream(ing("guaifenesin", "100 mg/g")), "CK102") == []


# ----------------------------------------------------------------------- CK103


def test_ck103_over_100_percent() -> None:
    f = cream(ing("ketoprofen", "20 % w/w"), exc("petrolatum", "85 % w/w"))
    assert_finding(one(f, "CK103"), ERROR, None, "weigh 105 %", "over 100 %")


def test_ck103_counts_the_weighed_form_not_the_written_strength() -> None:
    # 2 % as base weighs 2.265 % hydrochloride: 97.9 + 2.265 > 100
    f = cream(
        ing("cyclobenzaprine", "2 % w/w", form="hydrochloride", expressed_as="base"),
        exc("filler", "97.9 % w/w"),
    )
    assert_finding(one(f, "CK103"), ERROR, None, "100.2 %")


def test_ck103_exactly_100_percent_is_a_warning() -> None:
    f = cream(ing("ketoprofen", "20 % w/w"), exc("filler", "80 % w/w"))
    assert_finding(one(f, "CK103"), WARNING, None, "no vehicle is left")


def test_ck103_silent_on_the_correct_formula(spasm: Formulation) -> None:
    assert found(spasm, "CK103") == []


# ----------------------------------------------------------------------- CK104


def test_ck104_duplicate_ingredient_under_another_name() -> None:
    f = cream(ing("ketoprofen", "10 % w/w"), ing("Orudis", "5 % w/w"))
    assert_finding(one(f, "CK104"), ERROR, "Ketoprofen", "listed more than once")


def test_ck104_duplicate_excipient_any_case_and_spacing() -> None:
    f = cream(exc("Ethoxy diglycol", "5 % w/w"), exc("ethoxy  DIGLYCOL", "2 % w/w"))
    assert_finding(one(f, "CK104"), ERROR, "ethoxy  DIGLYCOL", "excipient", "more than once")


def test_ck104_silent_on_the_correct_formula(spasm: Formulation) -> None:
    assert found(spasm, "CK104") == []


# ----------------------------------------------------------------------- CK105


@pytest.mark.parametrize("strength", ["25 % w/w", "4 % w/w", "250 mg/g"])
def test_ck105_outside_the_typical_range(strength: str) -> None:
    f = cream(ing("ketoprofen", strength))
    assert_finding(one(f, "CK105"), WARNING, "Ketoprofen", "outside the typical topical range")
    assert "5 % w/w to 20 % w/w" in one(f, "CK105").message


def test_ck105_compares_in_the_form_of_the_range() -> None:
    # 1.9 % as base is 2.15 % as hydrochloride: above the 1-2 % (as HCl) range
    f = cream(ing("cyclobenzaprine", "1.9 % w/w", expressed_as="base"))
    assert_finding(one(f, "CK105"), WARNING, "Cyclobenzaprine", "2.152 % w/w (as hydrochloride)")


def test_ck105_says_when_a_range_is_unsourced() -> None:
    f = cream(ing("guaifenesin", "12 % w/w"))
    assert_finding(one(f, "CK105"), WARNING, "Guaifenesin", "unsourced")


@pytest.mark.parametrize("strength", ["20 % w/w", "5 % w/w", "200 mg/g"])
def test_ck105_silent_at_the_ends_of_the_range(strength: str) -> None:
    assert found(cream(ing("ketoprofen", strength)), "CK105") == []


def test_ck105_silent_on_the_correct_formula(spasm: Formulation) -> None:
    assert found(spasm, "CK105") == []


# ----------------------------------------------------------------------- CK106


def _with_maximum() -> None:
    maximum = StrengthRange(
        high=Strength.parse("15 % w/w"), form="free-acid", sourced=False, sources=()
    )
    register_testofen(max_strength=maximum, typical_strength=None)


def test_ck106_above_a_user_ingredients_maximum() -> None:
    _with_maximum()
    f = cream(ing("testofen", "16 % w/w"))
    assert_finding(one(f, "CK106"), ERROR, "Testofen", "16 % w/w is above the maximum 15 % w/w")
    with pytest.raises(FormulationError) as caught:
        f.check()
    assert any(isinstance(x, Finding) and x.code == "CK106" for x in caught.value.findings)


def test_ck106_converts_to_the_form_of_the_maximum() -> None:
    _with_maximum()
    # 14 % as the sodium salt is 12.9 % free acid: under the maximum
    assert found(cream(ing("testofen", "14 % w/w", expressed_as="sodium")), "CK106") == []
    # 16 % sodium weighed... as free acid 14.7 %: still under
    assert (
        found(cream(ing("testofen", "16 % w/w", form="sodium", expressed_as="sodium")), "CK106")
        == []
    )
    assert len(found(cream(ing("testofen", "17 % w/w", expressed_as="sodium")), "CK106")) == 1


def test_ck106_silent_at_the_maximum_and_without_one(spasm: Formulation) -> None:
    _with_maximum()
    assert found(cream(ing("testofen", "15 % w/w")), "CK106") == []
    assert found(spasm, "CK106") == []


# ----------------------------------------------------------------------- CK107


def test_ck107_magnesium_chloride_without_its_form() -> None:
    f = cream(ing("magnesium chloride", "5 % w/w"))
    assert_finding(one(f, "CK107"), ERROR, "Magnesium chloride", "ambiguous")
    assert "hexahydrate, anhydrous, elemental-magnesium" in one(f, "CK107").hint


@pytest.mark.parametrize(
    "entry",
    [
        ing("magnesium chloride", "5 % w/w", form="hexahydrate"),
        ing("magnesium chloride", "1 % w/w", expressed_as="elemental"),
        ing("magnesium chloride hexahydrate", "5 % w/w"),  # the name states the form
        ing("anhydrous magnesium chloride", "2 % w/w", form="anhydrous"),
    ],
)
def test_ck107_silent_when_the_form_is_stated(entry: str) -> None:
    assert found(cream(entry), "CK107") == []


def test_ck107_silent_for_ingredients_with_one_usual_form(spasm: Formulation) -> None:
    assert found(cream(ing("cyclobenzaprine", "2 % w/w")), "CK107") == []
    assert found(spasm, "CK107") == []


# ----------------------------------------------------------------------- CK108


def test_ck108_name_says_anhydrous_but_hexahydrate_weighed() -> None:
    f = cream(ing("magnesium chloride anhydrous", "5 % w/w", form="hexahydrate"))
    assert_finding(
        one(f, "CK108"), ERROR, "Magnesium chloride", "says Magnesium chloride, anhydrous"
    )
    assert "form = 'anhydrous'" in one(f, "CK108").hint


def test_ck108_name_says_hydrochloride_but_base_weighed() -> None:
    f = cream(ing("cyclobenzaprine hydrochloride", "1 % w/w", form="base"))
    assert_finding(one(f, "CK108"), ERROR, "Cyclobenzaprine", "weighed is Cyclobenzaprine (base)")


@pytest.mark.parametrize(
    "entry",
    [
        # regression: "magnesium" in "magnesium chloride" is not the elemental form
        ing("magnesium chloride hexahydrate", "5 % w/w", form="hexahydrate"),
        ing("Magnesium chloride hexahydrate", "5 % w/w"),
        ing("cyclobenzaprine HCl", "2 % w/w"),
        ing("magnesium chloride anhydrous", "2 % w/w", form="anhydrous"),
        ing(
            "magnesium chloride anhydrous", "2 % w/w", form="hexahydrate", expressed_as="anhydrous"
        ),
    ],
)
def test_ck108_silent_when_the_name_agrees(entry: str) -> None:
    assert found(cream(entry), "CK108") == []


def test_ck108_silent_on_the_correct_formula(spasm: Formulation) -> None:
    assert found(spasm, "CK108") == []


# ----------------------------------------------------------------------- CK109


MGCL2 = ing("magnesium chloride", "5 % w/w", form="hexahydrate")


@pytest.mark.parametrize(
    "vehicle", ['"plo"', '"lipoderm"', '{ name = "cold cream", aqueous = true, type = "emulsion" }']
)
def test_ck109_electrolyte_in_a_salt_sensitive_vehicle(vehicle: str) -> None:
    f = cream(MGCL2, vehicle=vehicle)
    assert_finding(one(f, "CK109"), WARNING, "Magnesium chloride", "electrolyte", "salt-sensitive")
    assert "lipoderm-activemax" in one(f, "CK109").hint


def test_ck109_silent_in_a_salt_tolerant_base_or_without_an_electrolyte(
    spasm: Formulation,
) -> None:
    assert found(spasm, "CK109") == []
    assert found(cream(ing("ketoprofen", "10 % w/w"), vehicle='"plo"'), "CK109") == []
    unknown = '{ name = "house cream", aqueous = true, type = "cream" }'
    assert found(cream(MGCL2, vehicle=unknown), "CK109") == []


# ----------------------------------------------------------------------- CK110


ALKALINE = '{ name = "alkaline gel", aqueous = true, ph_character = "alkaline" }'


def test_ck110_cyclobenzaprine_in_an_alkaline_vehicle() -> None:
    f = cream(ing("cyclobenzaprine", "2 % w/w"), vehicle=ALKALINE)
    assert_finding(one(f, "CK110"), ERROR, "Cyclobenzaprine", "precipitates", "alkaline gel")


def test_ck110_silent_in_a_neutral_vehicle_or_without_the_amine(spasm: Formulation) -> None:
    assert found(spasm, "CK110") == []
    neutral = ALKALINE.replace("alkaline", "neutral")
    assert found(cream(ing("cyclobenzaprine", "2 % w/w"), vehicle=neutral), "CK110") == []
    assert found(cream(ing("ketoprofen", "10 % w/w"), vehicle=ALKALINE), "CK110") == []


# ----------------------------------------------------------------------- CK111


def test_ck111_guaifenesin_salted_out_beside_magnesium_chloride(spasm: Formulation) -> None:
    assert_finding(one(spasm, "CK111"), WARNING, "Guaifenesin", "salted out", "Magnesium chloride")


def test_ck111_silent_without_water_or_without_the_electrolyte() -> None:
    both = (ing("guaifenesin", "10 % w/w"), MGCL2)
    assert found(cream(*both, vehicle='"white-petrolatum"'), "CK111") == []
    assert found(cream(ing("guaifenesin", "10 % w/w")), "CK111") == []


# ----------------------------------------------------------------------- CK112


def test_ck112_light_sensitive_in_a_clear_container() -> None:
    f = cream(ing("ketoprofen", "10 % w/w"), head='container = "clear jar"')
    assert_finding(one(f, "CK112"), WARNING, "Ketoprofen", "light-sensitive", "(clear jar)")
    assert "Avoid sunlight" in one(f, "CK112").hint


def test_ck112_container_not_stated() -> None:
    f = cream(ing("ketoprofen", "10 % w/w"))
    assert_finding(
        one(f, "CK112"), WARNING, "Ketoprofen", "the formula does not state its container"
    )


def test_ck112_light_resistant_container_leaves_a_label_note(spasm: Formulation) -> None:
    assert_finding(one(spasm, "CK112"), INFO, "Ketoprofen", "apply the auxiliary labels")


def test_ck112_once_per_ingredient_and_silent_without_one() -> None:
    f = cream(ing("ketoprofen", "5 % w/w"), ing("Orudis", "5 % w/w"))
    assert len(found(f, "CK112")) == 1
    assert found(cream(ing("guaifenesin", "10 % w/w")), "CK112") == []


# ----------------------------------------------------------------------- CK113


def loaded(max_load: str) -> Formulation:
    vehicle = f'{{ name = "house base", aqueous = true, max_load = "{max_load}" }}'
    return cream(
        ing("ketoprofen", "10 % w/w"),
        ing("cyclobenzaprine", "2 % w/w", expressed_as="base"),
        exc("ethoxy diglycol", "10 % w/w"),
        vehicle=vehicle,
    )


def test_ck113_vehicle_maximum_load_exceeded() -> None:
    finding = one(loaded("20 % w/w"), "CK113")
    # the load counts the weighed hydrochloride (2 % base = 2.265 % HCl)
    assert_finding(finding, ERROR, None, "22.26 % w/w", "house base's maximum of 20 % w/w")


def test_ck113_silent_under_the_maximum_or_when_unknown(spasm: Formulation) -> None:
    assert found(loaded("25 % w/w"), "CK113") == []
    assert found(spasm, "CK113") == []  # shipped bases publish no maximum load


# ----------------------------------------------------------------------- CK114


def test_ck114_unsupported_use(spasm: Formulation) -> None:
    by_component = {f.component: f for f in found(spasm, "CK114")}
    assert_finding(by_component["Guaifenesin"], INFO, "Guaifenesin", "evidence 'unsupported'")
    assert_finding(by_component["Ketoprofen"], INFO, "Ketoprofen", "no evidence recorded")
    # a 399-patient trial found compounded cyclobenzaprine creams no better than placebo
    assert_finding(
        by_component["Cyclobenzaprine"], INFO, "Cyclobenzaprine", "evidence is against", "399"
    )


def test_ck114_oral_evidence_never_backs_a_topical_preparation() -> None:
    """Regression: with no topical use, the oral uses were judged instead."""
    oral = Use("muscle spasm", "oral", Evidence.ESTABLISHED, "A licensed use.", ("ck-domain",))
    register_testofen(uses=(oral,))
    spasm_cream = cream(ing("testofen", "2 % w/w"), head='indication = "muscle spasm"')
    assert_finding(one(spasm_cream, "CK114"), INFO, "Testofen", "by the topical route")
    syrup = spasm_cream.evolve(route="oral")
    assert found(syrup, "CK114") == []


def test_ck114_silent_without_an_indication_or_with_evidence(spasm: Formulation) -> None:
    assert found(spasm.evolve(indication=None), "CK114") == []
    ketoprofen = cream(ing("ketoprofen", "10 % w/w"), head='indication = "sprain"')
    assert found(ketoprofen, "CK114") == []


def test_ck114_judges_by_the_strongest_evidence() -> None:
    """Regression: the weakest matching use was taken as the best one."""
    ketoprofen = ingredients.get("ketoprofen")
    claim = Use(
        "pain", "topical", Evidence.UNSUPPORTED, "a claim", ("ck-domain",), ("pain",), claim=True
    )
    register_testofen(uses=(*ketoprofen.uses, claim))
    assert found(cream(ing("testofen", "10 % w/w"), head='indication = "pain"'), "CK114") == []
    register_only_claim = cream(ing("testofen", "10 % w/w"), head='indication = "a claim"')
    assert_finding(one(register_only_claim, "CK114"), INFO, "Testofen", "'unsupported'")


# ----------------------------------------------------------------------- CK115


def test_ck115_amount_without_a_reference_batch() -> None:
    f = cream('[[excipients]]\nname = "zinc oxide"\namount = "14 g"\n')
    assert_finding(one(f, "CK115"), ERROR, "zinc oxide", "needs the reference batch size")
    assert "makes" in one(f, "CK115").hint
    assert found(f, "CK101") == []


def test_ck115_silent_with_makes() -> None:
    f = load_formula(EXAMPLES / "zinc-oxide-ointment.toml")
    assert f.validate().findings == ()


# ----------------------------------------------------------------------- CK116


def test_ck116_unknown_dosage_form() -> None:
    f = cream(ing("ketoprofen", "10 % w/w")).evolve(dosage_form="potion")
    assert_finding(one(f, "CK116"), ERROR, None, "dosage form 'potion' unknown", "cream")


def test_ck116_with_a_bare_percent_is_a_finding_not_a_crash() -> None:
    """Regression: a bare percent in an unknown dosage form raised while loading."""
    f = loads_toml(
        'name = "x"\ndosage_form = "potion"\nvehicle = "plo"\n' + ing("guaifenesin", "10 %")
    )
    codes = f.validate().codes()
    assert "CK116" in codes
    assert_finding(one(f, "CK101"), ERROR, "Guaifenesin", "no basis in an unknown dosage form")


def test_ck116_silent_on_known_forms(spasm: Formulation) -> None:
    assert found(spasm, "CK116") == []
    assert found(spasm.evolve(dosage_form="Organogel"), "CK116") == []


# ----------------------------------------------------------------------- the wrong formula


def _expected_from_header(path: Path) -> Counter[tuple[str, str]]:
    expected: Counter[tuple[str, str]] = Counter()
    for line in path.read_text("utf-8").splitlines():
        match = re.match(r"#\s+(CK\d{3})\s+(error|warning|info)\b", line)
        if match:
            expected[(match.group(1), match.group(2))] += 1
    return expected


def test_wrong_formula_yields_exactly_the_findings_its_header_lists() -> None:
    path = EXAMPLES / "wrong-formula.toml"
    expected = _expected_from_header(path)
    assert sum(expected.values()) >= 10
    report = load_formula(path).validate()
    got = Counter((f.code, f.severity.value) for f in report)
    assert got == expected, report.to_text()


def test_report_lists_errors_first_and_raises_with_every_finding() -> None:
    report = load_formula(EXAMPLES / "wrong-formula.toml").validate()
    ranks = [f.severity.rank for f in report]
    assert ranks == sorted(ranks)
    with pytest.raises(FormulationError) as caught:
        report.raise_for_errors()
    assert caught.value.findings == report.findings
    assert str(caught.value).startswith("CK101: ")
    assert f"(and {len(report.errors) - 1} more)" in str(caught.value)
    assert isinstance(report, Report)


# ----------------------------------------------------------------------- the report


def test_report_text_json_and_html() -> None:
    assert Report(()).to_text() == "no findings"
    assert Report(())._repr_html_() == "<p>no findings</p>"
    info = Finding("CK102", INFO, "a <b> note", "x & y", hint="", source="s")
    error = Finding("CK103", ERROR, "over", None, hint="lower it", source="s")
    report = Report((info, error))
    assert report.findings == (error, info)  # errors first
    assert report.to_text().splitlines() == [
        "CK103 error    -  over",
        "      hint: lower it",
        "CK102 info     x & y  a <b> note",
    ]
    assert "a &lt;b&gt; note" in report._repr_html_()
    assert "x &amp; y" in report._repr_html_()
    assert report.to_dict()[1] == {
        "code": "CK102",
        "severity": "info",
        "component": "x & y",
        "message": "a <b> note",
        "hint": "",
        "source": "s",
    }
    assert len(report) == 2
    assert list(report) == [error, info]
    assert report.warnings == ()
    assert not report.ok


# ----------------------------------------------------------------------- CK117


def _stored(
    storage: str, vehicle: str = '"lipoderm-activemax"', form: str = "cream"
) -> Formulation:
    return loads_toml(
        f"""
name = "storage test"
dosage_form = "{form}"
vehicle = {vehicle}
container = "light-resistant jar"
storage = "{storage}"
[[ingredients]]
name = "guaifenesin"
strength = "5 % w/w"
"""
    )


def test_ck117_room_temperature_for_an_aqueous_nonpreserved_cream() -> None:
    finding = one(_stored("controlled room temperature"), "CK117")
    assert_finding(finding, WARNING, None, "contradicts the BUD class", "aqueous, nonpreserved")
    assert "refrigerator" in finding.hint


def test_ck117_silent_when_storage_fits_the_class() -> None:
    assert found(_stored("refrigerator"), "CK117") == []
    assert found(_stored("room temperature or refrigerate"), "CK117") == []
    preserved = '{ name = "preserved cream", aqueous = true, preserved = true, type = "cream" }'
    assert found(_stored("controlled room temperature", preserved), "CK117") == []
    assert found(_stored("room temperature", '"white-petrolatum"', "ointment"), "CK117") == []


def test_ck117_negated_refrigeration_still_contradicts() -> None:
    for storage in (
        "controlled room temperature; do not refrigerate",
        "room temperature, not refrigerated",
    ):
        assert found(_stored(storage), "CK117"), storage


def test_ck112_needs_a_stated_light_resistant_container() -> None:
    def keto(container: str) -> Formulation:
        return loads_toml(
            f"""
name = "x"
dosage_form = "gel"
vehicle = "plo"
container = "{container}"
[[ingredients]]
name = "ketoprofen"
strength = "10 % w/w"
"""
        )

    for unprotected in ("clear airless pump", "clear jar (not light-resistant)", "non-opaque jar"):
        assert one(keto(unprotected), "CK112").severity is WARNING, unprotected
    for protected in ("light-resistant airless pump", "amber glass jar", "opaque tube"):
        assert one(keto(protected), "CK112").severity is Severity.INFO, protected


def test_ck104_an_excipient_that_is_a_listed_ingredient() -> None:
    f = loads_toml(
        """
name = "x"
dosage_form = "cream"
vehicle = "lipoderm-activemax"
container = "light-resistant jar"
[[ingredients]]
name = "ketoprofen"
strength = "10 % w/w"
[[excipients]]
name = "Ketoprofen"
strength = "1 % w/w"
"""
    )
    assert "already an ingredient" in one(f, "CK104").message
