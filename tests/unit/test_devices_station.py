"""The weigh station: the session logic, and the textual application driven headless.

The application is run with textual's test pilot (``App.run_test()``): keys are pressed
as a scanner and the operator would press them, the balance is the in-process
simulator, whose pan the test loads.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import compoundkit
from compoundkit.devices import (
    ExpiredLotError,
    StationError,
    StockError,
    ToleranceError,
    WeighSession,
    WrongSubstanceError,
    loads_stock,
    open_balance,
)

pytest.importorskip("biip")

ROOT = Path(__file__).resolve().parents[2]
CREAM = ROOT / "examples" / "muscle-spasm-cream.toml"
TODAY = dt.date(2026, 6, 1)
GS = "\x1d"


def gtin(body13: str) -> str:
    """A GTIN-14 with its GS1 check digit (General Specifications 7.9)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body13)))
    return body13 + str((10 - total % 10) % 10)


PRODUCTS = {
    "ketoprofen": (gtin("0950110153001"), "free-acid"),
    "cyclobenzaprine": (gtin("0950110153002"), "hydrochloride"),
    "guaifenesin": (gtin("0950110153003"), "base"),
    "magnesium chloride": (gtin("0950110153004"), "hexahydrate"),
}
STOCK = loads_stock(
    "\n".join(
        f'[[items]]\ngtin = "{code}"\ningredient = "{name}"\nform = "{form}"\n'
        for name, (code, form) in PRODUCTS.items()
    )
)


def scan_of(name: str, lot: str = "L1", expiry: str = "271231") -> str:
    """The keyboard-wedge text of a container: GTIN, lot (then GS), expiry."""
    return f"]d201{PRODUCTS[name][0]}10{lot}{GS}17{expiry}"


def session(url: str = "sim://?settle=0.05&timeout=2", **kwargs: Any) -> WeighSession:
    sheet = compoundkit.load_formula(CREAM).batch("120 g")
    return WeighSession(sheet, open_balance(url), STOCK, today=TODAY, **kwargs)


# --------------------------------------------------------------------------- the session


def test_steps_are_the_four_ingredient_lines() -> None:
    steps = session().steps
    assert [(s.name, s.form, s.target_g) for s in steps] == [
        ("Ketoprofen", "free-acid", 12.0),
        ("Cyclobenzaprine", "hydrochloride", 2.4),
        ("Guaifenesin", "base", 12.0),
        ("Magnesium chloride", "hexahydrate", 6.0),
    ]
    assert (steps[1].low_g, steps[1].high_g) == (2.28, 2.52)


def test_refusals_change_nothing() -> None:
    s = session()
    with pytest.raises(WrongSubstanceError):
        s.scan(scan_of("guaifenesin"))
    with pytest.raises(StockError):
        s.scan(f"01{gtin('0400638133393')}10X{GS}17271231")
    with pytest.raises(ExpiredLotError, match="expired on 2026-05-31"):
        s.scan(scan_of("ketoprofen", expiry="260500"))
    with pytest.raises(ExpiredLotError, match="before the preparation's beyond-use date"):
        session(use_by=dt.date(2028, 1, 1)).scan(scan_of("ketoprofen"))
    with pytest.raises(StationError, match="scan the container first"):
        s.tare()
    assert s.stage == "scan"
    s.scan(scan_of("ketoprofen"))
    with pytest.raises(StationError, match="tare the balance first"):
        s.accept()


def test_out_of_band_is_refused_then_accepted() -> None:
    s = session()
    sim = s.balance.simulator
    assert sim is not None
    s.scan(scan_of("ketoprofen"))
    s.tare()
    sim.place(12.7)  # above 12.6
    with pytest.raises(
        ToleranceError, match=r"12\.700 g is outside 11\.400-12\.600 g .* take some off"
    ):
        s.accept()
    sim.place(-0.6)
    assert s.accept().actual.value == Decimal("12.100")


def test_aliquot_lines_are_refused() -> None:
    sheet = compoundkit.load_formula(CREAM).batch("1 g")
    with pytest.raises(StationError, match="needs an aliquot"):
        WeighSession(sheet, open_balance("sim://"), STOCK, today=TODAY)


# --------------------------------------------------------------------------- the application


