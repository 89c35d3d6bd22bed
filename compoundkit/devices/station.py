"""The weigh station's workflow, without a screen: scan, tare, weigh, accept, line by line.

A :class:`WeighSession` walks the lines of a batch sheet
(``compoundkit.load_formula(path).batch(size)``). For each line it takes a scan of the
container (the stock file must name the line's ingredient and form; the lot must
carry an expiry date and be neither expired nor expiring before the beyond-use date),
a tare, then accepts only a **stable** reading from the balance within the tolerance
band around the line's target (5 % by default). Each accepted reading becomes a
:class:`Weighing`: ingredient, target, actual, balance, time, lot, expiry.
The terminal application (``compoundkit station``) is a screen over this object.

>>> import datetime
>>> import compoundkit
>>> from compoundkit.devices import loads_stock, open_balance
>>> sheet = compoundkit.formulas.loads_toml('''
... name = "Ketoprofen 10 % cream"
... dosage_form = "cream"
... vehicle = "lipoderm-activemax"
... [[ingredients]]
... name = "ketoprofen"
... strength = "10 % w/w"
... ''').batch("30 g")
>>> stock = loads_stock('[[items]]\\ngtin = "09501101530003"\\ningredient = "ketoprofen"')
>>> balance = open_balance("sim://")
>>> session = WeighSession(sheet, balance, stock, today=datetime.date(2026, 6, 1))
>>> step = session.current
>>> step.name, step.target_g, (step.low_g, step.high_g)
('Ketoprofen', 3.0, (2.85, 3.15))
>>> session.scan("(01)09501101530003(17)271231(10)K-118").name
'Ketoprofen (free acid)'
>>> session.tare()
<Quantity(0.0, 'gram')>
>>> balance.simulator.place(3.6)
>>> session.accept()
Traceback (most recent call last):
...
compoundkit.devices.errors.ToleranceError: 3.600 g is outside 2.850-3.150 g for Ketoprofen: ...
>>> balance.simulator.place(-0.59)
>>> print(session.accept())
Ketoprofen: 3.010 g (target 3.000 g), lot K-118, expiry 2027-12-31, compoundkit-sim ... SIM-0001
>>> session.done
True
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any, Final

import attrs

from compoundkit.devices.errors import StationError, ToleranceError
from compoundkit.devices.labels import Label, parse_label

if TYPE_CHECKING:
    import pint

    from compoundkit.devices.balance import Balance, Reading
    from compoundkit.devices.stock import StockFile, StockItem

__all__ = ["DEFAULT_TOLERANCE", "Step", "WeighSession", "Weighing"]

#: The accepted band around each target, as a fraction (5 %).
DEFAULT_TOLERANCE: Final = 0.05


@attrs.frozen
class Step:
    """One line to weigh: ingredient ``name``, catalog ``form`` id and target in grams."""

    name: str
    form: str | None
    form_name: str
    target_g: float
    tolerance: float

    @property
    def low_g(self) -> float:
        """The lowest accepted weight, in grams."""
        return round(self.target_g * (1 - self.tolerance), 9)

    @property
    def high_g(self) -> float:
        """The highest accepted weight, in grams."""
        return round(self.target_g * (1 + self.tolerance), 9)

    def accepts(self, grams: float) -> bool:
        """True when ``grams`` lies within the band (ends included)."""
        return self.low_g <= grams <= self.high_g


@attrs.frozen
class Weighing:
    """One accepted weighing, as the record keeps it."""

    name: str
    form: str | None
    target_g: float
    actual: Reading
    balance: str
    gtin: str
    lot: str
    expiry: dt.date
    by: str | None = None

    def __str__(self) -> str:
        return (
            f"{self.name}: {self.actual} (target {self.target_g:.3f} g), lot {self.lot}, "
            f"expiry {self.expiry.isoformat()}, {self.balance}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: quantities as ``{"value", "unit"}``, times in ISO 8601."""
        quantity = self.actual.quantity
        return {
            "ingredient": self.name,
            "form": self.form,
            "target": {"value": self.target_g, "unit": "gram"},
            "actual": {"value": float(self.actual.value), "unit": str(quantity.units)},
            "balance": self.balance,
            "time": self.actual.at.isoformat(),
            "gtin": self.gtin,
            "lot": self.lot,
            "expiry": self.expiry.isoformat(),
            "by": self.by,
        }


