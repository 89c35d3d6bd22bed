"""`compoundkit station` and `compoundkit record verify`: what they refuse before starting, the
compounding record they write or log, and the verifier's sign-off of that record.

The interactive part is tested headless in tests/unit/test_devices_station.py; here
the operator is a stand-in that scans, tares and fills each line to its target.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from compoundkit.cli import main
from compoundkit.formulas import load_formula
from compoundkit.records.cr import CompoundingRecord
from compoundkit.records.mfr import CompoundingStep, MasterFormulationRecord, QualityCheck
from compoundkit.records.serialize import load_record, save_record

pytest.importorskip("textual")
pytest.importorskip("biip")

ROOT = Path(__file__).resolve().parents[2]
CREAM = str(ROOT / "examples" / "muscle-spasm-cream.toml")
STOCK = str(ROOT / "examples" / "station" / "stock.toml")
SIM_ID = "compoundkit-sim MT-SICS SN SIM-0001"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def station(*args: str) -> Any:
    return station_of("120g", *args)


def station_of(size: str, *args: str) -> Any:
    return invoke("station", CREAM, "--size", size, "--balance", "sim://", "--stock", STOCK,
                  "--by", "A. Chen", *args)  # fmt: skip


@pytest.fixture
def operator(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Stands in for the operator: every line scanned (its product in examples/station/stock.toml),
    tared and filled to what it asks for; the sessions run are kept."""
    from compoundkit.devices import station_app

    sessions: list[Any] = []

    def weigh_everything(session: Any, **kwargs: Any) -> Any:
        sessions.append(session)
        sim = session.balance.simulator
        while not session.done:
            step = session.current
            if step.scan is not None:
                product = session.stock.products(*step.scan)[0]
                number = len(session.record.components) if step.scan[2] == "vehicle" else step.index
                session.scan(f"(01){product.gtin}(17)701231(10)LOT{number}")
            sim.clear()
            session.tare()
            sim.place(step.goal_g)
            session.accept()
        return session.record

    monkeypatch.setattr(station_app, "run_station", weigh_everything)
    return sessions


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def approved_mfr(here: Path) -> str:
    mfr = MasterFormulationRecord.create(
        load_formula(CREAM),
        steps=[CompoundingStep("Levigate the actives; mix in the base.", ("unguator",))],
        description="Smooth off-white cream",
        quality_control=[QualityCheck("appearance", "Look at it.", "smooth, no grit")],
        author="A. Chen",
    ).approve("B. Osei", dt.date(2026, 11, 20))
    save_record(mfr, here / "mfr.approved.toml")
    return "mfr.approved.toml"


# --------------------------------------------------------------------------- refused first


def test_a_missing_stock_file_is_one_line() -> None:
    result = invoke("station", CREAM, "--size", "120g", "--balance", "sim://", "--stock",
                    "no-such.toml", "--by", "A. Chen")  # fmt: skip
    assert result.exit_code == 2
    assert "no-such.toml: no such file" in result.output


def test_an_existing_output_is_refused_before_anyone_weighs(
    operator: list[Any], here: Path
) -> None:
    (here / "rx.json").write_text("kept", encoding="utf-8")
    result = station("-o", "rx.json")
    assert result.exit_code == 2
    assert "'rx.json' already exists; give --force" in result.output
    assert operator == []
    assert (here / "rx.json").read_text(encoding="utf-8") == "kept"


def test_the_demo_needs_the_simulator() -> None:
    result = invoke("station", CREAM, "--size", "120g", "--balance", "tcp://127.0.0.1:9",
                    "--stock", STOCK, "--by", "A. Chen", "--demo")  # fmt: skip
    assert result.exit_code == 2
    assert "--demo: the demo runs on the simulator only" in result.output


def test_a_bad_tolerance_names_the_option() -> None:
    result = station("--tolerance", "2 g")
    assert result.exit_code == 2
    assert "--tolerance" in result.output
    assert "percent" in result.output


def test_stopping_early_exits_1(monkeypatch: pytest.MonkeyPatch, here: Path) -> None:
    from compoundkit.devices import station_app

    monkeypatch.setattr(station_app, "run_station", lambda session, **kw: None)
    result = station("-o", "rx.json")
    assert result.exit_code == 1
    assert "stopped before the last line" in result.output
    assert not (here / "rx.json").exists()


# --------------------------------------------------------------------------- the record


