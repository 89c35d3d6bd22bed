"""The weigh station: the session logic, and the textual application driven headless.

The application is run with textual's test pilot (``App.run_test()``): keys are pressed
as a scanner and the operator would press them, the balance is the in-process
simulator, whose pan the test loads. What comes out is the compounding record (issue 13),
checked as ``record cr`` checks it.
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
from hypothesis import given, settings
from hypothesis import strategies as st

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
from compoundkit.formulas import load_formula
from compoundkit.records.cr import CompoundingRecord
from compoundkit.records.mfr import CompoundingStep, MasterFormulationRecord, QualityCheck
from compoundkit.records.serialize import load_record, save_record

pytest.importorskip("biip")

ROOT = Path(__file__).resolve().parents[2]
CREAM = ROOT / "examples" / "muscle-spasm-cream.toml"
PREPARED = dt.datetime(2026, 6, 1, 9, 30)
TODAY = PREPARED.date()
GS = "\x1d"
SIM_ID = "compoundkit-sim MT-SICS SN SIM-0001"


def gtin(body13: str) -> str:
    """A GTIN-14 with its GS1 check digit (General Specifications 7.9)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body13)))
    return body13 + str((10 - total % 10) % 10)


PRODUCTS = {
    "ketoprofen": (gtin("0950110153001"), "ingredient", "free-acid"),
    "cyclobenzaprine": (gtin("0950110153002"), "ingredient", "hydrochloride"),
    "guaifenesin": (gtin("0950110153003"), "ingredient", "base"),
    "magnesium chloride": (gtin("0950110153004"), "ingredient", "hexahydrate"),
    "lipoderm-activemax": (gtin("0950110153005"), "vehicle", None),
}
STOCK = loads_stock(
    "\n".join(
        f'[[items]]\ngtin = "{code}"\n{kind} = "{name}"\nvendor = "Acme"\n'
        + (f'form = "{form}"\n' if form else "")
        for name, (code, kind, form) in PRODUCTS.items()
    )
)


def scan_of(name: str, lot: str = "L1", expiry: str = "271231") -> str:
    """The keyboard-wedge text of a container: GTIN, lot (then GS), expiry."""
    return f"]d201{PRODUCTS[name][0]}10{lot}{GS}17{expiry}"


def approved_mfr() -> MasterFormulationRecord:
    return MasterFormulationRecord.create(
        load_formula(CREAM),
        steps=[CompoundingStep("Levigate the actives; mix in the base.", ("unguator",))],
        description="Smooth off-white cream",
        quality_control=[QualityCheck("appearance", "Look at it.", "smooth, no grit")],
        author="A. Chen",
    ).approve("B. Osei", dt.date(2026, 5, 20))


def session(
    url: str = "sim://?settle=0.05&timeout=2", source: Any = CREAM, **kwargs: Any
) -> WeighSession:
    options: dict[str, Any] = {"size": "120 g", "by": "A. Chen", "internal_id": "RX-1"}
    options.update(kwargs)
    return WeighSession.start(
        str(source) if isinstance(source, Path) else source,
        balance=open_balance(url),
        stock=STOCK,
        at=PREPARED,
        **options,
    )


def weigh(s: WeighSession, name: str, grams: float, deviation: str | None = None) -> Any:
    """Scan, tare, load the pan, accept: the line as recorded."""
    sim = s.balance.simulator
    assert sim is not None
    s.scan(scan_of(name, lot=f"LOT-{len(s.weighed)}"))
    sim.clear()
    s.tare()
    sim.place(grams)
    return s.accept(deviation)


# --------------------------------------------------------------------------- the session


def test_steps_are_every_line_the_vehicle_last() -> None:
    steps = session().steps
    assert [(s.name, s.scan, s.target_g, s.phase) for s in steps] == [
        ("Ketoprofen", ("Ketoprofen", "free-acid", "ingredient"), 12.0, "weigh"),
        ("Cyclobenzaprine", ("Cyclobenzaprine", "hydrochloride", "ingredient"), 2.4, "weigh"),
        ("Guaifenesin", ("Guaifenesin", "base", "ingredient"), 12.0, "weigh"),
        ("Magnesium chloride", ("Magnesium chloride", "hexahydrate", "ingredient"), 6.0, "weigh"),
        ("Lipoderm ActiveMax", ("Lipoderm ActiveMax", None, "vehicle"), 87.6, "qs"),
    ]
    assert steps[4].qs
    assert (steps[1].low_g, steps[1].high_g) == (2.28, 2.52)


