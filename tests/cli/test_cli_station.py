"""`compoundkit station`: what it refuses before starting, and the JSON it writes.

The interactive part is tested headless in tests/unit/test_devices_station.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from compoundkit.cli import main

pytest.importorskip("textual")
pytest.importorskip("biip")

ROOT = Path(__file__).resolve().parents[2]
CREAM = str(ROOT / "examples" / "muscle-spasm-cream.toml")
STOCK = str(ROOT / "docs" / "content" / "how-to" / "stock.toml")


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, ["station", *args])


def test_a_sheet_with_aliquots_is_refused_before_connecting() -> None:
    result = invoke(CREAM, "--size", "1g", "--balance", "tcp://127.0.0.1:9", "--stock", STOCK)
    assert result.exit_code == 2
    assert "needs an aliquot" in result.output


def test_a_missing_stock_file_is_one_line() -> None:
    result = invoke(CREAM, "--size", "120g", "--balance", "sim://", "--stock", "no-such.toml")
    assert result.exit_code == 2
    assert "no-such.toml: no such file" in result.output


def test_weighings_are_written_as_json(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from compoundkit.devices import station_app

    def weigh_everything(session: Any, **kwargs: Any) -> Any:
        # stands in for the operator: every line scanned, tared and filled to its target
        sim = session.balance.simulator
        for number, step in enumerate(session.steps):
            session.stock = _stock_for(step.name, step.form)
            session.scan(f"(01){_GTIN}(17)701231(10)LOT{number}")
            sim.clear()
            session.tare()
            sim.place(step.target_g)
            session.accept()
        return session.weighings

    monkeypatch.setattr(station_app, "run_station", weigh_everything)
    monkeypatch.chdir(tmp_path)
    result = invoke(
        CREAM,
        "--size",
        "120g",
        "--balance",
        "sim://",
        "--stock",
        STOCK,
        "--by",
        "A. Chen",
        "-o",
        "weighed.json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "weighed.json").read_text(encoding="utf-8"))
    assert [line["ingredient"] for line in data] == [
        "Ketoprofen",
        "Cyclobenzaprine",
        "Guaifenesin",
        "Magnesium chloride",
    ]
    assert {line["by"] for line in data} == {"A. Chen"}


def test_stopping_early_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    from compoundkit.devices import station_app

    monkeypatch.setattr(station_app, "run_station", lambda session, **kw: None)
    result = invoke(CREAM, "--size", "120g", "--balance", "sim://", "--stock", STOCK)
    assert result.exit_code == 1
    assert "stopped before the last line" in result.output


_GTIN = "09501101530003"


def _stock_for(ingredient: str, form: str | None) -> Any:
    from compoundkit.devices import loads_stock

    return loads_stock(f'[[items]]\ngtin = "{_GTIN}"\ningredient = "{ingredient}"\nform = "{form}"')
