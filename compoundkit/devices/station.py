"""The weigh station's workflow, without a screen: scan, tare, weigh, accept, line by line.

A :class:`WeighSession` fills in a prepared
:class:`~compoundkit.records.cr.CompoundingRecord` (issue 13's record) from the bench:
it walks every line of the record, the q.s. vehicle line last. For each line it takes a
scan of the container (the stock file must name the line's ingredient and form, or its
vehicle or excipient; the lot must carry an expiry date and be neither expired nor
expiring before the beyond-use date), a tare, then accepts only a **stable** reading
from the balance within the line's tolerance as the record judges it
(:attr:`~compoundkit.records.cr.ComponentRecord.limits_g`: per line, for the formula,
or ``--tolerance``). A reading outside it is refused unless the compounder documents
the deviation (:meth:`~compoundkit.records.cr.CompoundingRecord.document_deviations`).
Each accepted reading goes into the record with the lot and expiry from the scan, the
balance's identity (model and serial number) and the time of the reading. Once every
line is weighed the record is ``weighed``: ready for the verifier.
The terminal application (``compoundkit station``) is a screen over this object.

>>> import datetime
>>> from compoundkit.devices import loads_stock, open_balance
>>> stock = loads_stock('''
... [[items]]
... gtin = "09501101530003"
... ingredient = "ketoprofen"
... [[items]]
... gtin = "09501101530058"
... vehicle = "plo"
... ''')
>>> balance = open_balance("sim://")
>>> session = WeighSession.start("examples/ketoprofen-gel.toml", size="30 g", balance=balance,
...     stock=stock, by="A. Chen", internal_id="RX-1", at=datetime.datetime(2026, 6, 1, 9))
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
>>> line = session.accept()
>>> line.weighed_g, line.lot, line.balance
(3.01, 'K-118', 'compoundkit-sim MT-SICS SN SIM-0001')
>>> session.current.qs, session.current.aim_g  # the base, q.s. to the 30 g
(True, 26.99)
>>> _ = session.scan("(01)09501101530058(17)271231(10)P-7")
>>> balance.simulator.clear(); _ = session.tare(); balance.simulator.place(26.99)
>>> _ = session.accept()
>>> session.done, session.record.state, session.record.made_g
(True, 'weighed', 30.0)
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import attrs

from compoundkit.devices.errors import StationError, ToleranceError
from compoundkit.devices.labels import Label, parse_label

if TYPE_CHECKING:
    import pint

    from compoundkit.devices.balance import Balance, Reading
    from compoundkit.devices.stock import StockFile, StockItem
    from compoundkit.formulas import BatchSheet, Formulation
    from compoundkit.records.cr import ComponentRecord, CompoundingRecord
    from compoundkit.records.mfr import MasterFormulationRecord

__all__ = ["Step", "WeighSession", "steps_of"]


@attrs.frozen
class Step:
    """One line to weigh: the record's component (target, tolerance) and what to scan.

    ``form`` is the catalog form id of an ingredient line (None otherwise); ``qs`` is
    True for the vehicle, weighed last to bring the batch to its total.
    """

    index: int
    component: ComponentRecord
    form: str | None
    form_name: str
    qs: bool = False
    aim_g: float | None = None
    """What to put on the pan: the target, or for the q.s. line the total less the actual
    weights of the other lines (None: the target)."""

    @property
    def name(self) -> str:
        """The component's name in the record."""
        return self.component.name

    @property
    def kind(self) -> str:
        """What the stock file must call the container: ingredient, vehicle or excipient."""
        return {"active": "ingredient"}.get(self.component.kind, self.component.kind)

    @property
    def target_g(self) -> float:
        """The record's target, in grams."""
        return self.component.target_g

    @property
    def low_g(self) -> float:
        """The lowest accepted weight, in grams (the record's tolerance)."""
        return round(self.component.limits_g[0], 9)

    @property
    def high_g(self) -> float:
        """The highest accepted weight, in grams (the record's tolerance)."""
        return round(self.component.limits_g[1], 9)

    @property
    def goal_g(self) -> float:
        """What to weigh: :attr:`aim_g` when set, else the target."""
        return self.target_g if self.aim_g is None else self.aim_g

    def accepts(self, grams: float) -> bool:
        """True when the record judges ``grams`` within this line's tolerance (a negative
        reading, the container lifted off a tared pan, never is)."""
        if not 0 <= grams < math.inf:
            return False
        return not attrs.evolve(self.component, weighed_g=grams).out_of_tolerance


def steps_of(record: CompoundingRecord) -> tuple[Step, ...]:
    """The lines of ``record`` to weigh, in order, the q.s. vehicle last.

    A line below the balance's minimum weighable quantity is weighed by an aliquot plan
    (weigh a multiple, dilute, weigh the aliquot), which the station does not walk: such
    a batch is refused with :class:`StationError` before anything is weighed, naming the
    lines and their plans.
    """
    sheet = record.sheet()
    aliquots = [line for line in sheet.lines if line.below_minimum or line.aliquot is not None]
    if aliquots:
        plans = "; ".join(
            f"{line.name} ({line.weigh_g * 1000:.4g} mg)"
            + (f": {' '.join(line.aliquot.steps())}" if line.aliquot is not None else "")
            for line in aliquots
        )
        raise StationError(
            f"below the balance's minimum weighable quantity, these lines need an aliquot, "
            f"which the station does not walk: {plans}. Weigh this batch from its sheet "
            "(compoundkit batch) and record it with compoundkit record cr, or make a larger "
            "batch (--size)"
        )
    steps: list[Step] = []
    for index, component in enumerate(record.components):
        if index < len(sheet.lines):
            line = sheet.lines[index]
            steps.append(Step(index, component, line.form, line.form_name or line.name))
        else:
            steps.append(Step(index, component, None, component.name, qs=True))
    if not steps:
        raise StationError("the record has no line to weigh")
    return tuple(steps)


