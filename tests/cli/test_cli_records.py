"""``compoundkit bud``, ``record mfr|cr`` and ``log ...``: through the real entry point.

A few cases run ``python -m compoundkit`` in a subprocess (the installed entry point, its
exit codes and stderr); the rest use click's CliRunner on the same ``main`` group.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from compoundkit.cli import main
from compoundkit.formulas import load_formula
from compoundkit.records.cr import CompoundingRecord
from compoundkit.records.mfr import CompoundingStep, MasterFormulationRecord, QualityCheck
from compoundkit.records.serialize import load_record, save_record

REPO = Path(__file__).resolve().parents[2]
CREAM = str(REPO / "examples" / "muscle-spasm-cream.toml")
OINTMENT = str(REPO / "examples" / "zinc-oxide-ointment.toml")
CR_ARGS = [
    "record", "cr", CREAM, "--size", "120g", "--id", "RX-1001", "--date", "2024-03-01",
    "--time", "09:30", "--lot", "ketoprofen=K123:2025-06-30",
    "--lot", "cyclobenzaprine=C9:2024-03-10", "--vendor", "ketoprofen=Acme",
    "--by", "C. Evans", "--verified-by", "B. Diaz", "--weighed", "ketoprofen=12.01g",
    "--weighed", "lipoderm activemax=87.7 g", "--qc", "appearance=smooth", "--draft",
]  # fmt: skip
# A draft: lots and weights for some lines only (tests/cli/test_cli_lifecycle.py makes final
# records).


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "compoundkit", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        check=False,
    )


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Work in an empty folder inside tmp_path (so ``..`` escapes are detectable)."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------- bud


def test_bud_day_one_through_the_entry_point() -> None:
    done = run("bud", CREAM, "--date", "2024-03-01")
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    assert first.startswith("2024-03-14  ")
    assert "USP <795> 2023 Table 3: aqueous, nonpreserved, 14 days" in first
    assert "Day 1 = 2024-03-01 -> 2024-03-14" in done.stdout
    assert done.stderr == ""


def test_bud_expiry_cap_names_the_component() -> None:
    done = run("bud", CREAM, "--date", "2024-03-01", "--expiry", "cyclobenzaprine hcl=2024-03-09")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "2024-03-09  capped by the expiry of Cyclobenzaprine"


def test_bud_bad_date_exits_2_naming_the_option() -> None:
    done = run("bud", CREAM, "--date", "01/03/2024")
    assert done.returncode == 2
    assert done.stderr.startswith("compoundkit: error: --date: '01/03/2024' is not a date")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "2024-02-30"], "--date: 2024-02-30 is not a day (February 2024 has 29 days)"),
        (["--date", "20240301"], "--date: '20240301' is not a date"),
        (["--expiry", "ketoprofen=2024-3-9"], "--expiry ketoprofen: '2024-3-9' is not a date"),
        (["--expiry", "ketoprofen"], "--expiry: 'ketoprofen' should be NAME=VALUE"),
        (["--expiry", "ibuprofen=2024-03-09"], "--expiry: 'ibuprofen' is not a component"),
        (["--date", "2024-03-01", "--expiry", "ketoprofen=2024-02-01"], "expired component"),
        (["--rules", "usp795-1999"], "Invalid value for '--rules'"),
    ],
)
def test_bud_input_errors_exit_2(args: list[str], message: str) -> None:
    result = invoke("bud", CREAM, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_bud_json_and_other_classes() -> None:
    result = invoke("bud", CREAM, "--date", "2024-03-01", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert (data["bud"], data["days"], data["class"]) == ("2024-03-14", 14, "aqueous-nonpreserved")
    assert data["rule"]["citation"] == "USP <795> 2023 Table 3"
    assert data["limited_by"] is None
    ointment = invoke("bud", OINTMENT, "--date", "2024-03-01")
    assert ointment.output.startswith("2024-08-27  ")  # 180 days, Day 1 = March 1
    old = invoke("bud", CREAM, "--date", "2024-03-01", "--rules", "usp795-2014")
    assert old.output.startswith("2024-03-30  ")
    assert "usp795-2014 is superseded" in old.output
    today = invoke("bud", CREAM)
    expected = (dt.date.today() + dt.timedelta(days=13)).isoformat()
    assert today.output.startswith(expected)


# --------------------------------------------------------------------------- record mfr


def test_record_mfr_writes_html_md_json_and_toml(here: Path) -> None:
    for name in ("mfr.html", "mfr.md", "mfr.json", "mfr.toml"):
        result = invoke("record", "mfr", CREAM, "-o", name, "--author", "A. Chen")
        assert result.exit_code == 0, result.output
        assert f"wrote {name}" in result.output
        assert "USP elements missing: 4. compounding instructions" in result.output
    assert files(here) == ["mfr.html", "mfr.json", "mfr.md", "mfr.toml"]
    expected = MasterFormulationRecord.create(load_formula(CREAM), author="A. Chen")
    assert load_record("mfr.json") == expected == load_record("mfr.toml")
    page = (here / "mfr.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "MISSING: no compounding steps" in page
    assert (
        (here / "mfr.md")
        .read_text(encoding="utf-8")
        .startswith("# Master formulation record: Muscle spasm cream")
    )
    printed = invoke("record", "mfr", CREAM)
    assert printed.output.startswith("# Master formulation record: Muscle spasm cream")


def test_record_mfr_renders_a_completed_saved_mfr(here: Path) -> None:
    mfr = MasterFormulationRecord.create(
        load_formula(CREAM),
        steps=[CompoundingStep("Mix.", ("unguator",))],
        description="Smooth cream",
        quality_control=[QualityCheck("appearance", "Look.", "Smooth")],
        author="A. Chen",
    ).approve("B. Diaz", dt.date(2024, 2, 1))
    save_record(mfr, "saved.toml")
    result = invoke("record", "mfr", "saved.toml", "-o", "saved.md")
    assert result.exit_code == 0, result.output
    text = (here / "saved.md").read_text(encoding="utf-8")
    assert "MISSING" not in text
    assert "approved by B. Diaz on 2024-02-01" in text
    assert "incomplete" not in result.output
    made = invoke(*CR_ARGS[:2], "saved.toml", *CR_ARGS[3:], "-o", "cr.json")
    assert made.exit_code == 0, made.output
    assert "is not approved" not in made.output
    cr = load_record("cr.json")
    assert isinstance(cr, CompoundingRecord)
    assert cr.mfr == mfr
    assert cr.mfr_hash == mfr.content_hash
    assert "is not approved" in invoke(*CR_ARGS).output
    refused = invoke("record", "mfr", "saved.toml", "--author", "Z")
    assert refused.exit_code == 2
    assert "is a saved MFR" in refused.output


def test_record_mfr_pdf_without_the_extra_is_a_clear_error(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if the extra were missing
    result = invoke("record", "mfr", CREAM, "-o", "mfr.pdf")
    assert result.exit_code == 2
    assert "PDF output needs the pdf extra: pip install compoundkit[pdf]" in result.output
    assert files(here) == []


def test_record_mfr_pdf_is_written_as_bytes(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The real renderer is tested in tests/unit/test_worksheet.py (when the extra is there).
    pages: list[str] = []

    def fake_pdf(html: str) -> bytes:
        pages.append(html)
        return b"%PDF-1.7 fake"

    monkeypatch.setattr("compoundkit.records.render.html_to_pdf", fake_pdf)
    result = invoke("record", "mfr", CREAM, "-o", "mfr.pdf")
    assert result.exit_code == 0, result.output
    assert (here / "mfr.pdf").read_bytes() == b"%PDF-1.7 fake"
    assert pages[0].startswith("<!DOCTYPE html>")
    binary = invoke("record", "mfr", CREAM, "--format", "pdf")
    assert binary.exit_code == 2
    assert "PDF is binary: give -o FILE.pdf" in binary.output


def test_record_mfr_refuses_escaping_paths_and_unknown_formats(tmp_path: Path) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    done = run("record", "mfr", CREAM, "-o", "../../x.html", cwd=work)
    assert done.returncode == 2
    assert "leaves the current folder" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.html").exists()
    assert files(tmp_path) == ["a"]
    bad = invoke("record", "mfr", CREAM, "-o", str(work / "mfr.docx"))
    assert bad.exit_code == 2
    assert "cannot tell the format" in bad.output
    missing = invoke("record", "mfr", CREAM, "-o", str(work / "no" / "mfr.html"))
    assert missing.exit_code == 2
    assert "does not exist" in missing.output


def test_record_mfr_of_a_formula_with_errors_exits_1(here: Path) -> None:
    result = invoke("record", "mfr", str(REPO / "examples" / "wrong-formula.toml"), "-o", "x.md")
    assert result.exit_code == 1
    assert "no record made: the formula has errors" in result.output
    assert files(here) == []


# --------------------------------------------------------------------------- record cr + log


def test_record_cr_with_log_then_list_show_lot_verify(here: Path) -> None:
    result = invoke(*CR_ARGS, "--log", "records.db", "-o", "rx1001.json")
    assert result.exit_code == 0, result.output
    assert "logged R000001-" in result.output
    assert "BUD 2024-03-10 (refrigerator); ID RX-1001" in result.output
    cr = load_record("rx1001.json")
    assert isinstance(cr, CompoundingRecord)
    assert cr.bud.limited_by == "Cyclobenzaprine lot C9"
    assert cr.prepared_at == dt.datetime(2024, 3, 1, 9, 30)
    assert cr.components[0].weighed_g == 12.01
    assert cr.components[-1].weighed_g == 87.7
    second = invoke(*CR_ARGS[:6], "RX-1002", *CR_ARGS[7:], "--log", "records.db")
    assert second.exit_code == 0, second.output

    listing = invoke("log", "list", "--log", "records.db")
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    entry_id = lines[0].split()[0]
    assert entry_id.startswith("R000001-")
    assert (
        "2024-03-01  compounding-record  Muscle spasm cream  RX-1001  draft (prepared)  "
        "lots K123, C9" in lines[0]
    )
    assert "RX-1002" in lines[1]

    shown = invoke("log", "show", entry_id, "--log", "records.db")
    assert shown.exit_code == 0
    assert f"Entry {entry_id} (#1), compounding-record, day 2024-03-01" in shown.output
    assert "# Compounding record: Muscle spasm cream" in shown.output
    assert "| Ketoprofen | 12.000 g | 12.010 g | +0.01 g | +0.08 % | ±5 % within |" in shown.output
    as_json = json.loads(invoke("log", "show", entry_id, "--log", "records.db",
                                "--format", "json").output)  # fmt: skip
    assert as_json["payload"]["internal_id"] == "RX-1001"

    recall = invoke("log", "lot", "K123", "--log", "records.db")
    assert recall.exit_code == 0
    found = recall.output.splitlines()
    assert "RX-1001" in found[0]
    assert "RX-1002" in found[1]
    assert "2 entries used lot K123" in recall.output
    none = invoke("log", "lot", "NOPE", "--log", "records.db")
    assert none.exit_code == 0
    assert "0 entries used lot NOPE" in none.output

    verified = invoke("log", "verify", "--log", "records.db")
    assert verified.exit_code == 0
    assert "intact, 2 entries" in verified.output
    unknown = invoke("log", "show", "R000009-00000000", "--log", "records.db")
    assert unknown.exit_code == 2
    assert "no entry 'R000009-00000000'" in unknown.output


def test_tampered_log_verify_exits_1_naming_the_entry(here: Path) -> None:
    assert invoke(*CR_ARGS, "--log", "records.db").exit_code == 0
    assert invoke(*CR_ARGS[:6], "RX-1002", *CR_ARGS[7:], "--log", "records.db").exit_code == 0
    first_id = invoke("log", "list", "--log", "records.db").output.split()[0]
    conn = sqlite3.connect(here / "records.db")
    try:  # an attacker with the sqlite3 shell: drop the guard, change one byte of a payload
        conn.execute("DROP TRIGGER entries_append_only_update")
        conn.execute(
            "UPDATE entries SET payload = replace(payload, '12.01', '12.02') WHERE seq = 1"
        )
        conn.commit()
    finally:
        conn.close()
    done = run("log", "verify", "--log", "records.db", cwd=here)
    assert done.returncode == 1
    assert f"chain broken at entry #1 {first_id}: edited" in done.stdout
    listing = invoke("log", "list", "--log", "records.db")
    assert listing.exit_code == 1
    assert f"entry #1 {first_id} is edited" in listing.output
    as_json = json.loads(invoke("log", "verify", "--log", "records.db", "--format", "json").output)
    assert as_json["first_bad"] == {"seq": 1, "id": first_id, "reason": "edited"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lot", "guaifenesin=G1"], "--lot: guaifenesin='G1' should be NAME=LOT:EXPIRY"),
        (["--lot", "guaifenesin=G1:31/01/2026"], "--lot guaifenesin: '31/01/2026' is not a date"),
        (["--lot", "Ketoprofen=K1:2026-01-31"], "is given twice (as 'ketoprofen' too)"),
        (["--lot", "aspirin=K1:2026-01-31"], "lots: 'aspirin' is not a component"),
        (["--vendor", "guaifenesin=Acme"], "--vendor: give a --lot for guaifenesin too"),
        (["--weighed", "guaifenesin=12 mL"], "weighed Guaifenesin: unit 'mL' is a volume"),
        (["--weighed", "guaifenesin=9**9**9 g"], "weighed Guaifenesin"),
        (["--verified-by", "c. evans"], "same person"),
        (["--date", "2024-13-01"], "--date: 2024-13-01 is not a day (there is no month 13)"),
        (["--time", "9.30"], "--time: '9.30' is not a time"),
        (["--count", "0"], "count must be a whole number"),
        (["--log", "../records.db"], "record log '../records.db' leaves the current folder"),
        (["-o", "../../cr.html"], "output file '../../cr.html' leaves the current folder"),
    ],
)
def test_record_cr_input_errors_exit_2_and_write_nothing(
    here: Path, args: list[str], message: str
) -> None:
    result = invoke(*CR_ARGS, "--log", "records.db", "-o", "cr.html", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert files(here) == []  # no log, no worksheet, no temporary file
    assert files(here.parent) == ["work"]


def test_log_commands_refuse_bad_paths(here: Path) -> None:
    missing = invoke("log", "list", "--log", "nothing.db")
    assert missing.exit_code == 2
    assert "no record log at" in missing.output
    escape = invoke("log", "verify", "--log", "../../records.db")
    assert escape.exit_code == 2
    assert "leaves the current folder" in escape.output
    (here / "notes.db").write_text("not a database", encoding="utf-8")
    garbage = invoke("log", "verify", "--log", "notes.db")
    assert garbage.exit_code == 2
    assert files(here) == ["notes.db"]


@pytest.mark.parametrize(
    "command",
    [["bud"], ["record"], ["record", "mfr"], ["record", "cr"], ["record", "approve"],
     ["record", "correct"], ["log"], ["log", "list"],
     ["log", "show"], ["log", "lot"], ["log", "verify"]],
)  # fmt: skip
def test_every_command_has_help_with_examples(command: list[str]) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert "compoundkit " + command[0] in result.output