async def until(pilot: Any, condition: Callable[[], bool], timeout: float = 4.0) -> None:
    """Let the app run until ``condition`` holds (a worker has answered)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the station did not get there in time"
        await pilot.pause(0.05)


async def type_scan(pilot: Any, text: str, *, typed: bool = False) -> None:
    """Scan ``text``, then Enter: ``typed`` key by key as a keyboard-wedge scanner types
    it (GS is Ctrl+]); else put into the field at once (the same text, faster)."""
    if typed:
        for char in text:
            await pilot.press("ctrl+right_square_bracket" if char == GS else char)
    else:
        pilot.app.query_one("#scan").value = text
    await pilot.press("enter")


def message(app: Any) -> str:
    return str(app.message)


async def weigh_line(pilot: Any, app: Any, name: str, grams: float, *, typed: bool = False) -> None:
    s = app.session
    count = len(s.weighings)
    await type_scan(pilot, scan_of(name, lot=f"LOT-{count}"), typed=typed)
    assert s.stage == "tare", message(app)
    await pilot.press("t")
    await until(pilot, lambda: s.stage == "weigh")
    s.balance.simulator.place(grams)
    await until(pilot, lambda: app.last is not None and app.last.stable)
    await pilot.press("a")
    await until(pilot, lambda: len(s.weighings) > count or "Refused" in message(app))


def run(test: Callable[..., Any], *args: Any) -> Any:
    return asyncio.run(test(*args))


def test_full_batch_from_scans_and_readings() -> None:
    from compoundkit.devices.station_app import StationApp

    async def scenario() -> Any:
        app = StationApp(session(by="A. Chen"), poll=0.05)
        async with app.run_test() as pilot:
            for name, grams in [
                ("ketoprofen", 12.0),
                ("cyclobenzaprine", 2.41),
                ("guaifenesin", 11.98),
                ("magnesium chloride", 6.0),
            ]:
                app.session.balance.simulator.clear()
                typed = name == "ketoprofen"  # the first scan key by key, GS as Ctrl+]
                await weigh_line(pilot, app, name, grams, typed=typed)
            await until(pilot, lambda: app.return_value is not None)
        return app.return_value

    weighings = run(scenario)
    assert [w.name for w in weighings] == [
        "Ketoprofen",
        "Cyclobenzaprine",
        "Guaifenesin",
        "Magnesium chloride",
    ]
    assert weighings[0].lot == "LOT-0"  # typed key by key: the GS after the lot was kept
    first = weighings[1].to_dict()
    assert first["ingredient"] == "Cyclobenzaprine"
    assert first["form"] == "hydrochloride"
    assert first["target"] == {"value": 2.4, "unit": "gram"}
    assert first["actual"] == {"value": 2.41, "unit": "gram"}
    assert first["balance"] == "compoundkit-sim MT-SICS SN SIM-0001"
    assert first["gtin"] == PRODUCTS["cyclobenzaprine"][0]
    assert (first["lot"], first["expiry"], first["by"]) == ("LOT-1", "2027-12-31", "A. Chen")
    assert dt.datetime.fromisoformat(first["time"]).tzinfo is not None


def test_out_of_tolerance_reading_is_refused() -> None:
    from compoundkit.devices.station_app import StationApp

    async def scenario() -> tuple[str, int, int]:
        app = StationApp(session(), poll=0.05)
        async with app.run_test() as pilot:
            await weigh_line(pilot, app, "ketoprofen", 13.0)  # 12 g +/- 5 %: at most 12.6
            refused = message(app)
            kept = len(app.session.weighings)
            app.session.balance.simulator.place(-0.9)
            await until(pilot, lambda: app.last is not None and app.last.value < 12.5)
            await pilot.press("a")
            await until(pilot, lambda: len(app.session.weighings) == 1)
            return refused, kept, len(app.session.weighings)

    refused, kept, after = run(scenario)
    assert "Refused: 13.000 g is outside 11.400-12.600 g for Ketoprofen" in refused
    assert (kept, after) == (0, 1)


def test_wrong_gtin_is_refused() -> None:
    from compoundkit.devices.station_app import StationApp

    async def scenario() -> tuple[str, str, str]:
        app = StationApp(session(), poll=0.05)
        async with app.run_test() as pilot:
            await type_scan(pilot, scan_of("guaifenesin"))  # the line asks for ketoprofen
            wrong = message(app)
            await type_scan(pilot, f"01{gtin('0400638133393')}10X{GS}17271231")
            return wrong, message(app), app.session.stage

    wrong, unknown, stage = run(scenario)
    assert "Refused: wrong container: GTIN" in wrong
    assert "is Guaifenesin, not Ketoprofen" in wrong
    assert "is not in the stock file" in unknown
    assert stage == "scan"


def test_expired_lot_is_refused() -> None:
    from compoundkit.devices.station_app import StationApp

    async def scenario() -> tuple[str, str]:
        app = StationApp(session(), poll=0.05)
        async with app.run_test() as pilot:
            await type_scan(pilot, scan_of("ketoprofen", expiry="260400"))
            return message(app), app.session.stage

    refused, stage = run(scenario)
    assert "Refused: lot L1 of Ketoprofen (free acid) expired on 2026-04-30" in refused
    assert stage == "scan"


def test_stopping_returns_nothing() -> None:
    from compoundkit.devices.station_app import StationApp

    async def scenario() -> Any:
        app = StationApp(session(), poll=0.05)
        async with app.run_test() as pilot:
            await pilot.press("escape")
        return app.return_value

    assert run(scenario) is None
