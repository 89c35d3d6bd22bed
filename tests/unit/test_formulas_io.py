"""Formula files (TOML and JSON): the DESIGN.md contract, saving, and every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compoundkit import load_formula as top_level_load_formula
from compoundkit.errors import FormulaFileError
from compoundkit.formulas import (
    Amount,
    Formulation,
    dumps_json,
    dumps_toml,
    get_vehicle,
    load_formula,
    loads_json,
    loads_toml,
    save_formula,
)
from compoundkit.formulas.io import MAX_ENTRIES, MAX_FILE_BYTES
from compoundkit.units import Strength

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

HEAD = 'name = "x"\ndosage_form = "cream"\nvehicle = "plo"\n'
KETOPROFEN = '[[ingredients]]\nname = "ketoprofen"\nstrength = "10 % w/w"\n'

#: Every field of the DESIGN.md formula-file contract, both examples in one file.
EVERY_FIELD = """\
name = "Muscle spasm cream"
dosage_form = "cream"
route = "transdermal"
makes = "100 g"
density = "1.05 g/mL"
indication = "muscle spasm"
container = "light-resistant airless pump"
storage = "controlled room temperature"
description = "smooth white cream"
notes = ["an example", "not a recommendation"]
vehicle = { name = "house cream", aqueous = true, preserved = true, type = "cream", \
density_g_per_ml = 1.02, density_source = "measured", max_load = "40 % w/w", \
max_load_source = "supplier", salt_tolerance = "tolerant", ph_character = "acidic", \
notes = ["made in house"] }

[[ingredients]]
name = "ketoprofen"
strength = "10 % w/w"

[[ingredients]]
name = "cyclobenzaprine"
form = "hydrochloride"
strength = "2 % w/w"
expressed_as = "base"

[[ingredients]]
name = "guaifenesin"
amount = "10 g"

[[ingredients]]
name = "magnesium chloride hexahydrate"
form = "MgCl2.6H2O"
strength = "50 mg/g"

[[excipients]]
name = "ethoxy diglycol"
strength = "5 % w/w"

