"""The file-format reference pages list exactly the keys the loaders read.

``docs/formats.py`` writes the key tables of ``docs/content/reference/*-file.md`` from
the attrs classes the documents are structured with; a class that gains, renames or
drops a field makes this test fail until the pages are regenerated
(``python docs/formats.py``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import attrs

from compoundkit.formulas.io import FormulaFile
from compoundkit.records.serialize import load_record

REPO = Path(__file__).resolve().parents[2]
PAGES = REPO / "docs" / "content" / "reference"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("formats", REPO / "docs" / "formats.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_reference_pages_match_the_declarations() -> None:
    stale = _generator().stale_pages()
    assert stale == [], "run: python docs/formats.py"


def test_every_formula_file_key_is_in_the_reference() -> None:
    page = (PAGES / "formula-file.md").read_text(encoding="utf-8")
    for field in attrs.fields(FormulaFile):
        assert f"| `{field.alias}` |" in page, field.alias


def test_the_example_saved_mfr_loads_complete() -> None:
    mfr = load_record(PAGES / "ketoprofen-gel-mfr.toml")
    assert mfr.missing_elements() == ()
    assert [step.instruction.split()[0] for step in mfr.steps] == ["Weigh", "Add"]
