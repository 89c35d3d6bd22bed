"""Bad catalog files fail clearly: the error names file, entry and field, and nothing
registers."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from compoundkit import ingredients
from compoundkit.errors import CatalogError
from compoundkit.ingredients import Catalog

DATA = Path(ingredients.__file__).parent / "data"


def _ketoprofen_doc(new_id: str = "my-ketoprofen") -> dict[str, Any]:
    """The shipped ketoprofen entry under a new id and without its shipped names."""
    doc = tomllib.loads((DATA / "ketoprofen.toml").read_text(encoding="utf-8"))
    entry = doc["ingredients"][0]
    entry["id"] = new_id
    entry["name"] = new_id.replace("-", " ").title()
    entry.pop("trade_names")
    return doc


def _write(tmp_path: Path, doc: dict[str, Any], name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(tomli_w.dumps(doc), encoding="utf-8")
    return path


def _fails(tmp_path: Path, doc: dict[str, Any], field: str, message: str) -> CatalogError:
    catalog = Catalog(entry_points=False)
    before = catalog.all()
    path = _write(tmp_path, doc)
    with pytest.raises(CatalogError) as info:
        catalog.load_file(path)
    err = info.value
    assert err.file == str(path)
    assert err.field == field
    assert message in str(err)
    assert f"file {path}" in str(err)
    assert f"field {field!r}" in str(err)
    assert catalog.all() == before  # nothing registered
    return err


def test_good_copy_loads(tmp_path: Path) -> None:
    catalog = Catalog(entry_points=False)
    (loaded,) = catalog.load_file(_write(tmp_path, _ketoprofen_doc()))
    assert loaded.id == "my-ketoprofen"
    assert loaded.form("sodium").factor_to(loaded.form()) == pytest.approx(0.9204, abs=5e-5)


def test_missing_field(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    del doc["ingredients"][0]["forms"][1]["formula"]
    err = _fails(tmp_path, doc, "forms[1].formula", "missing required field")
    assert err.entry == "my-ketoprofen"


def test_wrong_type(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["forms"][1]["molecular_weight"] = "276.26"
    _fails(tmp_path, doc, "forms[1].molecular_weight", "expected a number, got str")


def test_wrong_type_boolean_is_not_a_number(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["forms"][0]["molecular_weight"] = True
    _fails(tmp_path, doc, "forms[0].molecular_weight", "expected a number")


def test_unknown_unit_in_strength(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["typical_strength"]["high"] = "20 grains/oz"
    _fails(tmp_path, doc, "typical_strength.high", "invalid strength '20 grains/oz'")


def test_bad_strength_basis(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["typical_strength"]["low"] = "5 % w/x"
    _fails(tmp_path, doc, "typical_strength.low", "invalid strength")


def test_low_above_high(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["typical_strength"]["low"] = "30 % w/w"
    _fails(tmp_path, doc, "typical_strength.low", "above high")


def test_mixed_basis_range(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["typical_strength"]["low"] = "5 % w/v"
    _fails(tmp_path, doc, "typical_strength", "cannot compare")


def test_duplicate_id_in_file(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"].append(dict(doc["ingredients"][0]))
    err = _fails(tmp_path, doc, "ingredients[1].id", "duplicate id 'my-ketoprofen'")
    assert err.entry == "my-ketoprofen"


def test_duplicate_of_shipped_id(tmp_path: Path) -> None:
    doc = _ketoprofen_doc("guaifenesin")
    err = _fails(tmp_path, doc, "id", "already id in the catalog")
    assert err.entry == "guaifenesin"


def test_molecular_weight_disagrees(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["forms"][1]["molecular_weight"] = 276.30  # computed 276.267
    err = _fails(tmp_path, doc, "forms[1].molecular_weight", "disagrees with 276.267 g/mol")
    assert err.entry == "my-ketoprofen"


def test_molecular_weight_within_tolerance(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["forms"][1]["molecular_weight"] = 276.275  # 0.008 off: accepted
    Catalog(entry_points=False).load_file(_write(tmp_path, doc))


def test_unreadable_formula(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["forms"][2]["formula"] = "C16H14O3)"
    _fails(tmp_path, doc, "forms[2].formula", "cannot read formula")


def test_unknown_reference(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["uses"][0]["sources"] = ["nowhere"]
    _fails(tmp_path, doc, "uses[0].sources[0]", "unknown reference id 'nowhere'")


def test_bad_evidence_word(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["uses"][0]["evidence"] = "strong"
    _fails(tmp_path, doc, "uses[0].evidence", "allowed: established, limited")


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["synonym"] = ["typo"]
    _fails(tmp_path, doc, "synonym", "unknown field")


def test_unknown_form_reference(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["default_form"] = "ester"
    _fails(tmp_path, doc, "default_form", "'ester' is not a form id")


def test_bad_cas_pattern(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["forms"][0]["cas"] = "22071154"
    _fails(tmp_path, doc, "forms[0].cas", "does not match")


def test_several_problems_reported_together(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    entry = doc["ingredients"][0]
    del entry["drug_class"]
    entry["forms"][0]["molecular_weight"] = "x"
    err = _fails(tmp_path, doc, "drug_class", "missing required field")
    assert "forms[0].molecular_weight" in str(err)


def test_entry_without_id_is_named_by_position(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    del doc["ingredients"][0]["id"]
    err = _fails(tmp_path, doc, "id", "missing required field")
    assert err.entry == "#1"


def test_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[[ingredients]\nid = ", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid TOML") as info:
        Catalog(entry_points=False).load_file(path)
    assert info.value.file == str(path)


def test_newer_schema_version(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["schema_version"] = 99
    _fails(tmp_path, doc, "schema_version", "newer than this compoundkit reads")


def test_from_toml_does_not_register() -> None:
    text = (DATA / "guaifenesin.toml").read_text(encoding="utf-8")
    (parsed,) = ingredients.from_toml(text, file="guaifenesin.toml")
    assert parsed == Catalog(entry_points=False).get("guaifenesin")


def test_ambiguous_form_alias(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["forms"][1]["aliases"] = ["Free Acid"]
    _fails(tmp_path, doc, "forms", "used by forms 'free-acid' and 'sodium'")


def test_a_shape_problem_is_still_reported_for_user_data_after_shipped_loads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from compoundkit.ingredients import _loader

    _loader.load_shipped()
    doc = _ketoprofen_doc()
    del doc["ingredients"][0]["forms"]
    with pytest.raises(CatalogError, match="forms"):
        _loader.from_dict(doc, file="mine.toml")