[[excipients]]
name = "mineral oil"
amount = "8 mL"
density = "0.85 g/mL"
"""


def problems_of(text: str, *, json_text: bool = False) -> FormulaFileError:
    load = loads_json if json_text else loads_toml
    with pytest.raises(FormulaFileError) as caught:
        load(text, source="f.json" if json_text else "f.toml")
    return caught.value


# ----------------------------------------------------------------------- the contract


def test_every_contract_field_loads() -> None:
    f = loads_toml(EVERY_FIELD)
    assert f.name == "Muscle spasm cream"
    assert f.dosage_form == "cream"
    assert f.route == "transdermal"
    assert f.makes == Amount(100.0, "g")
    assert f.density_g_per_ml == pytest.approx(1.05)
    assert f.indication == "muscle spasm"
    assert f.container == "light-resistant airless pump"
    assert f.storage == "controlled room temperature"
    assert f.description == "smooth white cream"
    assert f.notes == ("an example", "not a recommendation")
    vehicle = f.vehicle
    assert vehicle.is_inline
    assert (vehicle.name, vehicle.aqueous, vehicle.preserved, vehicle.type) == (
        "house cream",
        True,
        True,
        "cream",
    )
    assert vehicle.density_g_per_ml == 1.02
    assert vehicle.density_source == "measured"
    assert vehicle.max_load == Strength.parse("40 % w/w")
    assert vehicle.max_load_source == "supplier"
    assert (vehicle.salt_tolerance, vehicle.ph_character) == ("tolerant", "acidic")
    assert vehicle.notes == ("made in house",)
    keto, cbz, gg, mg = f.ingredients
    assert keto.strength == Strength.parse("10 % w/w")
    assert keto.form is None
    assert keto.written_name is None
    assert (cbz.form, cbz.expressed_as) == ("hydrochloride", "base")
    assert gg.amount == Amount(10.0, "g")
    assert gg.strength is None
    assert mg.written_name == "magnesium chloride hexahydrate"
    assert mg.weighed_form().id == "hexahydrate"
    oil = f.excipients[1]
    assert (oil.amount, oil.density_g_per_ml) == (Amount(8.0, "mL"), 0.85)
    assert f.excipients[0].strength == Strength.parse("5 % w/w")


def test_every_contract_field_round_trips_in_toml_and_json() -> None:
    f = loads_toml(EVERY_FIELD)
    assert loads_toml(f.to_toml()) == f
    assert loads_json(f.to_json()) == f
    assert loads_toml(dumps_toml(f)) == f
    assert loads_json(dumps_json(f)) == f
    assert json.loads(f.to_json()) == f.to_dict()


def test_a_catalog_vehicle_is_written_as_its_id() -> None:
    f = loads_toml(HEAD.replace('"plo"', '"PLO gel"') + KETOPROFEN)
    assert f.vehicle is get_vehicle("plo")
    assert 'vehicle = "plo"' in f.to_toml()


def test_a_vehicle_may_be_a_toml_table() -> None:
    text = 'name = "x"\ndosage_form = "cream"\n' + KETOPROFEN
    text += '[vehicle]\nname = "house base"\naqueous = false\n'
    assert loads_toml(text).vehicle.name == "house base"


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.toml")))
def test_shipped_examples_load_and_round_trip(name: str, tmp_path: Path) -> None:
    f = load_formula(EXAMPLES / name)
    assert top_level_load_formula(EXAMPLES / name) == f
    assert load_formula(save_formula(f, tmp_path / name)) == f
    assert load_formula(save_formula(f, tmp_path / "f.json")) == f


def test_amounts_and_a_liquid_with_density_equal_the_strengths() -> None:
    """DESIGN.md: "Both describe the same formulation"."""
    by_amount = loads_toml(
        'name = "z"\ndosage_form = "ointment"\nmakes = "100 g"\nvehicle = "white-petrolatum"\n'
        '[[ingredients]]\nname = "ketoprofen"\namount = "10 g"\n'
        '[[excipients]]\nname = "zinc oxide"\namount = "14 g"\n'
        '[[excipients]]\nname = "mineral oil"\namount = "8 mL"\ndensity = "0.85 g/mL"\n'
    )
    by_strength = loads_toml(
        'name = "z"\ndosage_form = "ointment"\nvehicle = "white-petrolatum"\n'
        '[[ingredients]]\nname = "ketoprofen"\nstrength = "10 % w/w"\n'
        '[[excipients]]\nname = "zinc oxide"\nstrength = "14 % w/w"\n'
        '[[excipients]]\nname = "mineral oil"\nstrength = "6.8 % w/w"\n'
    )
    assert [line.fraction for line in by_amount.lines] == pytest.approx([0.1, 0.14, 0.068])
    assert [line.fraction for line in by_amount.lines] == pytest.approx(
        [line.fraction for line in by_strength.lines]
    )
    assert [line.name for line in by_amount.lines] == [line.name for line in by_strength.lines]
    assert by_amount.validate().codes() == by_strength.validate().codes()


def test_save_formula_writes_toml_or_json_by_suffix(tmp_path: Path) -> None:
    f = load_formula(EXAMPLES / "muscle-spasm-cream.toml")
    toml_path = save_formula(f, tmp_path / "cream.toml")
    json_path = save_formula(f, str(tmp_path / "cream.JSON"))
    assert toml_path.read_text("utf-8").startswith('name = "Muscle spasm cream"')
    assert json.loads(json_path.read_text("utf-8"))["name"] == "Muscle spasm cream"
    assert load_formula(json_path) == f
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cream.JSON", "cream.toml"]


def test_from_dict_builds_the_same_formulation() -> None:
    f = loads_toml(EVERY_FIELD)
    assert Formulation.from_dict(f.to_dict()) == f


# ----------------------------------------------------------------------- field errors


def test_unknown_top_level_key_names_file_line_field_and_allowed() -> None:
    error = problems_of(HEAD + 'colour = "red"\n' + KETOPROFEN)
    assert (error.file, error.line, error.field) == ("f.toml", 4, "colour")
    assert str(error).startswith("f.toml:4: colour: unknown key; allowed: name, dosage_form")


def test_unknown_ingredient_suggests_the_catalog_name() -> None:
    error = problems_of(HEAD + KETOPROFEN.replace("ketoprofen", "ketoprofin"))
    assert (error.line, error.field) == (5, "ingredients[0].name")
    assert "did you mean 'ketoprofen'?" in str(error)


def test_confusable_ingredient_is_refused_without_a_suggestion() -> None:
    error = problems_of(HEAD + KETOPROFEN.replace("ketoprofen", "ketorolac"))
    assert "a different drug from 'ketoprofen'" in str(error)


@pytest.mark.parametrize(
    ("strength", "fragment"),
    [
        ("10 %w/x", "unknown basis 'w/x'; allowed: w/w, w/v, v/v"),
        ("abc", "expected the strength"),
        ("-5 %", "'-' sign"),
        ("150 % w/w", "more than 100 %"),
        ("9**9 mg/g", "powers and expressions are not allowed"),
        ("nan %", "must be a finite decimal"),
        ("", "not the text ''"),
    ],
)
def test_bad_strength_names_the_field_and_the_text(strength: str, fragment: str) -> None:
    error = problems_of(HEAD + KETOPROFEN.replace("10 % w/w", strength))
    assert (error.line, error.field) == (6, "ingredients[0].strength")
    assert fragment in str(error)


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("name", "f.toml: name: required, but missing"),
        ("dosage_form", "f.toml: dosage_form: required, but missing"),
        ("vehicle", "f.toml: vehicle: required, but missing"),
    ],
)
def test_missing_required_field(key: str, fragment: str) -> None:
    lines = [line for line in HEAD.splitlines() if not line.startswith(key)]
    error = problems_of("\n".join(lines) + "\n" + KETOPROFEN)
    assert error.field == key
    assert str(error) == fragment


def test_a_formula_needs_an_ingredient_or_excipient() -> None:
    error = problems_of(HEAD)
    assert error.field == "ingredients"
    assert "at least one ingredient ([[ingredients]]) or excipient" in str(error)


@pytest.mark.parametrize(
    ("text", "field", "fragment"),
    [
        (
            'name = 3\ndosage_form = "cream"\nvehicle = "plo"\n' + KETOPROFEN,
            "name",
            "not the number 3",
        ),
        (HEAD.replace('"cream"', '["cream"]') + KETOPROFEN, "dosage_form", "text, not a list"),
        (
            HEAD.replace('"plo"', "5") + KETOPROFEN,
            "vehicle",
            "catalog vehicle id or an inline table",
        ),
        (HEAD + KETOPROFEN.replace('"10 % w/w"', "10"), "ingredients[0].strength", "'10 % w/w'"),
        (HEAD + "makes = 100\n" + KETOPROFEN, "makes", "such as '14 g'"),
        (HEAD + "density = 1.05\n" + KETOPROFEN, "density", "such as '1.05 g/mL'"),
        (HEAD + "notes = [1]\n" + KETOPROFEN, "notes[0]", "must be text, not the number 1"),
        (HEAD + "notes = 1\n" + KETOPROFEN, "notes", "text or a list of texts"),
        (HEAD + 'ingredients = "ketoprofen"\n', "ingredients", "must be a list, not the text"),
        (HEAD + "ingredients = [1]\n", "ingredients[0]", "must be a table"),
        (HEAD + 'excipients = ["water"]\n' + KETOPROFEN, "excipients[0]", "must be a table"),
        (HEAD + KETOPROFEN + 'colour = "red"\n', "ingredients[0].colour", "allowed: name"),
        (HEAD + '[[ingredients]]\nstrength = "1 %"\n', "ingredients[0].name", "required, but"),
    ],
)
def test_wrong_types_name_the_field_and_what_is_allowed(
    text: str, field: str, fragment: str
) -> None:
    error = problems_of(text)
    assert error.field == field
    assert fragment in str(error)


def test_both_strength_and_amount() -> None:
    error = problems_of(HEAD + KETOPROFEN + 'amount = "10 g"\n')
    assert (error.line, error.field) == (4, "ingredients[0]")
    assert "give exactly one of strength (e.g. '10 % w/w') and amount" in str(error)


def test_neither_strength_nor_amount_for_an_excipient() -> None:
    error = problems_of(HEAD + '[[excipients]]\nname = "water"\n')
    assert error.field == "excipients[0]"
    assert "water: give exactly one of strength" in str(error)


@pytest.mark.parametrize("key", ["form", "expressed_as"])
def test_unknown_form_lists_the_forms(key: str) -> None:
    error = problems_of(HEAD + KETOPROFEN + f'{key} = "potassium"\n')
    assert (error.line, error.field) == (7, f"ingredients[0].{key}")
    assert "Ketoprofen has no form 'potassium'; allowed: free-acid" in str(error)
    assert "sodium (sodium salt" in str(error)


def test_a_bad_form_is_blamed_on_the_right_field() -> None:
    """Regression: expressed_as was blamed whenever its value appeared in the message."""
    error = problems_of(HEAD + KETOPROFEN + 'form = "potassium"\nexpressed_as = "sodium"\n')
    assert error.field == "ingredients[0].form"
    both = problems_of(HEAD + KETOPROFEN + 'form = "potassium"\nexpressed_as = "calcium"\n')
    assert [(p.line, p.field) for p in both.problems] == [
        (7, "ingredients[0].form"),
        (8, "ingredients[0].expressed_as"),
    ]


def test_unknown_vehicle_id_suggests_catalog_names() -> None:
    error = problems_of(HEAD.replace('"plo"', '"lipoderm activmax"') + KETOPROFEN)
    assert (error.line, error.field) == (3, "vehicle")
    assert "did you mean 'Lipoderm' or 'Lipoderm ActiveMax'?" in str(error)


@pytest.mark.parametrize(
    ("inline", "field", "fragment"),
    [
        ('{ name = "v", aqueous = "yes" }', "vehicle.aqueous", "must be true or false"),
        ('{ name = "v" }', "vehicle.aqueous", "required, but missing"),
        ('{ name = "v", aqueous = true, type = "jelly" }', "vehicle.type", "allowed: cream"),
        ('{ name = "v", aqueous = true, max_load = "lots" }', "vehicle.max_load", "'lots'"),
        ('{ name = "v", aqueous = true, id = "plo" }', "vehicle.id", "unknown key; allowed: name"),
        (
            '{ name = "v", aqueous = true, density_g_per_ml = -1 }',
            "vehicle.density_g_per_ml",
            "positive",
        ),
    ],
)
def test_inline_vehicle_with_a_bad_field(inline: str, field: str, fragment: str) -> None:
    error = problems_of(HEAD.replace('"plo"', inline) + KETOPROFEN)
    assert (error.line, error.field) == (3, field)
    assert fragment in str(error)


def test_every_problem_of_an_inline_vehicle_is_reported() -> None:
    error = problems_of(
        HEAD.replace('"plo"', '{ name = "v", aqueous = "yes", ph_character = "basic" }')
        + KETOPROFEN
    )
    assert [(p.line, p.field) for p in error.problems] == [
        (3, "vehicle.aqueous"),
        (3, "vehicle.ph_character"),
    ]


def test_problems_in_a_vehicle_table_are_located() -> None:
    text = 'name = "x"\ndosage_form = "cream"\n' + KETOPROFEN
    text += '[vehicle]\nname = "v"\naqueous = "yes"\n'
    error = problems_of(text)
    assert (error.line, error.field) == (8, "vehicle.aqueous")


def test_several_problems_are_all_reported_at_once() -> None:
    text = (
        'name = "x"\ncolour = "red"\ndosage_form = "cream"\nvehicle = "nope"\n'
        '[[ingredients]]\nname = "ketoprofin"\nstrength = "10 % w/w"\n'
        '[[ingredients]]\nname = "guaifenesin"\nstrength = "abc"\n'
        '[[ingredients]]\nname = "cyclobenzaprine"\nform = "sulfate"\nstrength = "2 % w/w"\n'
        '[[excipients]]\nname = "water"\n'
    )
    error = problems_of(text)
    assert len(error.problems) == 6
    where = [(p.line, p.field) for p in error.problems]
    assert where == [
        (2, "colour"),
        (4, "vehicle"),
        (6, "ingredients[0].name"),
        (10, "ingredients[1].strength"),
        (13, "ingredients[2].form"),
        (15, "excipients[0]"),
    ]
    message = str(error)
    assert message.startswith("f.toml: 6 problems:\n  f.toml:2: colour: unknown key")
    assert error.field is None


def test_an_unknown_ingredient_does_not_hide_its_bad_strength() -> None:
    error = problems_of(HEAD + '[[ingredients]]\nname = "ketoprofin"\nstrength = "abc"\n')
    assert len(error.problems) == 2


def test_too_many_entries() -> None:
    entries = "".join(
        f'[[excipients]]\nname = "e{i}"\nstrength = "0.1 % w/w"\n' for i in range(MAX_ENTRIES + 1)
    )
    error = problems_of(HEAD + entries)
    assert f"at most {MAX_ENTRIES} allowed" in str(error)


def test_a_very_long_text_is_refused() -> None:
    error = problems_of(HEAD.replace('"x"', '"' + "x" * 2001 + '"') + KETOPROFEN)
    assert "at most 2000 allowed" in str(error)


# ----------------------------------------------------------------------- unreadable files


@pytest.mark.parametrize(
    "text",
    [
        HEAD + '[[ingredients]]\nname = "ketopro',  # truncated
        HEAD + "[[ingredients]\n",
        'name = "x"\nname = "y"\n',  # a key given twice
        "= 1\n",
        "\x00\x01\x02",
    ],
)
def test_malformed_toml(text: str) -> None:
    error = problems_of(text)
    assert str(error).startswith("f.toml")
    assert "not valid TOML" in str(error)


def test_malformed_toml_names_the_line() -> None:
    error = problems_of(HEAD + "[[ingredients]\n")
    assert error.line == 4
    assert str(error).startswith("f.toml:4: not valid TOML")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"name": "x",', "not valid JSON"),
        ("", "not valid JSON"),
        ('{"name": NaN}', "NaN is not a number compoundkit accepts"),
        ('{"density": Infinity}', "Infinity is not a number compoundkit accepts"),
        ('{"density": -Infinity}', "-Infinity is not a number compoundkit accepts"),
        ("[1, 2]", "f.json: must be a table, not a list"),
        ("null", "f.json: must be a table, not null"),
    ],
)
def test_malformed_json(text: str, fragment: str) -> None:
    error = problems_of(text, json_text=True)
    assert str(error).startswith("f.json")
    assert fragment in str(error)


def test_a_huge_json_number_is_not_a_density() -> None:
    data = {
        "name": "x",
        "dosage_form": "cream",
        "vehicle": "plo",
        "density": 1e308 * 10,
        "ingredients": [{"name": "ketoprofen", "strength": "10 % w/w"}],
    }
    text = json.dumps(data).replace("Infinity", "1e400")
    error = problems_of(text, json_text=True)
    assert error.field == "density"


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_arrays_never_escape_as_recursion_error(depth: int) -> None:
    for text, as_json in (
        ("name = " + "[" * depth + "]" * depth + "\n", False),
        ('{"name": ' + "[" * depth + "]" * depth + "}", True),
    ):
        error = problems_of(text, json_text=as_json)
        assert "nested too deeply" in str(error)


def test_missing_file() -> None:
    with pytest.raises(FormulaFileError, match=r"no-such\.toml: no such file"):
        load_formula("no-such.toml")


def test_a_folder_is_not_a_formula(tmp_path: Path) -> None:
    with pytest.raises(FormulaFileError, match="is a folder"):
        load_formula(tmp_path)


def test_non_utf8_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes((HEAD + KETOPROFEN).replace('"x"', '"cr\xe8me"').encode("latin-1"))
    with pytest.raises(FormulaFileError) as caught:
        load_formula(path)
    assert caught.value.file == str(path)
    assert "is not UTF-8 text (byte 10 is 0xe8)" in str(caught.value)


def test_a_file_over_1_mb_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.toml"
    path.write_text(HEAD + KETOPROFEN + "# " + "x" * MAX_FILE_BYTES + "\n", "utf-8")
    with pytest.raises(FormulaFileError, match="is larger than 1 MB"):
        load_formula(path)


def test_a_file_just_under_the_limit_loads(tmp_path: Path) -> None:
    body = HEAD + KETOPROFEN
    path = tmp_path / "padded.toml"
    path.write_text(body + "#" * (MAX_FILE_BYTES - len(body) - 1) + "\n", "utf-8")
    assert path.stat().st_size == MAX_FILE_BYTES
    assert load_formula(path).name == "x"


def test_json_file_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text('{\n  "name": "x",\n  "dosage_form": \n}\n', "utf-8")
    with pytest.raises(FormulaFileError) as caught:
        load_formula(path)
    assert (caught.value.file, caught.value.line) == (str(path), 4)


def test_errors_are_value_errors_for_callers_that_do_not_know_compoundkit() -> None:
    with pytest.raises(ValueError, match="not valid TOML"):
        loads_toml("= nope")
