"""The ``ingredients`` command group (list, show, search), invoked through click."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from compoundkit import ingredients as catalog
from compoundkit.cli import main
from compoundkit.cli.ingredients import ingredients
from compoundkit.errors import UnknownIngredientError


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_bare_group_prints_table(runner: CliRunner) -> None:
    result = runner.invoke(ingredients, [])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("id")
    for ident in catalog.ids():
        assert any(line.startswith(ident) for line in lines)
    assert "[unsourced]" in result.output  # guaifenesin's range
    assert "not medical advice" in result.output


def test_list_json_validates(runner: CliRunner) -> None:
    result = runner.invoke(ingredients, ["--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    jsonschema.validate(data, catalog.schema(), cls=jsonschema.Draft202012Validator)
    assert len(data["ingredients"]) == 4


def test_show_card(runner: CliRunner) -> None:
    result = runner.invoke(ingredients, ["show", "Cyclobenzaprine HCl"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("Cyclobenzaprine (cyclobenzaprine)")
    assert "Mechanism:" in out
    assert "brainstem" in out
    assert "topical: against" in out
    assert "1 g = 1.1324 g hydrochloride" in out  # base -> HCl (the weighed form)
    assert "1 g hydrochloride = 0.8831 g" in out
    assert "Cautions" in out
    assert "serotonin" in out.lower()
    assert "[brutcher-2019]" in out


def test_show_magnesium_card(runner: CliRunner) -> None:
    result = runner.invoke(ingredients, ["show", "magnesium-chloride", "--format", "table"])
    assert result.exit_code == 0
    assert "4.919 mmol = 9.84 mEq" in result.output
    assert "CLAIM, unsupported" in result.output
    assert "must state the form" in result.output


def test_show_json(runner: CliRunner) -> None:
    result = runner.invoke(ingredients, ["show", "guaifenesen", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["id"] == "guaifenesin"
    assert data["typical_strength"]["sourced"] is False


def test_show_unknown_raises_compoundkit_error(runner: CliRunner) -> None:
    result = runner.invoke(ingredients, ["show", "ketoprofin"])
    assert result.exit_code != 0
    assert isinstance(result.exception, UnknownIngredientError)
    assert "did you mean 'ketoprofen'" in str(result.exception)


def test_bad_format_is_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(ingredients, ["--format", "csv"])
    assert result.exit_code == 2
    assert "Invalid value" in result.output


def test_search(runner: CliRunner) -> None:
    result = runner.invoke(ingredients, ["search", "--condition", "muscle spasm"])
    assert result.exit_code == 0
    assert "cyclobenzaprine" in result.output
    assert "ketoprofen" not in result.output
    result = runner.invoke(ingredients, ["search", "--class", "nsaid", "--format", "json"])
    assert [i["id"] for i in json.loads(result.output)] == ["ketoprofen"]
    result = runner.invoke(ingredients, ["search", "zzz"])
    assert result.exit_code == 0
    assert "no ingredient matches" in result.output
    result = runner.invoke(ingredients, ["search"])
    assert result.exit_code == 2


# --------------------------------------------------------------------------- real entry point


@pytest.fixture
def fresh_default_catalog() -> Iterator[None]:
    catalog.reset()
    yield
    catalog.reset()


_USER_TOML = """
[[ingredients]]
id = "example-active"
name = "Example active"
drug_class = "example"
default_form = "base"

[ingredients.mechanism]
summary = "Example."
sources = ["r1"]

[[ingredients.uses]]
condition = "example"
route = "topical"
evidence = "theoretical"
summary = "Example data for a test."
sources = ["r1"]

[[ingredients.forms]]
id = "base"
name = "Example active"
formula = "C10H14O4"
molecular_weight = {mw}
sources = ["r1"]

[ingredients.physicochemical]

[[ingredients.references]]
id = "r1"
citation = "Test data."
kind = "secondary"
"""


def test_main_show_unknown_exits_2(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ingredients", "show", "ketoprofin"])
    assert result.exit_code == 2
    assert "did you mean 'ketoprofen'" in result.stderr
    assert "Traceback" not in result.output


def test_main_lists(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ingredients"])
    assert result.exit_code == 0
    assert "magnesium-chloride" in result.output


def test_main_catalog_option(
    runner: CliRunner, tmp_path: Path, fresh_default_catalog: None
) -> None:
    path = tmp_path / "house.toml"
    path.write_text(_USER_TOML.format(mw="198.22"), encoding="utf-8")
    result = runner.invoke(main, ["--catalog", str(path), "ingredients", "show", "Example Active"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Example active (example-active)")


def test_main_bad_catalog_file_exits_2(
    runner: CliRunner, tmp_path: Path, fresh_default_catalog: None
) -> None:
    path = tmp_path / "house.toml"
    path.write_text(_USER_TOML.format(mw="199.5"), encoding="utf-8")
    result = runner.invoke(main, ["--catalog", str(path), "ingredients"])
    assert result.exit_code == 2
    assert "(entry 'example-active')" in result.stderr
    line = _USER_TOML.splitlines().index("molecular_weight = {mw}") + 1
    assert f"house.toml:{line}: ingredients[0].forms[0].molecular_weight: recorded 199.5" in (
        result.stderr
    )
    assert "example-active" not in catalog.ids()


def test_search_route_filter(runner: CliRunner) -> None:
    result = runner.invoke(ingredients, ["search", "spasm", "--route", "topical"])
    assert result.exit_code == 0, result.output
    assert "best-supported topical use" in result.output
    assert "(compounded topical) (against)" in result.output
    assert "short-term adjunct" not in result.output  # the oral use is not shown
    strong = runner.invoke(
        ingredients, ["search", "spasm", "--route", "topical", "--min-evidence", "limited"]
    )
    assert (strong.exit_code, strong.output.strip()) == (0, "no ingredient matches")
    data = runner.invoke(ingredients, ["search", "--route", "intravenous", "--format", "json"])
    assert [i["id"] for i in json.loads(data.output)] == ["guaifenesin"]


def test_search_bad_route_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(ingredients, ["search", "spasm", "--route", "skin"])
    assert result.exit_code == 2
    assert "--route" in result.output
    assert "'skin'" in result.output
    assert "topical" in result.output  # the allowed routes are listed
