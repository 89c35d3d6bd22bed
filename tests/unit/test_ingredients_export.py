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
from compoundkit.ingredients import Catalog, _spec

PACKAGE = Path(ingredients.__file__).parent


def test_schema_is_valid_and_in_sync_with_the_format() -> None:
    shipped = ingredients.schema()
    jsonschema.Draft202012Validator.check_schema(shipped)
    # the shipped file is generated: regenerate with python -m compoundkit.ingredients._spec
    assert shipped == ingredients.json_schema()
    text = (PACKAGE / ingredients.SCHEMA_FILE).read_text(encoding="utf-8")
    assert text == _spec.render_schema()


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


def test_schema_rejects_what_the_loader_rejects() -> None:
    data = json.loads(ingredients.export_json())
    data["ingredients"][0]["uses"][0]["evidence"] = "strong"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, ingredients.schema(), cls=jsonschema.Draft202012Validator)


def test_tampered_computed_weight_refused() -> None:
    data = ingredients.export_dict()
    data["ingredients"][0]["forms"][0]["computed_molecular_weight"] = 250.0
    with pytest.raises(CatalogError, match="computes"):
        ingredients.from_dict(data, file="export.json")


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
