"""``compoundkit check FORMULA``: through the real entry point, and through click."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compoundkit.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

HEAD = 'name = "x"\ndosage_form = "cream"\nvehicle = "lipoderm-activemax"\n'
KETOPROFEN = '[[ingredients]]\nname = "ketoprofen"\nstrength = "10 % w/w"\n'


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``python -m compoundkit ...`` in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "compoundkit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )


def assert_one_line_error(stderr: str, fragment: str) -> None:
    assert "Traceback" not in stderr
    first = stderr.splitlines()[0]
    assert first.startswith("compoundkit: error: ")
    assert fragment in first


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# ----------------------------------------------------------------------- real entry point


def test_clean_formula_exits_0() -> None:
    result = run("check", "examples/zinc-oxide-ointment.toml")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "no findings\n"
    assert result.stderr == "examples/zinc-oxide-ointment.toml: 0 error(s), 0 warning(s)\n"


def test_warnings_only_exit_0() -> None:
    result = run("check", "examples/muscle-spasm-cream.toml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("CK111 warning  Guaifenesin  Guaifenesin is salted out")
    assert "0 error(s), 1 warning(s)" in result.stderr


def test_errors_exit_1() -> None:
    result = run("check", str(EXAMPLES / "wrong-formula.toml"))
    assert result.returncode == 1
    assert "CK110 error    Cyclobenzaprine" in result.stdout
    assert "5 error(s), 5 warning(s)" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (None, "missing.toml: no such file"),
        (b"\xff\xfe\x00garbage\x00", "is not UTF-8 text"),
        (b'name = "x\n', "not valid TOML"),
        (
            HEAD.encode() + b"colour = 1\n" + KETOPROFEN.encode(),
            "colour: unknown key; allowed: name, dosage_form",
        ),
    ],
)
def test_unreadable_file_exits_2_with_one_line(
    tmp_path: Path, content: bytes | None, fragment: str
) -> None:
    path = tmp_path / "missing.toml"
    if content is not None:
        path.write_bytes(content)
    result = run("check", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert_one_line_error(result.stderr, fragment)


def test_several_problems_are_listed_under_the_error_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\ncolour = 1\ndosage_form = "cream"\nvehicle = "nope"\n')
    result = run("check", "bad.toml", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "compoundkit: error: bad.toml: 3 problems:"
    assert lines[1].startswith("    bad.toml:2: colour: unknown key; allowed: name, ")
    assert lines[2].startswith("    bad.toml:4: vehicle: unknown vehicle 'nope'")
    assert lines[3].startswith("    bad.toml: ingredients: a formula needs at least one")


# ----------------------------------------------------------------------- click runner


def check(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(main, ["check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_text_output_is_linter_like(runner: CliRunner) -> None:
    code, out, err = check(runner, str(EXAMPLES / "wrong-formula.toml"))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("CK101 error    Magnesium chloride  5 % w/v: ")
    assert lines[1].startswith("      hint: give the measured density")
    assert "CK103 error    -  actives and excipients weigh 102 %" in out
    assert out.rstrip().splitlines()[-2].startswith("CK102 info     Guaifenesin")
    assert err.endswith("wrong-formula.toml: 5 error(s), 5 warning(s)\n")


def test_json_output_parses_with_every_field(runner: CliRunner) -> None:
    code, out, err = check(runner, str(EXAMPLES / "wrong-formula.toml"), "--format", "json")
    assert code == 1
    assert err == ""  # JSON output is for programs: no summary line
    findings = json.loads(out)
    assert len(findings) == 11
    for finding in findings:
        assert set(finding) == {"code", "severity", "component", "message", "hint", "source"}
        assert finding["severity"] in ("error", "warning", "info")
        assert finding["source"]
    first = findings[0]
    assert (first["code"], first["severity"], first["component"]) == (
        "CK101",
        "error",
        "Magnesium chloride",
    )
    assert "density" in first["hint"]
    total = next(f for f in findings if f["code"] == "CK103")
    assert total["component"] is None


def test_json_output_of_a_clean_formula_is_an_empty_list(runner: CliRunner) -> None:
    code, out, _ = check(runner, str(EXAMPLES / "zinc-oxide-ointment.toml"), "--format", "json")
    assert code == 0
    assert json.loads(out) == []


def test_a_json_formula_file_is_checked_too(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "gel.json"
    path.write_text(
        json.dumps(
            {
                "name": "gel",
                "dosage_form": "gel",
                "vehicle": "plo",
                "container": "light-resistant syringe",
                "ingredients": [{"name": "ketoprofen", "strength": "10 % w/w"}],
            }
        )
    )
    code, out, _ = check(runner, str(path))
    assert code == 0
    assert out.startswith("CK112 info ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEAD + 'container = "amber jar"\n' + KETOPROFEN, 0),  # CK112 info only
        (HEAD + KETOPROFEN, 0),  # CK112 warning only
        (HEAD + KETOPROFEN.replace("10 %", "60 %"), 0),  # CK105 warning
        (HEAD + KETOPROFEN + KETOPROFEN, 1),  # CK104 error
        (HEAD.replace("cream", "potion") + KETOPROFEN, 1),  # CK116 error
    ],
)
def test_exit_code_follows_the_worst_finding(
    runner: CliRunner, tmp_path: Path, text: str, expected: int
) -> None:
    path = tmp_path / "f.toml"
    path.write_text(text)
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == expected, result.output


def test_a_key_after_a_table_header_belongs_to_the_table(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "f.toml"
    path.write_text(HEAD + KETOPROFEN + 'container = "amber jar"\n')
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 2
    assert_one_line_error(result.stderr, "f.toml:7: ingredients[0].container: unknown key")
    assert "allowed: name, form, strength, amount, expressed_as" in result.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["missing.toml"], "missing.toml: no such file"),
        (["."], "is a folder"),
    ],
)
def test_input_errors_exit_2(runner: CliRunner, args: list[str], fragment: str) -> None:
    result = runner.invoke(main, ["check", *args])
    assert result.exit_code == 2
    assert_one_line_error(result.stderr, fragment)


def test_usage_errors_exit_2(runner: CliRunner) -> None:
    assert runner.invoke(main, ["check"]).exit_code == 2
    bad_format = runner.invoke(main, ["check", "f.toml", "--format", "xml"])
    assert bad_format.exit_code == 2
    assert "'xml' is not one of 'text', 'json'" in bad_format.stderr


def test_help_shows_examples_and_exit_codes(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "--help"])
    assert result.exit_code == 0
    assert "compoundkit check examples/muscle-spasm-cream.toml" in result.output
    assert "Exit codes: 0 clean or warnings only, 1 errors found, 2 file unreadable." in (
        " ".join(result.output.split())
    )