def test_the_tolerance_is_the_records() -> None:
    """The formula's per-line tolerance, tightened by the run's, as record cr sets it."""
    formula = compoundkit.formulas.loads_toml(
        CREAM.read_text(encoding="utf-8").replace(
            'strength = "10 % w/w"\n', 'strength = "10 % w/w"\ntolerance = "2 %"\n', 1
        )
    )
    s = session(source=formula)
    assert (s.steps[0].low_g, s.steps[0].high_g) == (11.76, 12.24)  # ketoprofen: 2 %
    assert (s.steps[2].low_g, s.steps[2].high_g) == (11.4, 12.6)  # guaifenesin: 5 %
    tight = session(source=formula, tolerance="1 %")
    assert [c.tolerance for c in tight.record.components] == [1.0] * 5
    assert (tight.steps[0].low_g, tight.steps[0].high_g) == (11.88, 12.12)
    with pytest.raises(ToleranceError, match=r"12\.150 g is outside 11\.880-12\.120 g"):
        weigh(tight, "ketoprofen", 12.15)


@settings(max_examples=25, deadline=None)
@given(grams=st.decimals(min_value=Decimal("10"), max_value=Decimal("14"), places=3))
def test_the_station_accepts_exactly_what_the_record_passes(grams: Decimal) -> None:
    s = session("sim://")
    try:
        weigh(s, "ketoprofen", float(grams))
    except ToleranceError:
        accepted = False
    else:
        accepted = True
    record = CompoundingRecord.create(
        s.record.mfr, size="120 g", internal_id="RX-2", prepared_at=PREPARED,
        compounded_by="A. Chen", weighed={"ketoprofen": f"{grams} g"},
    )  # fmt: skip
    assert accepted == ("CK301" not in {f.code for f in record.gaps()})


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
    # the default beyond-use date is the record's: 14 days, refrigerated
    assert s.use_by == s.record.bud.date == dt.date(2026, 6, 14)
    with pytest.raises(ExpiredLotError, match="expires on 2026-06-10, before"):
        s.scan(scan_of("ketoprofen", expiry="260610"))
    with pytest.raises(StationError, match="scan the container first"):
        s.tare()
    assert s.stage == "scan"
    s.scan(scan_of("ketoprofen"))
    with pytest.raises(StationError, match="tare the balance first"):
        s.accept()
    assert s.record.unweighed() == tuple(c.name for c in s.record.components)


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
    assert s.record.components[0].weighed_g is None
    sim.place(-0.6)
    line = s.accept()
    assert (line.weighed_g, line.balance) == (12.1, SIM_ID)
    assert s.record.components[0] == line


def test_a_documented_deviation_keeps_the_reading_for_the_verifier() -> None:
    s = session()
    with pytest.raises(ToleranceError):
        weigh(s, "ketoprofen", 13.0)
    with pytest.raises(ToleranceError):  # a blank reason is no reason
        s.accept("  ")
    line = s.accept("overshot; kept, the strength checked by the pharmacist")
    assert line.weighed_g == 13.0
    assert line.out_of_tolerance
    deviations = s.record.line_deviations or ()
    assert [(d.component, d.reason, d.acknowledged_by) for d in deviations] == [
        ("Ketoprofen", "overshot; kept, the strength checked by the pharmacist", None)
    ]
    codes = {f.code for f in s.record.findings().findings}
    assert "CK302" in codes
    assert "CK301" not in codes


def test_the_vehicle_is_scanned_and_weighed_to_the_total() -> None:
    s = session()
    for name, grams in [
        ("ketoprofen", 12.05),
        ("cyclobenzaprine", 2.39),
        ("guaifenesin", 11.98),
        ("magnesium chloride", 6.01),
    ]:
        weigh(s, name, grams)
    step = s.current
    assert step is not None
    assert step.qs
    assert step.aim_g == pytest.approx(120 - 12.05 - 2.39 - 11.98 - 6.01)  # q.s. to 120 g
    with pytest.raises(WrongSubstanceError, match=r"is Ketoprofen .*, not Lipoderm ActiveMax"):
        s.scan(scan_of("ketoprofen"))
    line = weigh(s, "lipoderm-activemax", step.aim_g)
    assert (line.kind, line.lot, line.vendor) == ("vehicle", "LOT-4", "Acme")
    assert s.done
    assert s.record.state == "weighed"
    assert s.record.made_g == pytest.approx(120.0)


