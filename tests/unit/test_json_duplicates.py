"""JSON formula and record files with a key given twice are refused, as TOML files are."""

from __future__ import annotations

from pathlib import Path

import pytest

from compoundkit import load_formula
from compoundkit.errors import FormulaFileError, RecordError
from compoundkit.records.serialize import loads_record

FORMULA = """{
  "name": "Cream", "dosage_form": "cream", "vehicle": "lipoderm",
  "ingredients": [{"name": "ketoprofen", "strength": "10 % w/w", "strength": "1 % w/w"}]
}"""


def test_a_formula_key_given_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cream.json"
    path.write_text(FORMULA, encoding="utf-8")
    with pytest.raises(FormulaFileError, match="key 'strength' is given twice"):
        load_formula(path)


def test_the_same_formula_without_the_duplicate_loads(tmp_path: Path) -> None:
    path = tmp_path / "cream.json"
    path.write_text(FORMULA.replace(', "strength": "1 % w/w"', ""), encoding="utf-8")
    assert str(load_formula(path).ingredients[0].strength) == "10 % w/w"


def test_a_record_key_given_twice_is_refused() -> None:
    with pytest.raises(RecordError, match="key 'schema' is given twice"):
        loads_record('{"schema": "compoundkit.mfr", "schema": "x"}', "json", source="r.json")
