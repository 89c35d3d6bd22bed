"""Bad catalog files fail clearly: every problem is listed as ``file:line: field.path:
message (entry '...')``, and nothing registers."""

from __future__ import annotations

import re
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


def _fails(
    tmp_path: Path,
    doc: dict[str, Any],
    path: str,
    message: str,
    *,
    entry: str | None = "my-ketoprofen",
    key_line: bool = False,
) -> CatalogError:
    """Loading ``doc`` fails, first at document ``path`` (``ingredients[0].forms[1].cas``),
    rendered ``file:line: path: ...message... (entry '...')``; with ``key_line`` the line
    is the one where the path's last key is written."""
    catalog = Catalog(entry_points=False)
    before = catalog.all()
    file = _write(tmp_path, doc)
    with pytest.raises(CatalogError) as info:
        catalog.load_file(file)
    err = info.value
    first = err.problems[0]
    assert err.file == str(file)
    assert first.field == path
    assert err.entry == entry
    assert err.field == (re.sub(r"^ingredients\[\d+\]\.", "", path) if entry else path)
    named = f" (entry {entry!r})" if entry else ""
    rendered = first.render(err.file)
    assert re.fullmatch(
        rf"{re.escape(str(file))}:\d+: {re.escape(path)}: .+{re.escape(named)}", rendered
    )
    assert message in rendered
    assert rendered in str(err)
    if key_line:
        assert first.line is not None
        line = file.read_text(encoding="utf-8").splitlines()[first.line - 1]
        assert line.startswith(path.rsplit(".", 1)[-1].split("[")[0] + " ="), line
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
    _fails(tmp_path, doc, "ingredients[0].forms[1].formula", "required, but missing")