def test_aliquot_lines_are_walked_by_their_plan() -> None:
    """2 g of the cream: cyclobenzaprine (40 mg) and magnesium chloride (100 mg) are
    below the 120 mg minimum: weigh the multiple, add the base, take the aliquot."""
    s = session(size="2 g")
    assert [step.phase for step in s.steps] == [
        "weigh", "drug", "diluent", "aliquot", "weigh", "drug", "diluent", "aliquot", "qs",
    ]  # fmt: skip
    sim = s.balance.simulator
    assert sim is not None
    weigh(s, "ketoprofen", 0.2)
    drug = s.current
    assert drug is not None
    assert (drug.name, drug.goal_g, drug.low_g, drug.high_g) == (
        "Cyclobenzaprine",
        0.12,
        0.114,
        0.126,
    )
    with pytest.raises(ToleranceError, match=r"for the aliquot's Cyclobenzaprine: take some off"):
        weigh(s, "cyclobenzaprine", 0.13, "kept anyway")  # no deviation for a plan's step
    sim.place(-0.009)
    assert s.accept() is None  # 0.121 g: the record keeps it through the aliquot
    base = s.current
    assert base is not None
    assert (base.phase, base.scan, base.goal_g) == (
        "diluent",
        ("Lipoderm ActiveMax", None, "vehicle"),
        0.24,
    )
    s.scan(scan_of("lipoderm-activemax", lot="B-1"))
    s.tare()  # the container with the drug on the pan
    sim.place(0.24)
    assert s.accept() is None
    aliquot = s.current
    assert aliquot is not None
    assert (aliquot.phase, aliquot.scan, s.stage) == ("aliquot", None, "tare")
    assert aliquot.goal_g == 0.119  # 40 mg x 0.361 g / 0.121 g, to the milligram
    with pytest.raises(StationError, match="nothing to scan"):
        s.scan(scan_of("cyclobenzaprine"))
    sim.clear()
    s.tare()
    sim.place(0.119)
    line = s.accept()
    assert line is not None
    assert line.weighed_g == pytest.approx(0.121 * 0.119 / 0.361)  # 39.9 mg delivered
    assert (line.lot, line.balance) == ("LOT-1", SIM_ID)  # the drug's lot
    assert "Cyclobenzaprine by aliquot" in s.record.notes[0]
    assert "0.121 g of Cyclobenzaprine hydrochloride" in s.record.notes[0]
    weigh(s, "guaifenesin", 0.2)
    s.scan(scan_of("magnesium chloride", lot="M-1"))
    sim.clear()
    s.tare()
    sim.place(0.2)
    s.accept()
    with pytest.raises(StationError, match="this batch's base is lot B-1"):
        s.scan(scan_of("lipoderm-activemax", lot="B-2"))
    s.scan(scan_of("lipoderm-activemax", lot="B-1"))
    s.tare()
    sim.place(0.12)
    s.accept()
    sim.clear()
    s.tare()
    sim.place(s.current.goal_g)
    assert s.accept().weighed_g == pytest.approx(0.1)
    qs = s.current
    assert qs is not None
    assert qs.qs
    carried = (0.119 - 0.121 * 0.119 / 0.361) + (0.16 - 0.1)
    assert s.carried_g == pytest.approx(carried)
    assert qs.goal_g == round(2 - 0.2 - 0.121 * 0.119 / 0.361 - 0.2 - 0.1 - carried, 3)
    with pytest.raises(StationError, match="use lot B-1"):
        s.scan(scan_of("lipoderm-activemax", lot="B-2"))
    s.scan(scan_of("lipoderm-activemax", lot="B-1"))
    sim.clear()
    s.tare()
    sim.place(qs.goal_g)
    vehicle = s.accept()
    assert vehicle is not None
    assert vehicle.weighed_g == pytest.approx(qs.goal_g + carried)  # the base in all
    assert vehicle.lot == "B-1"
    record = s.record
    assert record.state == "weighed"
    assert record.made_g == pytest.approx(2.0, abs=0.001)
    assert [f.code for f in record.gaps()] == ["CK303", "CK306"]  # unapproved, no verifier
    assert len(record.notes) == 2


