"""JSON export, the published JSON Schema, round trips, notebook view and import cost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from compoundkit import ingredients
from compoundkit.errors import CatalogError
from compoundkit.ingredients import Catalog, _schema

PACKAGE = Path(ingredients.__file__).parent


def test_schema_is_valid_and_in_sync_with_the_format() -> None:
    shipped = ingredients.schema()
    jsonschema.Draft202012Validator.check_schema(shipped)
    # the shipped file is generated: regenerate with python -m compoundkit.ingredients._schema
    assert shipped == ingredients.json_schema()
    text = (PACKAGE / ingredients.SCHEMA_FILE).read_text(encoding="utf-8")
    assert text == _schema.render_schema()


def test_schema_is_generated_from_the_model_classes() -> None:
    """Each class is a definition; each field a property with its docstring and constraints."""
    schema = ingredients.json_schema()
    form = schema["$defs"]["Form"]
    assert form["description"].startswith("One chemical form of an ingredient")
    assert form["required"] == ["id", "name", "formula", "molecular_weight", "sources"]
    assert form["properties"]["cas"]["pattern"] == "^[0-9]{2,7}-[0-9]{2}-[0-9]$"
    assert form["properties"]["molecular_weight"]["exclusiveMinimum"] == 0
    assert "ingredient_id" not in form["properties"]  # not part of the format
    assert "origin" not in schema["$defs"]["Ingredient"]["properties"]
    assert schema["$defs"]["Ingredient"]["properties"]["forms"] == {
        "description": "Chemical forms.",
        "type": "array",
        "items": {"$ref": "#/$defs/Form"},
        "minItems": 1,
    }
    flag = schema["$defs"]["Physicochemical"]["properties"]["light_sensitive"]
    assert flag["$ref"] == "#/$defs/Flag"
    kinds = schema["$defs"]["Reference"]["properties"]["kind"]["enum"]
    assert kinds[0] == "monograph"
    for definition in schema["$defs"].values():
        for prop in definition["properties"].values():
            assert prop["description"]


def test_export_validates_against_schema() -> None:
    data = json.loads(ingredients.export_json())
    jsonschema.validate(data, ingredients.schema(), cls=jsonschema.Draft202012Validator)
    assert data["schema_version"] == 1
    assert "not medical advice" in data["disclaimer"]
    assert [i["id"] for i in data["ingredients"]] == list(ingredients.ids())


def test_shipped_toml_files_validate_against_schema() -> None:
    import tomllib

    for path in sorted((PACKAGE / "data").glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        jsonschema.validate(doc, ingredients.schema(), cls=jsonschema.Draft202012Validator)


def test_export_round_trips() -> None:
    catalog = Catalog(entry_points=False)
    data = json.loads(ingredients.export_json(catalog.all()))
    assert ingredients.from_dict(data) == catalog.all()


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("uses", 0, "evidence"), "strong"),
        (("forms", 0, "cas"), "22071154"),
        (("forms", 0, "molecular_weight"), "254.28"),
        (("forms", 0, "moiety_count"), 0),
        (("references", 0, "kind"), "blog"),
        (("synonyms",), "Orudis"),
        (("name",), ""),
        (("misspelling",), ["x"]),
    ],
)
def test_schema_rejects_what_the_loader_rejects(path: tuple[str | int, ...], value: object) -> None:
    data = json.loads(ingredients.export_json())
    node = data["ingredients"][0]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, ingredients.schema(), cls=jsonschema.Draft202012Validator)
    with pytest.raises(CatalogError):
        ingredients.from_dict(data)


def test_export_numbers_have_no_binary_noise() -> None:
    """Regression: computed weights were exported as 254.28499999999997."""
    text = ingredients.export_json()
    assert "0000000" not in text
    assert "9999999" not in text
    data = json.loads(text)
    weights = {
        form["id"]: form["computed_molecular_weight"]
        for ing in data["ingredients"]
        for form in ing["forms"]
    }
    assert weights["free-acid"] == 254.285
    assert weights["anhydrous"] == 95.205
    # loaded back, compoundkit uses its own computed float, not the shown figure
    again = ingredients.from_dict(data)
    ket = next(i for i in again if i.id == "ketoprofen")
    assert ket == ingredients.get("ketoprofen")
    assert (
        ket.form().computed_molecular_weight
        == ingredients.get("ketoprofen").form().computed_molecular_weight
    )


def test_tampered_computed_weight_refused() -> None:
    data = ingredients.export_dict()
    data["ingredients"][0]["forms"][0]["computed_molecular_weight"] = 250.0
    with pytest.raises(CatalogError, match="computes") as info:
        ingredients.from_dict(data, file="export.json")
    assert "export.json: ingredients[0].forms[0].computed_molecular_weight: 250.0 is not" in str(
        info.value
    )


def test_to_dict() -> None:
    mg = ingredients.get("magnesium chloride").to_dict()
    assert mg["id"] == "magnesium-chloride"
    assert mg["valence"] == {"value": 2, "sources": ["ck-domain"]}
    assert mg["strength_form_required"] is True
    assert mg["physicochemical"]["deliquescent"]["value"] is True
    assert {f["id"] for f in mg["forms"]} == {"hexahydrate", "anhydrous", "elemental-magnesium"}
    ket = ingredients.get("ketoprofen").to_dict()
    assert ket["typical_strength"]["low"] == "5 % w/w"
    assert ket["typical_strength"]["sourced"] is True
    assert "route" not in ket["typical_strength"]  # the default (topical) is left out
    assert ket["forms"][0]["computed_molecular_weight"] == pytest.approx(254.285)
    assert list(ket)[:3] == ["id", "name", "trade_names"]  # the format's key order
    json.dumps(ket)  # JSON-ready


def test_repr_html_and_repr() -> None:
    ket = ingredients.get("ketoprofen")
    page = ket._repr_html_()
    assert "<h4>Ketoprofen" in page
    assert "established" in page
    assert "C16H14O3" in page
    assert repr(ket) == "<Ingredient 'ketoprofen': Ketoprofen, 3 form(s)>"


def test_import_is_light_and_loading_is_lazy() -> None:
    code = (
        "import sys, compoundkit.ingredients as i;"
        "heavy = [m for m in ('pint', 'numpy', 'molmass', 'cattrs') if m in sys.modules];"
        "assert not heavy, heavy;"
        "assert i.default_catalog()._index is None;"
        "i.get('ketoprofen');"
        "assert 'pint' not in sys.modules and 'numpy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_catalog_imports_after_the_converter_is_made() -> None:
    """The converter, once made, teaches itself the catalog classes as they are imported."""
    code = (
        "from compoundkit import documents; documents.converter();"
        "from compoundkit import ingredients;"
        "assert ingredients.get('ketoprofen').to_dict()['id'] == 'ketoprofen'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