def test_wrong_type(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["forms"][1]["molecular_weight"] = "276.26"
    _fails(
        tmp_path,
        doc,
        "ingredients[0].forms[1].molecular_weight",
        "must be a number, not the text '276.26'",
        key_line=True,
    )


def test_wrong_type_boolean_is_not_a_number(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["forms"][0]["molecular_weight"] = True
    _fails(tmp_path, doc, "ingredients[0].forms[0].molecular_weight", "must be a number, not true")


def test_unknown_unit_in_strength(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["typical_strength"]["high"] = "20 grains/oz"
    _fails(
        tmp_path,
        doc,
        "ingredients[0].typical_strength.high",
        "invalid strength '20 grains/oz': 'grains' (grain) is not accepted",
        key_line=True,
    )


def test_bad_strength_basis(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["typical_strength"]["low"] = "5 % w/x"
    _fails(tmp_path, doc, "ingredients[0].typical_strength.low", "invalid strength '5 % w/x'")


def test_low_above_high(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["typical_strength"]["low"] = "30 % w/w"
    _fails(tmp_path, doc, "ingredients[0].typical_strength.low", "above high", key_line=True)


def test_mixed_basis_range(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["typical_strength"]["low"] = "5 % w/v"
    _fails(tmp_path, doc, "ingredients[0].typical_strength", "cannot compare")


def test_duplicate_id_in_file(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"].append(dict(doc["ingredients"][0]))
    _fails(tmp_path, doc, "ingredients[1].id", "duplicate id 'my-ketoprofen'", key_line=True)


def test_duplicate_of_shipped_id(tmp_path: Path) -> None:
    catalog = Catalog(entry_points=False)
    path = _write(tmp_path, _ketoprofen_doc("guaifenesin"))
    with pytest.raises(CatalogError) as info:
        catalog.load_file(path)
    err = info.value
    assert (err.file, err.entry, err.field) == (str(path), "guaifenesin", "id")
    assert str(err) == (
        f"{path}: id: 'guaifenesin' is already id in the catalog (from shipped); pass "
        "override=True to replace it deliberately (entry 'guaifenesin')"
    )
    assert catalog.get("guaifenesin").drug_class.startswith("expectorant")


def test_molecular_weight_disagrees(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["forms"][1]["molecular_weight"] = 276.30  # computed 276.267
    _fails(
        tmp_path,
        doc,
        "ingredients[0].forms[1].molecular_weight",
        "recorded 276.3 g/mol disagrees with 276.267 g/mol",
        key_line=True,
    )


def test_molecular_weight_within_tolerance(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["forms"][1]["molecular_weight"] = 276.275  # 0.008 off: accepted
    Catalog(entry_points=False).load_file(_write(tmp_path, doc))


def test_unreadable_formula(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["forms"][2]["formula"] = "C16H14O3)"
    _fails(
        tmp_path,
        doc,
        "ingredients[0].forms[2].formula",
        "cannot read formula 'C16H14O3)'",
        key_line=True,
    )


def test_unknown_reference(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["uses"][0]["sources"] = ["nowhere"]
    _fails(
        tmp_path,
        doc,
        "ingredients[0].uses[0].sources[0]",
        "unknown reference id 'nowhere'",
        key_line=True,
    )


def test_bad_evidence_word(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["uses"][0]["evidence"] = "strong"
    _fails(
        tmp_path,
        doc,
        "ingredients[0].uses[0].evidence",
        "'strong' is not allowed; allowed: established, limited",
        key_line=True,
    )


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["synonym"] = ["typo"]
    _fails(tmp_path, doc, "ingredients[0].synonym", "unknown key; allowed: id, name, synonyms")


def test_unknown_form_reference(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["default_form"] = "ester"
    _fails(tmp_path, doc, "ingredients[0].default_form", "'ester' is not a form id", key_line=True)


def test_bad_cas_pattern(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["forms"][0]["cas"] = "22071154"
    _fails(tmp_path, doc, "ingredients[0].forms[0].cas", "'22071154' does not match", key_line=True)


def test_several_problems_reported_together(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    entry = doc["ingredients"][0]
    del entry["drug_class"]
    entry["forms"][0]["molecular_weight"] = "x"
    err = _fails(tmp_path, doc, "ingredients[0].drug_class", "required, but missing")
    assert "2 problems" in str(err)
    assert "ingredients[0].forms[0].molecular_weight: must be a number" in str(err)


def test_entry_without_id_is_named_by_position(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    del doc["ingredients"][0]["id"]
    _fails(tmp_path, doc, "ingredients[0].id", "required, but missing", entry="#1")


def test_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[[ingredients]\nid = ", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid TOML") as info:
        Catalog(entry_points=False).load_file(path)
    assert info.value.file == str(path)


def test_newer_schema_version(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["schema_version"] = 99
    _fails(
        tmp_path,
        doc,
        "schema_version",
        "schema_version 99 is newer than this compoundkit reads",
        entry=None,
        key_line=True,
    )


def test_from_toml_does_not_register() -> None:
    text = (DATA / "guaifenesin.toml").read_text(encoding="utf-8")
    (parsed,) = ingredients.from_toml(text, file="guaifenesin.toml")
    assert parsed == Catalog(entry_points=False).get("guaifenesin")


def test_ambiguous_form_alias(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["forms"][1]["aliases"] = ["Free Acid"]
    _fails(tmp_path, doc, "ingredients[0].forms", "used by forms 'free-acid' and 'sodium'")


def test_problems_in_several_entries_are_listed_together(tmp_path: Path) -> None:
    doc = _ketoprofen_doc()
    second = _ketoprofen_doc("other-ketoprofen")["ingredients"][0]
    doc["ingredients"].append(second)
    doc["ingredients"][0]["forms"][0]["cas"] = "x"
    second["uses"][0]["evidence"] = "strong"
    second["forms"][0]["molecular_weight"] = 1.0
    err = _fails(tmp_path, doc, "ingredients[0].forms[0].cas", "'x' does not match")
    assert len(err.problems) == 3
    rendered = str(err)
    assert "ingredients[1].uses[0].evidence: the text 'strong' is not allowed" in rendered
    assert "ingredients[1].forms[0].molecular_weight: recorded 1 g/mol disagrees" in rendered
    assert rendered.count("(entry 'other-ketoprofen')") == 2


def test_a_json_document_names_fields_without_lines() -> None:
    doc = _ketoprofen_doc()
    doc["ingredients"][0]["forms"][0]["pubchem_cid"] = 0
    with pytest.raises(CatalogError) as info:
        ingredients.from_dict(doc, file="mine.json")
    assert str(info.value) == (
        "mine.json: ingredients[0].forms[0].pubchem_cid: must be at least 1, not 0 "
        "(entry 'my-ketoprofen')"
    )
