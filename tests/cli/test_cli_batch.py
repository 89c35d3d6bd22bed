"""`compoundkit batch` and the top-level group, through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compoundkit import __version__
from compoundkit.cli import main

ROOT = Path(__file__).resolve().parents[2]
CREAM = str(ROOT / "examples" / "muscle-spasm-cream.toml")
WRONG = str(ROOT / "examples" / "wrong-formula.toml")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "compoundkit", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_batch_json_through_the_real_entry_point() -> None:
    result = _run("batch", CREAM, "--size", "120g", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["formula"] == "Muscle spasm cream"
    assert data["batch"]["size"] == {"value": 120.0, "unit": "gram"}
    weighs = {line["name"]: line["weigh"]["value"] for line in data["lines"]}
    assert weighs == pytest.approx(
        {"Ketoprofen": 12.0, "Cyclobenzaprine": 2.4, "Guaifenesin": 12.0, "Magnesium chloride": 6.0}
    )
    assert data["vehicle"]["weigh"]["value"] == pytest.approx(87.6)


def test_bad_option_is_one_line_and_exit_2() -> None:
    result = _run("batch", CREAM, "--size", "120 furlongs")
    assert result.returncode == 2
    assert result.stderr.startswith("compoundkit: error: ")
    assert "unknown unit 'furlongs'" in result.stderr
    assert "Traceback" not in result.stderr


def test_formula_with_errors_exits_1_with_findings() -> None:
    result = _run("batch", WRONG, "--size", "120g")
    assert result.returncode == 1
    assert "CK103" in result.stderr
    assert "not computed" in result.stderr
    assert result.stdout == ""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_table_has_every_line_and_the_vehicle(runner: CliRunner) -> None:
    result = runner.invoke(main, ["batch", CREAM, "--size", "30g", "--count", "4"])
    assert result.exit_code == 0, result.output
    for text in ("Ketoprofen", "Cyclobenzaprine", "Guaifenesin", "Magnesium chloride"):
        assert text in result.output
    assert "87.600 g" in result.output  # 4 x 30 g = 120 g
    assert "\x1b[" not in result.output  # no colour when not a terminal


def test_csv_and_markdown(runner: CliRunner) -> None:
    csv_out = runner.invoke(main, ["batch", CREAM, "--size", "120g", "--format", "csv"])
    assert csv_out.exit_code == 0
    rows = csv_out.output.strip().splitlines()
    assert rows[0] == ("name,form,strength,factor,potency_percent,weigh_g,rounded_g,below_minimum")
    assert len(rows) == 6  # header, 4 lines, vehicle
    md = runner.invoke(main, ["batch", CREAM, "--size", "120g", "--format", "markdown"])
    assert md.exit_code == 0
    assert md.output.startswith("# Weigh sheet: Muscle spasm cream")


def test_json_and_csv_numbers_have_no_binary_noise(runner: CliRunner) -> None:
    """Regression: 126 g x 10 % was printed as 12.600000000000001; CSV potency was 0.985."""
    base = ["batch", CREAM, "--size", "126g", "--potency", "ketoprofen=98.5%"]
    as_json = runner.invoke(main, [*base, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    assert "0000000" not in as_json.output
    lines = {line["name"]: line for line in json.loads(as_json.output)["lines"]}
    assert lines["Guaifenesin"]["weigh"]["value"] == 12.6
    as_csv = runner.invoke(main, [*base, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    assert "0000000" not in as_csv.output
    assert '"Guaifenesin","base","10 % w/w",1.0,100.0,12.6,12.6,"no"' in as_csv.output
    assert '"Ketoprofen","free-acid","10 % w/w",1.0,98.5,' in as_csv.output


def test_potency_excess_and_balance_options(runner: CliRunner) -> None:
    args = ["batch", CREAM, "--size", "120g", "--excess", "5%", "--format", "json"]
    args += ["--potency", "ketoprofen=98.5%", "--balance", "usp41:s=0.15mg,d=0.1mg"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    ketoprofen = data["lines"][0]
    # 126 g x 10 % / 0.985 = 12.791878 g
    assert ketoprofen["weigh"]["value"] == pytest.approx(12.6 / 0.985)
    assert ketoprofen["potency"] == {"value": 98.5, "unit": "percent"}
    assert data["batch"]["excess"] == {"value": 5.0, "unit": "percent"}
    assert "USP <41>" in data["balance"]["description"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--size", "0g"], "must be greater than zero"),
        (["--size", "120mL"], "is a volume"),
        (["--size", "120g", "--potency", "ketoprofen"], "--potency: 'ketoprofen' should be"),
        (["--size", "120g", "--potency", "morphine=99%"], "not in this formula"),
        (["--size", "120g", "--potency", "ketoprofen=120%"], "at most 100 %"),
        (["--size", "120g", "--balance", "sr=abc"], "sr"),
        (["--size", "120g", "--count", "0"], "count must be a whole number"),
        (["--size", "120g", "--excess", "lots"], "excess"),
        (["--size", "120g", "--format", "pdf"], "Invalid value for '--format'"),
    ],
)
def test_bad_batch_options_exit_2(runner: CliRunner, args: list[str], fragment: str) -> None:
    result = runner.invoke(main, ["batch", CREAM, *args])
    assert result.exit_code == 2
    assert fragment in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_missing_file_and_garbage_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(main, ["batch", "nope.toml", "--size", "1g"]).exit_code == 2
    garbage = tmp_path / "garbage.toml"
    garbage.write_bytes(b"\xff\xfe not toml")
    result = runner.invoke(main, ["batch", str(garbage), "--size", "1g"])
    assert result.exit_code == 2
    assert "not UTF-8" in result.output


def test_version_and_help(runner: CliRunner) -> None:
    assert __version__ in runner.invoke(main, ["--version"]).output
    top = runner.invoke(main, ["--help"]).output
    assert "does not replace professional judgment" in top
    for command in ("batch", "check", "ingredients", "bud", "record", "log"):
        assert command in top
    help_text = runner.invoke(main, ["batch", "--help"]).output
    assert "Examples:" in help_text
    assert "--potency" in help_text


def test_catalog_option_adds_ingredients(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("ingredients = 1\n", encoding="utf-8")
    result = runner.invoke(main, ["--catalog", str(bad), "ingredients"])
    assert result.exit_code == 2
    assert "bad.toml" in result.output


def test_check_takes_several_formulas(runner: CliRunner) -> None:
    keto = str(ROOT / "examples" / "ketoprofen-gel.toml")
    result = runner.invoke(main, ["check", keto, CREAM])
    assert result.exit_code == 0
    assert f"{keto}: CK112" in result.output
    assert f"{CREAM}: CK111" in result.output
    with_errors = runner.invoke(main, ["check", keto, WRONG])
    assert with_errors.exit_code == 1
    unreadable = runner.invoke(main, ["check", keto, "nope.toml", "--format", "json"])
    assert unreadable.exit_code == 2
    data = json.loads(unreadable.stdout)
    assert data["nope.toml"] == {"error": "nope.toml: no such file"}
    assert data[keto][0]["code"] == "CK112"


def test_shell_completion_scripts(runner: CliRunner) -> None:
    for shell in ("bash", "zsh", "fish"):
        result = runner.invoke(main, ["completion", shell])
        assert result.exit_code == 0
        assert "_COMPOUNDKIT_COMPLETE" in result.output