def test_an_aliquot_outside_its_tolerance_may_be_kept_with_a_reason() -> None:
    s = session(size="2 g")
    sim = s.balance.simulator
    assert sim is not None
    weigh(s, "ketoprofen", 0.2)
    weigh(s, "cyclobenzaprine", 0.12)
    weigh(s, "lipoderm-activemax", 0.24)
    sim.clear()
    s.tare()
    sim.place(0.2)  # holds 66.7 mg, not 40
    with pytest.raises(ToleranceError, match=r"outside 0\.114-0\.126 g for the aliquot of the "):
        s.accept()
    line = s.accept("took too much mixture; the pharmacist decided to keep it")
    assert line is not None
    assert line.out_of_tolerance
    assert (s.record.line_deviations or ())[0].component == "Cyclobenzaprine"


def test_a_record_already_weighed_is_refused() -> None:
    s = session()
    weigh(s, "ketoprofen", 12.0)
    with pytest.raises(StationError, match=r"RX-1 is prepared: .* no actual quantity yet"):
        WeighSession(s.record, s.balance, STOCK)


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
    count = len(s.weighed)
    await type_scan(pilot, scan_of(name, lot=f"LOT-{count}"), typed=typed)
    assert s.stage == "tare", message(app)
    await pilot.press("t")
    await until(pilot, lambda: s.stage == "weigh")
    s.balance.simulator.place(grams)
    await until(pilot, lambda: app.last is not None and app.last.stable)
    await pilot.press("a")
    await until(pilot, lambda: len(s.weighed) > count or "Refused" in message(app))


def run(test: Callable[..., Any], *args: Any) -> Any:
    return asyncio.run(test(*args))


READINGS = [
    ("ketoprofen", 12.0),
    ("cyclobenzaprine", 2.41),
    ("guaifenesin", 11.98),
    ("magnesium chloride", 6.0),
    ("lipoderm-activemax", 87.62),
]


def test_full_batch_from_scans_and_readings_to_the_record(tmp_path: Path) -> None:
    from compoundkit.devices.station_app import StationApp

    async def scenario() -> Any:
        app = StationApp(session(source=approved_mfr()), poll=0.05)
        async with app.run_test() as pilot:
            for name, grams in READINGS:
                app.session.balance.simulator.clear()
                typed = name == "ketoprofen"  # the first scan key by key, GS as Ctrl+]
                await weigh_line(pilot, app, name, grams, typed=typed)
            await until(pilot, lambda: app.return_value is not None)
        return app.return_value

    started = dt.datetime.now(dt.UTC)
    record = run(scenario)
    assert isinstance(record, CompoundingRecord)
    assert (record.state, record.compounded_by, record.verified_by) == ("weighed", "A. Chen", None)
    lines = record.components
    assert [(c.name, c.weighed_g) for c in lines] == [
        ("Ketoprofen", 12.0),
        ("Cyclobenzaprine", 2.41),
        ("Guaifenesin", 11.98),
        ("Magnesium chloride", 6.0),
        ("Lipoderm ActiveMax", 87.62),
    ]
    assert lines[0].lot == "LOT-0"  # typed key by key: the GS after the lot was kept
    assert [c.lot for c in lines[1:]] == ["LOT-1", "LOT-2", "LOT-3", "LOT-4"]
    assert {c.expiry for c in lines} == {dt.date(2027, 12, 31)}
    assert {c.vendor for c in lines} == {"Acme"}
    assert {c.balance for c in lines} == {SIM_ID}
    times = [c.weighed_at for c in lines]
    assert all(t is not None and started <= t <= dt.datetime.now(dt.UTC) for t in times)
    assert times == sorted(times)  # each line's own reading, in the order weighed
    assert record.made_g == pytest.approx(120.01)
    # saved and read back with the records loaders: the same record, passing the CR checks
    saved = save_record(record, tmp_path / "rx1.json")
    again = load_record(saved)
    assert again == record
    assert [f.code for f in again.gaps()] == ["CK306"]  # only the verifier is missing
    final = again.verify(by="B. Osei", at=PREPARED).release(by="B. Osei", at=PREPARED)
    assert final.is_final
    assert final.components == record.components


def test_out_of_tolerance_reading_is_refused() -> None:
    from compoundkit.devices.station_app import StationApp

    async def scenario() -> tuple[str, int, int]:
        app = StationApp(session(), poll=0.05)
        async with app.run_test() as pilot:
            await weigh_line(pilot, app, "ketoprofen", 13.0)  # 12 g +/- 5 %: at most 12.6
            refused = message(app)
            kept = len(app.session.weighed)
            app.session.balance.simulator.place(-0.9)
            await until(pilot, lambda: app.last is not None and app.last.value < 12.5)
            await pilot.press("a")
            await until(pilot, lambda: len(app.session.weighed) == 1)
            return refused, kept, len(app.session.weighed)

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