class WeighSession:
    """Scan, tare, weigh and accept each line of a prepared ``record`` on ``balance``.

    ``stock`` names the substance in each scanned container; ``today`` (default: the
    record's preparation day) is the day expiries are checked against, ``use_by`` the
    preparation's beyond-use date (default: the record's; a lot must not expire before
    it). :attr:`record` is the record as weighed so far.
    """

    def __init__(
        self,
        record: CompoundingRecord,
        balance: Balance,
        stock: StockFile,
        *,
        today: dt.date | None = None,
        use_by: dt.date | None = None,
        separators: tuple[str, ...] = ("\x1d",),
    ) -> None:
        if record.state != "prepared" or any(c.weighed_g is not None for c in record.components):
            raise StationError(
                f"compounding record {record.internal_id} is {record.state}: the station "
                "weighs a record that has no actual quantity yet"
            )
        self.record = record
        self.balance = balance
        self.stock = stock
        self.steps = steps_of(record)
        self.sheet: BatchSheet = record.sheet()
        """The batch sheet the record's targets come from."""
        self.today = today or record.prepared_at.date()
        self.use_by = use_by or record.bud.date
        self.separators = separators
        self.weighed: list[ComponentRecord] = []
        self.label: Label | None = None
        self.item: StockItem | None = None
        self.tared = False
        self._balance_id: str | None = None

    @classmethod
    def start(
        cls,
        source: str | Formulation | MasterFormulationRecord,
        *,
        size: Any,
        balance: Balance,
        stock: StockFile,
        by: str,
        internal_id: str,
        count: int = 1,
        tolerance: Any = None,
        at: dt.datetime | None = None,
        **kwargs: Any,
    ) -> WeighSession:
        """A session over a new record: ``source`` is a formula (file or object) or an MFR.

        The record is :meth:`CompoundingRecord.create
        <compoundkit.records.cr.CompoundingRecord.create>`'s, compounded ``by``, prepared
        ``at`` (default now), with ``tolerance`` as ``record cr --tolerance`` takes it.
        """
        from compoundkit.formulas import Formulation, load_formula
        from compoundkit.records.cr import CompoundingRecord
        from compoundkit.records.mfr import MasterFormulationRecord

        mfr = source
        if isinstance(mfr, str):
            mfr = load_formula(mfr)
        if isinstance(mfr, Formulation):
            mfr = MasterFormulationRecord.create(mfr)
        record = CompoundingRecord.create(
            mfr,
            size=size,
            count=count,
            internal_id=internal_id,
            prepared_at=at or dt.datetime.now().replace(microsecond=0),
            compounded_by=by,
            tolerance=tolerance,
        )
        return cls(record, balance, stock, **kwargs)

    # ------------------------------------------------------------- where we are

    @property
    def current(self) -> Step | None:
        """The line being weighed (``None`` once every line is done); the q.s. line's
        :attr:`~Step.aim_g` is the total less what the other lines weighed."""
        index = len(self.weighed)
        if index >= len(self.steps):
            return None
        step = self.steps[index]
        if step.qs:
            rest = sum(c.weighed_g or 0.0 for c in self.weighed)
            aim = self.sheet.balance.round_g(max(self.sheet.made_g - rest, 0.0))
            step = attrs.evolve(step, aim_g=aim)
        return step

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
        item = self.stock.confirm(
            label, step.name, step.form, on=self.today, use_by=self.use_by, kind=step.kind
        )
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
        """True when ``reading`` lies within the current line's tolerance."""
        step = self.current
        return step is not None and step.accepts(reading.quantity.m_as("gram"))

    def accept(self, deviation: str | None = None) -> ComponentRecord:
        """Take a stable reading and put it into the record; the line as recorded.

        A reading outside the line's tolerance raises :class:`ToleranceError` unless
        ``deviation`` documents why it is kept (the verifier acknowledges it).
        """
        from compoundkit.records.cr import Lot

        step = self._step()
        if self.label is None or self.item is None:
            raise StationError("scan the container first")
        if not self.tared:
            raise StationError("tare the balance first")
        reason = deviation.strip() if deviation is not None else ""
        reading = self.balance.reading()
        grams = float(reading.quantity.m_as("gram"))
        if not step.accepts(grams) and not reason:
            raise ToleranceError(
                f"{reading} is outside {step.low_g:.3f}-{step.high_g:.3f} g for {step.name}: "
                f"{'take some off' if grams > step.high_g else 'add some'} and accept again, "
                "or document the deviation"
            )
        lot, expiry = self.label.lot, self.label.expiry
        assert lot is not None  # confirm() required both
        assert expiry is not None
        if self._balance_id is None:
            self._balance_id = self.balance.identify().id
        record = self.record.weigh(
            {step.name: reading.quantity},
            by=self.record.compounded_by,
            at=reading.at.astimezone().replace(tzinfo=None, microsecond=0),
            lots={step.name: Lot(lot, expiry, self.item.vendor)},
        )
        line = attrs.evolve(
            record.components[step.index], balance=self._balance_id, weighed_at=reading.at
        )
        components = list(record.components)
        components[step.index] = line
        record = attrs.evolve(record, components=components)
        if not step.accepts(grams):
            record = record.document_deviations({step.name: reason})
        self.record = record
        self.weighed.append(line)
        self.label, self.item, self.tared = None, None, False
        return line