def test_the_record_is_written_weighed_and_ready_for_the_verifier(
    operator: list[Any], here: Path
) -> None:
    result = station("--id", "RX-7", "--tolerance", "2%", "-o", "rx7.json")
    assert result.exit_code == 0, result.output
    assert "weighed (weighed), ready for the verifier" in result.output
    record = load_record(here / "rx7.json")
    assert isinstance(record, CompoundingRecord)
    assert (record.internal_id, record.compounded_by, record.state) == ("RX-7", "A. Chen",
                                                                        "weighed")  # fmt: skip
    assert [c.name for c in record.components] == [
        "Ketoprofen", "Cyclobenzaprine", "Guaifenesin", "Magnesium chloride",
        "Lipoderm ActiveMax",
    ]  # fmt: skip
    assert {c.tolerance for c in record.components} == {2.0}
    assert [c.lot for c in record.components] == [*(f"LOT{n}" for n in range(4)), "LOT5"]
    assert {c.balance for c in record.components} == {SIM_ID}
    assert all(c.weighed_at is not None for c in record.components)
    assert record.made_g == pytest.approx(120.0)
    data = json.loads((here / "rx7.json").read_text(encoding="utf-8"))
    assert data["components"][0]["balance"] == SIM_ID
    assert dt.datetime.fromisoformat(data["components"][0]["weighed_at"]).tzinfo is not None