def test_a_deviation_typed_at_the_station_keeps_the_reading() -> None:
    from compoundkit.devices.station_app import StationApp

    async def scenario() -> tuple[str, str, Any]:
        app = StationApp(session(), poll=0.05)
        async with app.run_test() as pilot:
            await weigh_line(pilot, app, "ketoprofen", 12.0)
            await type_scan(pilot, scan_of("cyclobenzaprine"))
            await pilot.press("t")
            await until(pilot, lambda: app.session.stage == "weigh")
            await pilot.press("d")  # nothing refused yet: no deviation to document
            early = message(app)
            app.session.balance.simulator.place(3.0)  # 2.4 g +/- 5 %: at most 2.52
            await until(pilot, lambda: app.last is not None and app.last.value == 3)
            await pilot.press("a")
            await until(pilot, lambda: "Refused" in message(app))
            refused = message(app)
            await pilot.press("d")
            await pilot.press(*"spilled; kept")
            await pilot.press("enter")
            await until(pilot, lambda: len(app.session.weighed) == 2)
            return early, refused, app.session.record

    early, refused, record = run(scenario)
    assert "refused as outside its tolerance" in early
    assert refused.endswith("or press d to document the deviation")
    assert record.components[1].weighed_g == 3.0
    assert [(d.component, d.reason) for d in record.line_deviations] == [
        ("Cyclobenzaprine", "spilled; kept")
    ]


@pytest.mark.parametrize("size", ["120 g", "2 g"])  # 2 g: two lines by aliquot
def test_the_demo_walks_the_batch_with_enter(size: str) -> None:
    from compoundkit.devices.station_app import StationApp

    async def scenario() -> Any:
        app = StationApp(session(size=size), poll=0.05, demo=True)
        async with app.run_test() as pilot:
            deadline = time.monotonic() + 20
            while app.return_value is None:
                assert time.monotonic() < deadline, message(app)
                await pilot.press("enter")
                await pilot.pause(0.1)
        return app.return_value

    record = run(scenario)
    assert record.state == "weighed"
    assert [c.lot for c in record.components] == [f"DEMO-{n}" for n in range(1, 6)]
    assert [f.code for f in record.gaps()] == ["CK303", "CK306"]  # all within tolerance
    assert record.made_g == pytest.approx(record.sheet().made_g, abs=0.002)


def test_the_demo_needs_the_simulator() -> None:
    from compoundkit.devices.simulator import SimulatorServer
    from compoundkit.devices.station_app import StationApp

    with SimulatorServer() as server:
        s = session(server.url)
        with pytest.raises(compoundkit.errors.CompoundkitError, match="simulator only"):
            StationApp(s, demo=True)
        s.balance.close()


def test_closing_while_the_balance_is_read_is_clean() -> None:
    """A reading that arrives as the application closes is dropped, not a crash."""
    from compoundkit.devices.station_app import StationApp

    async def scenario() -> Any:
        app = StationApp(session(), poll=0.01)
        async with app.run_test() as pilot:
            await type_scan(pilot, scan_of("ketoprofen"))
            await pilot.press("t")
            await until(pilot, lambda: app.session.stage == "weigh")
            await pilot.pause(0.2)  # the poll reads the balance all the while
        return app.return_value

    for _ in range(2):
        assert run(scenario) is None


def test_a_weight_typed_over_a_reading_drops_the_balance_and_time() -> None:
    """The balance and time say the balance read this weight: a weight typed in later
    (weigh() again, or a correction) is not that reading."""
    from compoundkit.records.corrections import correct

    s = session()
    weigh(s, "ketoprofen", 12.0)
    line = s.record.components[0]
    assert (line.balance, line.weighed_at is not None) == (SIM_ID, True)
    again = s.record.weigh({"ketoprofen": "12.1 g"}, by="A. Chen", at=PREPARED)
    assert (again.components[0].balance, again.components[0].weighed_at) == (None, None)
    fix = correct(s.record, reason="misread", by="B. Osei", at=PREPARED,
                  weighed={"ketoprofen": "12.05 g"})  # fmt: skip
    assert (fix.record.components[0].balance, fix.record.components[0].weighed_at) == (None, None)
    assert "components[Ketoprofen].balance" in [c.field for c in fix.changes]
    kept = correct(s.record, reason="lot", by="B. Osei", at=PREPARED,
                   weighed={"ketoprofen": "12 g"}, description="smooth")  # fmt: skip
    assert kept.record.components[0].balance == SIM_ID  # the same weight: still the reading
