"""Issue 13: records a pharmacist can stand behind, through the real command line.

Each test starts from what a new user tried (the issue's opening paragraph) and checks
what compoundkit must do instead: approve, prepare, weigh, verify, release, correct.
"""

from __future__ import annotations

import datetime as dt
import json
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
LOTS = [
    "--lot", "ketoprofen=K123:2027-06-30", "--lot", "cyclobenzaprine=C9:2027-03-10",
    "--lot", "guaifenesin=G7:2027-01-31", "--lot", "magnesium chloride=M4:2027-05-01",
    "--lot", "lipoderm activemax=L1:2027-02-28",
]  # fmt: skip
WEIGHED = [
    "--weighed", "ketoprofen=12.01g", "--weighed", "cyclobenzaprine=2.4g",
    "--weighed", "guaifenesin=12g", "--weighed", "magnesium chloride=6.0g",
    "--weighed", "lipoderm activemax=87.7g",
]  # fmt: skip
PEOPLE = ["--by", "A. Chen", "--verified-by", "B. Osei"]
WHEN = ["--date", "2026-11-25", "--time", "10:30"]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def complete_mfr(author: str = "A. Chen") -> MasterFormulationRecord:
    return MasterFormulationRecord.create(
        load_formula(CREAM),
        steps=[CompoundingStep("Levigate the actives; mix in the base.", ("unguator",))],
        description="Smooth off-white cream",
        quality_control=[QualityCheck("appearance", "Look at it.", "smooth, no grit")],
        author=author,
    )


@pytest.fixture
def approved(here: Path) -> str:
    save_record(complete_mfr().approve("B. Osei", dt.date(2026, 11, 20)), "mfr.toml")
    return "mfr.toml"


def cr(source: str, *extra: str) -> list[str]:
    return ["record", "cr", source, "--size", "120g", "--id", "RX-1042", *WHEN, *extra]


# --------------------------------------------------------------------------- the slip


def test_a_tenfold_slip_each_way_exits_1_and_leaves_the_log_unchanged(
    approved: str, here: Path
) -> None:
    first = invoke(*cr(approved, *LOTS, *WEIGHED, *PEOPLE, "--id", "RX-1"), "--log", "records.db")
    assert first.exit_code == 0, first.output
    before = (here / "records.db").read_bytes()
    slip = [
        *LOTS, "--weighed", "ketoprofen=120g", "--weighed", "cyclobenzaprine=0.24g",
        "--weighed", "guaifenesin=12g", "--weighed", "magnesium chloride=6g",
        "--weighed", "lipoderm activemax=87.6g", *PEOPLE,
    ]  # fmt: skip
    result = invoke(*cr(approved, *slip), "--log", "records.db")
    assert result.exit_code == 1, result.output
    assert "CK301" in result.output
    assert "Ketoprofen" in result.output
    assert "+108 g" in result.output
    assert "+900" in result.output
    assert "-90" in result.output
    assert "nothing logged" in result.output
    assert (here / "records.db").read_bytes() == before
    listing = invoke("log", "list", "--log", "records.db").output
    assert listing.count("RX-1") == 1
    assert "RX-1042" not in listing


def test_documented_deviations_log_a_final_record_showing_them_apart(
    approved: str, here: Path
) -> None:
    slip = [
        *LOTS, "--weighed", "ketoprofen=120g", "--weighed", "cyclobenzaprine=0.24g",
        "--weighed", "guaifenesin=12.01g", "--weighed", "magnesium chloride=6g",
        "--weighed", "lipoderm activemax=87.6g", *PEOPLE,
        "--deviation", "ketoprofen=tenfold weighing error, batch kept for the stability study",
        "--deviation", "cyclobenzaprine=tenfold weighing error, batch kept for the stability study",
    ]  # fmt: skip
    result = invoke(*cr(approved, *slip), "--log", "records.db", "-o", "rx.md")
    assert result.exit_code == 0, result.output
    assert "logged R000001-" in result.output
    sheet = (here / "rx.md").read_text(encoding="utf-8")
    element_13 = sheet.split("## 13.")[1].split("\n## ")[0]
    assert "Ketoprofen" in element_13
    assert "+900.00 %" in element_13
    assert "acknowledged by B. Osei" in element_13
    assert "Guaifenesin" not in element_13  # +0.08 %: within tolerance, not a deviation
    assert "released" in invoke("log", "list", "--log", "records.db").output


