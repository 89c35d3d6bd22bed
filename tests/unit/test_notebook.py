"""Notebook helpers: formulation HTML, batch-sheet and catalog DataFrames."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from compoundkit import CompoundkitError, ingredients
from compoundkit.formulas import Formulation
from compoundkit.formulas.io import load_formula, loads_toml
from compoundkit.formulas.notebook import (
    CATALOG_COLUMNS,
    SHEET_COLUMNS,
    MissingDependencyError,
    catalog_dataframe,
    formulation_html,
    sheet_dataframe,
)

EXAMPLE = "examples/muscle-spasm-cream.toml"


@pytest.fixture
def cream() -> Formulation:
    root = Path(__file__).resolve().parents[2]
    return load_formula(root / EXAMPLE)


def test_formulation_html_lists_every_line_and_the_bud_facts(cream: Formulation) -> None:
    html = formulation_html(cream)
    assert html.startswith("<div class='compoundkit-formulation'>")
    assert html.endswith("</div>")
    for text in (
        "Muscle spasm cream",
        "Ketoprofen",
        "Cyclobenzaprine",
        "hydrochloride",
        "Guaifenesin",
        "Magnesium chloride",
        "hexahydrate",
        "10 % w/w",
        "Lipoderm ActiveMax",
        "q.s.",
        "aqueous",
        "light-resistant airless pump",
    ):
        assert text in html, text


def test_formulation_html_escapes_text() -> None:
    f = loads_toml(
        """
name = "<script>alert(1)</script> & co"
dosage_form = "ointment"
makes = "100 g"
vehicle = { name = "petrolatum <b>", aqueous = false }
[[excipients]]
name = "zinc <oxide>"
amount = "14 g"
"""
    )
    html = formulation_html(f)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "zinc &lt;oxide&gt;" in html
    assert "petrolatum &lt;b&gt;" in html
    assert "14 g" in html
    assert "nonaqueous" in html
    assert "100 g" in html  # the reference batch


def test_sheet_dataframe_matches_the_sheet(cream: Formulation) -> None:
    sheet = cream.batch("120 g", potency={"ketoprofen": "98.5%"})
    frame = sheet_dataframe(sheet)
    assert isinstance(frame, pd.DataFrame)
    assert tuple(frame.columns) == SHEET_COLUMNS
    assert list(frame["name"]) == [line.name for line in sheet.lines] + [sheet.vehicle.name]
    assert list(frame["kind"]) == ["active"] * 4 + ["vehicle"]
    assert frame["weigh_g"].sum() == pytest.approx(120.0)
    ket = frame.set_index("name").loc["Ketoprofen"]
    assert ket["weigh_g"] == pytest.approx(12.0 / 0.985)
    assert ket["potency"] == pytest.approx(0.985)
    assert ket["strength"] == "10 % w/w"
    assert not frame["below_minimum"].any()


def test_sheet_dataframe_flags_lines_below_the_minimum() -> None:
    f = loads_toml(
        """
name = "Cyclobenzaprine 0.5 % cream"
dosage_form = "cream"
vehicle = "lipoderm-activemax"
[[ingredients]]
name = "cyclobenzaprine"
form = "hydrochloride"
strength = "0.5 % w/w"
"""
    )
    frame = sheet_dataframe(f.batch("15 g"))  # 75 mg < 120 mg minimum
    assert list(frame["below_minimum"]) == [True, False]
    assert frame["weigh_g"].iloc[0] == pytest.approx(0.075)


def test_sheet_dataframe_of_reference_amounts() -> None:
    f = loads_toml(
        """
name = "Zinc oxide ointment"
dosage_form = "ointment"
makes = "100 g"
vehicle = { name = "white petrolatum", aqueous = false }
[[excipients]]
name = "zinc oxide"
amount = "20 g"
"""
    )
    frame = sheet_dataframe(f.batch("50 g"))
    assert list(frame["strength"]) == ["20 g", "q.s."]
    assert list(frame["weigh_g"]) == pytest.approx([10.0, 40.0])


def test_catalog_dataframe_holds_the_four_actives() -> None:
    frame = catalog_dataframe()
    assert frame.index.name == "id"
    assert tuple(frame.columns) == CATALOG_COLUMNS[1:]
    assert set(frame.index) >= {"ketoprofen", "cyclobenzaprine", "guaifenesin"}
    assert "magnesium-chloride" in frame.index
    ket = frame.loc["ketoprofen"]
    assert ket["weighed_form"] == "free-acid"
    assert ket["formula"] == "C16H14O3"
    assert ket["mw_g_per_mol"] == pytest.approx(254.285, abs=0.01)
    assert bool(ket["light_sensitive"]) is True
    assert ket["best_evidence"] == "established"
    assert pd.isna(frame.loc["magnesium-chloride", "typical_strength"])


def test_catalog_dataframe_of_chosen_items() -> None:
    frame = catalog_dataframe([ingredients.get("guaifenesin")])
    assert list(frame.index) == ["guaifenesin"]
    assert frame.loc["guaifenesin", "typical_strength"].endswith("[unsourced]")


@pytest.mark.parametrize("call", ["sheet", "catalog"])
def test_missing_pandas_names_the_extra(
    cream: Formulation, monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    sheet = cream.batch("120 g")
    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` fail
    with pytest.raises(MissingDependencyError, match=r"compoundkit\[pandas\]") as info:
        sheet_dataframe(sheet) if call == "sheet" else catalog_dataframe()
    assert isinstance(info.value, ImportError)
    assert isinstance(info.value, CompoundkitError)
    assert info.value.name == "pandas"