def steps_of(sheet: Any, tolerance: float = DEFAULT_TOLERANCE) -> tuple[Step, ...]:
    """The lines of a batch sheet to weigh (its ingredients; the q.s. vehicle is not scanned).

    A line below the balance's minimum weighable quantity needs an aliquot, which the
    station does not walk yet: such a sheet is refused with :class:`StationError`.
    """
    steps: list[Step] = []
    for line in sheet.lines:
        if line.below_minimum or line.aliquot is not None:
            raise StationError(
                f"{line.name}: {line.weigh_g:g} g is below the balance's minimum weighable "
                "quantity and needs an aliquot; the station does not walk aliquots yet, so "
                "weigh this batch from its sheet (compoundkit batch)"
            )
        steps.append(
            Step(line.name, line.form, line.form_name or line.name, line.rounded_g, tolerance)
        )
    if not steps:
        raise StationError("the batch sheet has no ingredient to weigh")
    return tuple(steps)


class WeighSession:
    """Scan, tare, weigh and accept each line of ``sheet`` on ``balance``.

    ``stock`` names the substance in each scanned container; ``today`` (default: the
    date now) is the day expiries are checked against, ``use_by`` the preparation's
    beyond-use date (a lot must not expire before it); ``by`` who weighs.
    """

    def __init__(
        self,
        sheet: Any,
        balance: Balance,
        stock: StockFile,
        *,
        tolerance: float = DEFAULT_TOLERANCE,
        today: dt.date | None = None,
        use_by: dt.date | None = None,
        by: str | None = None,
        separators: tuple[str, ...] = ("\x1d",),
    ) -> None:
        if not 0 < tolerance < 1:
            raise StationError(f"the tolerance must be between 0 and 100 %, not {tolerance:.0%}")
        self.sheet = sheet
        self.balance = balance
        self.stock = stock
        self.steps = steps_of(sheet, tolerance)
        self.today = today or dt.date.today()
        self.use_by = use_by
        self.by = by
        self.separators = separators
        self.weighings: list[Weighing] = []
        self.label: Label | None = None
        self.item: StockItem | None = None
        self.tared = False

    # ------------------------------------------------------------- where we are

    @property
    def current(self) -> Step | None:
        """The line being weighed (``None`` once every line is done)."""
        index = len(self.weighings)
        return self.steps[index] if index < len(self.steps) else None

    @property
    def done(self) -> bool:
        """True once every line has an accepted weighing."""
        return self.current is None

    @property
    def stage(self) -> str:
        """``"scan"``, ``"tare"``, ``"weigh"`` or ``"done"``."""
        if self.done:
            return "done"
        if self.label is None:
            return "scan"
        return "weigh" if self.tared else "tare"

    def _step(self) -> Step:
        step = self.current
        if step is None:
            raise StationError("every line is weighed already")
        return step

    # ------------------------------------------------------------- the actions

    def scan(self, text: str) -> StockItem:
        """Take a scan of the current line's container; a refused scan raises, changing nothing."""
        step = self._step()
        label = parse_label(text, separators=self.separators)
        item = self.stock.confirm(label, step.name, step.form, on=self.today, use_by=self.use_by)
        self.label, self.item, self.tared = label, item, False
        return item

    def tare(self) -> pint.Quantity[Any]:
        """Tare the balance (the empty container on the pan), once the container is scanned."""
        self._step()
        if self.label is None:
            raise StationError("scan the container first")
        tare = self.balance.tare()
        self.tared = True
        return tare

    def read(self) -> Reading:
        """The reading now, stable or not (for the live display)."""
        return self.balance.read()

    def in_band(self, reading: Reading) -> bool:
        """True when ``reading`` lies in the current line's band."""
        step = self.current
        return step is not None and step.accepts(reading.quantity.m_as("gram"))

    def accept(self) -> Weighing:
        """Take a stable reading; keep it when it is in the band, else :class:`ToleranceError`."""
        step = self._step()
        if self.label is None or self.item is None:
            raise StationError("scan the container first")
        if not self.tared:
            raise StationError("tare the balance first")
        reading = self.balance.reading()
        grams = reading.quantity.m_as("gram")
        if not step.accepts(grams):
            raise ToleranceError(
                f"{reading} is outside {step.low_g:.3f}-{step.high_g:.3f} g for {step.name}: "
                f"{'take some off' if grams > step.high_g else 'add some'} and accept again"
            )
        lot, expiry = self.label.lot, self.label.expiry
        assert lot is not None  # confirm() required both
        assert expiry is not None
        weighing = Weighing(
            name=step.name,
            form=step.form,
            target_g=step.target_g,
            actual=reading,
            balance=self.balance.identify().id,
            gtin=self.label.gtin,
            lot=lot,
            expiry=expiry,
            by=self.by,
        )
        self.weighings.append(weighing)
        self.label, self.item, self.tared = None, None, False
        return weighing

    def to_json(self) -> str:
        """Every accepted weighing, as JSON."""
        return json.dumps([w.to_dict() for w in self.weighings], indent=2, ensure_ascii=False)