# --------------------------------------------------------------------------- completeness


def test_the_readme_record_is_refused_naming_exactly_what_is_missing(here: Path) -> None:
    result = invoke(
        "record", "cr", CREAM, "--size", "120g", "--lot", "ketoprofen=K1:2027-06-30",
        "--by", "A. Chen", "--verified-by", "B. Osei", "--log", "records.db",
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "MFR MFR-muscle-spasm-cream v1 is not approved" in result.output
    for name in ("Cyclobenzaprine", "Guaifenesin", "Magnesium chloride", "Lipoderm ActiveMax"):
        assert f"no lot for {name}" in result.output.replace("no lot and expiry", "no lot")
    assert "no actual quantity for Ketoprofen" in result.output
    assert not (here / "records.db").exists()


def test_a_record_missing_one_lot_is_refused_with_that_lot_named(approved: str, here: Path) -> None:
    lots = [item for pair in zip(LOTS[::2], LOTS[1::2], strict=True)
            if not pair[1].startswith("guaifenesin") for item in pair]  # fmt: skip
    result = invoke(*cr(approved, *lots, *WEIGHED, *PEOPLE), "--log", "records.db")
    assert result.exit_code == 1, result.output
    assert "Guaifenesin" in result.output
    assert "no lot" in result.output
    assert "Ketoprofen" not in result.output.split("not final")[1]
    assert not (here / "records.db").exists()


def test_a_draft_is_logged_as_such_and_completing_it_references_it(
    approved: str, here: Path
) -> None:
    draft = invoke(*cr(approved, *LOTS[:2], *PEOPLE, "--draft"), "--log", "records.db")
    assert draft.exit_code == 0, draft.output
    listing = invoke("log", "list", "--log", "records.db").output
    draft_id = listing.split()[0]
    assert "draft" in listing
    done = invoke(*cr(approved, *LOTS, *WEIGHED, *PEOPLE), "--log", "records.db")
    assert done.exit_code == 0, done.output
    assert f"completes draft {draft_id}" in done.output
    lines = invoke("log", "list", "--log", "records.db").output.splitlines()
    assert f"corrects {draft_id}" in lines[1]
    assert "released" in lines[1]
    shown = invoke("log", "show", draft_id, "--log", "records.db").output
    assert f"Completed by {lines[1].split()[0]}" in shown


# --------------------------------------------------------------------------- corrections


def test_record_correct_appends_and_log_show_displays_the_chain(approved: str, here: Path) -> None:
    assert invoke(*cr(approved, *LOTS, *WEIGHED, *PEOPLE), "--log", "records.db").exit_code == 0
    original = invoke("log", "list", "--log", "records.db").output.split()[0]
    before = (here / "records.db").stat().st_size
    first = invoke(
        "record", "correct", original, "--reason", "lot number mistyped", "--by", "B. Osei",
        "--lot", "ketoprofen=K124:2027-06-30", "--log", "records.db",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    second = invoke(
        "record", "correct", original, "--reason", "vendor added", "--by", "B. Osei",
        "--vendor", "ketoprofen=Acme", "--log", "records.db",
    )  # fmt: skip
    assert second.exit_code == 0, second.output
    assert (here / "records.db").stat().st_size >= before
    listing = invoke("log", "list", "--log", "records.db").output.splitlines()
    entries = [line for line in listing if line.startswith("R0")]
    assert len(entries) == 3
    fix1, fix2 = entries[1].split()[0], entries[2].split()[0]
    shown = invoke("log", "show", original, "--log", "records.db").output
    assert f"Corrected by {fix1}" in shown
    assert "lot number mistyped" in shown
    assert f"Corrected by {fix2}" in shown
    assert "vendor added" in shown
    assert "K123" in shown  # the original is shown as it was logged
    assert invoke("log", "verify", "--log", "records.db").exit_code == 0
    assert "K124" in invoke("log", "show", fix2, "--log", "records.db").output


# --------------------------------------------------------------------------- approval


@pytest.mark.parametrize("spelling", ["A. Chen", "A.Chen", "a. chen", "\u0410. Chen"])
def test_approval_by_the_author_is_refused_in_any_spelling(here: Path, spelling: str) -> None:
    save_record(complete_mfr(), "mfr.toml")
    result = invoke("record", "approve", "mfr.toml", "--by", spelling)
    assert result.exit_code == 1, result.output
    assert "cannot approve" in result.output
    assert sorted(p.name for p in here.iterdir()) == ["mfr.toml"]


def test_record_approve_writes_the_approved_version_next_to_it(here: Path) -> None:
    save_record(complete_mfr(), "mfr.toml")
    result = invoke("record", "approve", "mfr.toml", "--by", "B. Osei", "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    approved = load_record("mfr.approved.toml")
    assert isinstance(approved, MasterFormulationRecord)
    assert (approved.approved_by, approved.approved_on) == ("B. Osei", dt.date(2026, 11, 20))
    again = invoke("record", "approve", "mfr.toml", "--by", "B. Osei")
    assert again.exit_code == 2
    assert "--force" in again.output


# --------------------------------------------------------------------------- labels, notes


def test_each_of_four_30_g_jars_is_labelled_30_g(approved: str, here: Path) -> None:
    weighed = [
        "--weighed", "ketoprofen=12g", "--weighed", "cyclobenzaprine=2.4g",
        "--weighed", "guaifenesin=12g", "--weighed", "magnesium chloride=6g",
        "--weighed", "lipoderm activemax=87.6g",
    ]  # fmt: skip
    args = ["record", "cr", approved, "--size", "30g", "--count", "4", *WHEN, *LOTS, *weighed]
    result = invoke(*args, *PEOPLE, "-o", "rx.md")
    assert result.exit_code == 0, result.output
    sheet = (here / "rx.md").read_text(encoding="utf-8")
    labels = sheet.split("## Labels")[1]
    assert labels.count("30 g") >= 4
    assert "126" not in labels
    assert "120 g" not in labels
    for number in range(1, 5):
        assert f"container {number} of 4" in labels


def test_notes_storage_and_hints_reach_the_mfr_and_the_cr(approved: str, here: Path) -> None:
    mfr = invoke("record", "mfr", CREAM).output
    notes = mfr.split("## Preparation notes")[1].split("\n## ")[0]
    assert "dissolve it in a cosolvent" in notes
    assert "refrigerator" in notes
    result = invoke(*cr(approved, *LOTS, *WEIGHED, *PEOPLE), "-o", "rx.md")
    assert result.exit_code == 0, result.output
    sheet = (here / "rx.md").read_text(encoding="utf-8")
    assert "dissolve it in a cosolvent" in sheet.split("## Preparation notes")[1]


def test_a_strength_as_base_reads_as_base_on_the_sheet(here: Path) -> None:
    (here / "base.toml").write_text(
        'name = "C"\ndosage_form = "cream"\nvehicle = "lipoderm-activemax"\n'
        '[[ingredients]]\nname = "cyclobenzaprine"\nform = "hydrochloride"\n'
        'expressed_as = "base"\nstrength = "1 % w/w"\n',
        encoding="utf-8",
    )
    sheet = invoke("batch", "base.toml", "--size", "60g", "--format", "markdown").output
    assert "| 1 % w/w (as base) |" in sheet
    mfr = invoke("record", "mfr", "base.toml").output
    assert "1 % w/w (as base)" in mfr.split("## 2.")[0]


def test_the_tolerance_can_be_tightened_for_a_run(approved: str, here: Path) -> None:
    weighed = [w.replace("12.01g", "12.3g") for w in WEIGHED]  # +2.5 %: inside 5 %, outside 1 %
    loose = invoke(*cr(approved, *LOTS, *weighed, *PEOPLE))
    assert loose.exit_code == 0, loose.output
    tight = invoke(*cr(approved, *LOTS, *weighed, *PEOPLE, "--tolerance", "1%"))
    assert tight.exit_code == 1
    assert "outside \u00b11 %" in tight.output


def test_a_saved_record_edited_to_a_target_ten_times_low_is_refused(
    approved: str, here: Path
) -> None:
    assert invoke(*cr(approved, *LOTS, *WEIGHED, *PEOPLE), "-o", "rx.json").exit_code == 0
    data = json.loads((here / "rx.json").read_text(encoding="utf-8"))
    data["components"][0]["target"]["value"] = 1.2
    (here / "rx.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(Exception, match=r"components\[0\]\.target"):
        load_record("rx.json")
    assert isinstance(load_record(approved), MasterFormulationRecord)
    assert not isinstance(load_record(approved), CompoundingRecord)


def test_a_final_record_is_logged_once_and_corrected_only_by_a_change(
    approved: str, here: Path
) -> None:
    args = [*cr(approved, *LOTS, *WEIGHED, *PEOPLE), "--log", "records.db"]
    assert invoke(*args).exit_code == 0
    twice = invoke(*args)
    assert twice.exit_code == 2
    assert "RX-1042 is already logged as a final record" in twice.output
    nothing = invoke("record", "correct", "R000001", "--reason", "r", "--by", "B. Osei",
                     "--log", "records.db")  # fmt: skip
    assert nothing.exit_code == 1
    assert "changes nothing" in nothing.output
    unknown = invoke("record", "correct", "R000009", "--reason", "r", "--by", "B. Osei",
                     "--note", "x", "--log", "records.db")  # fmt: skip
    assert unknown.exit_code == 2
    missing = invoke("record", "correct", "R000001", "--reason", "r", "--by", "B. Osei",
                     "--note", "x", "--log", "none.db")  # fmt: skip
    assert missing.exit_code == 2
    assert "no record log at none.db" in missing.output
    assert not (here / "none.db").exists()
    slip = invoke("record", "correct", "R000001", "--reason", "re-read", "--by", "B. Osei",
                  "--weighed", "ketoprofen=14g", "--log", "records.db")  # fmt: skip
    assert slip.exit_code == 1
    assert "CK301" in slip.output
    assert len(invoke("log", "list", "--log", "records.db").output.splitlines()) == 2


def test_a_formula_is_not_approved_as_an_mfr_and_an_incomplete_mfr_is_refused(
    here: Path,
) -> None:
    formula = invoke("record", "approve", CREAM, "--by", "B. Osei", "-o", "x.toml")
    assert formula.exit_code == 2
    assert "is a formula, not a saved MFR" in formula.output
    assert invoke("record", "mfr", CREAM, "--author", "A. Chen", "-o", "mfr.toml").exit_code == 0
    incomplete = invoke("record", "approve", "mfr.toml", "--by", "B. Osei")
    assert incomplete.exit_code == 1
    assert "no compounding steps" in incomplete.output
    assert sorted(p.name for p in here.iterdir()) == ["mfr.toml"]


def test_a_compounding_date_in_the_future_is_a_warning(approved: str, here: Path) -> None:
    future = dt.date.today() + dt.timedelta(days=20)
    expiry = (future + dt.timedelta(days=400)).isoformat()
    lots = [item.rsplit(":", 1)[0] + f":{expiry}" if "=" in item else item for item in LOTS]
    result = invoke(*cr(approved, *lots, *WEIGHED, *PEOPLE, "--date", future.isoformat()))
    assert result.exit_code == 0, result.output
    assert "warning: CK308" in result.output
    assert "in the future" in result.output