def test_the_record_prints_as_json_without_o(operator: list[Any]) -> None:
    result = CliRunner().invoke(main, ["station", CREAM, "--size", "120g", "--balance",
                                       "sim://", "--stock", STOCK, "--by", "A. Chen"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["schema"] == "compoundkit.cr"


def test_from_an_approved_mfr_to_a_released_record_by_file(operator: list[Any], here: Path) -> None:
    mfr = approved_mfr(here)
    weighed = invoke("station", mfr, "--size", "120g", "--balance", "sim://", "--stock", STOCK,
                     "--by", "A. Chen", "--id", "RX-8", "-o", "rx8.toml")  # fmt: skip
    assert weighed.exit_code == 0, weighed.output
    same = invoke(
        "record", "verify", "rx8.toml", "--by", "a. chen", "--release", "-o", "final.json"
    )
    assert same.exit_code == 1
    assert "CK306" in same.output
    assert not (here / "final.json").exists()
    result = invoke(
        "record", "verify", "rx8.toml", "--by", "B. Osei", "--release", "-o", "final.json"
    )
    assert result.exit_code == 0, result.output
    assert "final (released) by B. Osei; ID RX-8" in result.output
    final = load_record(here / "final.json")
    assert isinstance(final, CompoundingRecord)
    assert final.is_final
    assert final.verified_by == "B. Osei"
    assert final.components == load_record(here / "rx8.toml").components  # as weighed


def test_from_an_approved_mfr_to_a_released_record_in_the_log(
    operator: list[Any], here: Path
) -> None:
    from compoundkit.records.log import open_log
    from compoundkit.records.serialize import entry_state

    mfr = approved_mfr(here)
    weighed = invoke("station", mfr, "--size", "120g", "--balance", "sim://", "--stock", STOCK,
                     "--by", "A. Chen", "--id", "RX-9", "--log", "records.db")  # fmt: skip
    assert weighed.exit_code == 0, weighed.output
    assert "logged R000001" in weighed.output
    result = invoke(
        "record", "verify", "RX-9", "--log", "records.db", "--by", "B. Osei", "--release"
    )
    assert result.exit_code == 0, result.output
    assert "completes draft R000001" in result.output
    with open_log(here / "records.db") as log:
        entries = list(log.find())
        assert [entry_state(e) for e in entries] == ["draft (weighed)", "released"]
        assert entries[1].corrects == entries[0].id
        assert log.verify().ok
    again = invoke("record", "verify", "RX-9", "--log", "records.db", "--by", "B. Osei")
    assert again.exit_code == 2
    assert "already logged as a final record" in again.output


def test_verify_refuses_an_mfr_and_an_unknown_entry(here: Path) -> None:
    approved_mfr(here)
    result = invoke("record", "verify", "mfr.approved.toml", "--by", "B. Osei")
    assert result.exit_code == 2
    assert "is an MFR, not a compounding record" in result.output
    missing = invoke("record", "verify", "RX-0", "--log", "nothing.db", "--by", "B. Osei")
    assert missing.exit_code == 2


def test_a_batch_with_aliquots_is_walked_to_its_record(operator: list[Any], here: Path) -> None:
    result = station_of("2g", "--id", "RX-10", "-o", "rx10.json")
    assert result.exit_code == 0, result.output
    record = load_record(here / "rx10.json")
    assert isinstance(record, CompoundingRecord)
    assert record.state == "weighed"
    assert [note.split(":")[0] for note in record.notes] == [
        f"Cyclobenzaprine by aliquot, on {SIM_ID}",
        f"Magnesium chloride by aliquot, on {SIM_ID}",
    ]
    assert record.made_g == pytest.approx(2.0, abs=0.002)
    assert [f.code for f in record.gaps()] == ["CK303", "CK306"]


# --------------------------------------------------------------------------- signatures

PASS = "a passphrase only the test knows"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """chen.key (author, compounder), osei.key (approver, verifier), trusted.json."""
    from compoundkit.records.signing import new_key, public_json

    folder = tmp_path_factory.mktemp("keys")
    publics = [new_key(name, PASS, folder / f"{file}.key")
               for name, file in (("A. Chen", "chen"), ("B. Osei", "osei"))]  # fmt: skip
    (folder / "trusted.json").write_text(public_json(*publics), encoding="utf-8")
    return folder


def signed(*args: str) -> Any:
    return CliRunner(env={"COMPOUNDKIT_PASSPHRASE": PASS}).invoke(main, list(args))


def test_with_trusted_signers_the_station_needs_a_signed_approval_and_verify_signs(
    operator: list[Any], here: Path, keys: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compoundkit.records.signing import read_public

    monkeypatch.delenv("COMPOUNDKIT_TRUST", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(here / "config"))  # no user's own file
    for file in keys.iterdir():
        (here / file.name).write_bytes(file.read_bytes())
    unapproved = MasterFormulationRecord.create(
        load_formula(CREAM),
        steps=[CompoundingStep("Levigate the actives; mix in the base.", ("unguator",))],
        description="Smooth off-white cream",
        quality_control=[QualityCheck("appearance", "Look at it.", "smooth, no grit")],
        author="A. Chen",
    )
    save_record(unapproved.approve("B. Osei", dt.date(2026, 11, 20)), "unsigned.toml")
    save_record(unapproved, "mfr.toml")
    assert signed("record", "approve", "mfr.toml", "--by", "B. Osei",
                  "--sign-with", "osei.key").exit_code == 0  # fmt: skip
    base = ["--size", "120g", "--balance", "sim://", "--stock", STOCK, "--by", "A. Chen",
            "--trust", "trusted.json"]  # fmt: skip
    refused = signed("station", "unsigned.toml", *base, "-o", "rx.json")
    assert refused.exit_code == 1
    assert "has no valid 'approved' signature by a trusted signer" in refused.output
    assert "nobody weighed" in refused.output
    assert operator == []
    weighed = signed("station", "mfr.approved.toml", *base, "--id", "RX-11", "-o", "rx.json")
    assert weighed.exit_code == 0, weighed.output
    done = signed("record", "verify", "rx.json", "--by", "B. Osei", "--release", "--trust",
                  "trusted.json", "--sign-with", "chen.key", "--sign-with", "osei.key",
                  "-o", "final.json")  # fmt: skip
    assert done.exit_code == 0, done.output
    trusted = [read_public("chen.key"), read_public("osei.key")]
    final = load_record(here / "final.json", trusted=trusted)
    assert isinstance(final, CompoundingRecord)
    assert [(s.name, s.meaning) for s in final.signatures or ()] == [
        ("A. Chen", "prepared"), ("B. Osei", "verified"), ("B. Osei", "released"),
    ]  # fmt: skip
    assert final.is_final


def test_an_id_already_final_in_the_log_is_refused_before_anyone_weighs(
    operator: list[Any], here: Path
) -> None:
    mfr = approved_mfr(here)
    first = invoke("station", mfr, "--size", "120g", "--balance", "sim://", "--stock", STOCK,
                   "--by", "A. Chen", "--id", "RX-12", "--log", "records.db")  # fmt: skip
    assert first.exit_code == 0, first.output
    assert invoke("record", "verify", "RX-12", "--log", "records.db", "--by", "B. Osei",
                  "--release").exit_code == 0  # fmt: skip
    again = invoke("station", mfr, "--size", "120g", "--balance", "sim://", "--stock", STOCK,
                   "--by", "A. Chen", "--id", "RX-12", "--log", "records.db")  # fmt: skip
    assert again.exit_code == 2
    assert "RX-12 is already logged as a final record" in again.output
    assert len(operator) == 1  # the second batch was never weighed
