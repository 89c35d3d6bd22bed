"""The weigh station's workflow, without a screen: scan, tare, weigh, accept, line by line.

A :class:`WeighSession` fills in a prepared
:class:`~compoundkit.records.cr.CompoundingRecord` (the record ``record cr`` makes) from the bench:
it walks every line of the record, an aliquot line by its plan (weigh the multiple of
the drug, add the base, weigh the aliquot of the mixture), the q.s. vehicle line last,
to the batch's total. For each weighing it takes a scan of the container (the stock file
must name the line's ingredient and form, or its vehicle or excipient; the lot must
carry an expiry date and be neither expired nor expiring before the beyond-use date), a
tare, then accepts only a **stable** reading from the balance within the line's
tolerance as the record judges it
(:attr:`~compoundkit.records.cr.ComponentRecord.limits_g`: per line, for the formula, or
``--tolerance``). A reading outside it is refused unless the compounder documents the
deviation (:meth:`~compoundkit.records.cr.CompoundingRecord.document_deviations`). Each
accepted reading goes into the record with the lot and expiry from the scan, the
balance's identity (model and serial number) and the time of the reading. Once every
line is weighed the record is ``weighed``: ready for the verifier.
The terminal application (``compoundkit station``) is a screen over this object. (About
500 lines on purpose: the steps, the aliquot arithmetic and the session are one workflow.)

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
    from compoundkit.records.cr import ComponentRecord, CompoundingRecord, Lot
    from compoundkit.records.mfr import MasterFormulationRecord

__all__ = ["Step", "WeighSession", "steps_of"]


#: The phases of a step: a line weighed as it is (``weigh``), the q.s. vehicle (``qs``),
#: and an aliquot line's three (``drug``: the multiple of the drug; ``diluent``: the base
#: added to it; ``aliquot``: the part of the mixture taken).
PHASES = ("weigh", "qs", "drug", "diluent", "aliquot")


@attrs.frozen
class Step:
    """One weighing: the record's line it is for, what to scan, what to put on the pan.

    ``form`` is the catalog form id of an ingredient line (None otherwise). ``phase`` is
    one of :data:`PHASES`. A reading ``r`` goes into the record as ``r * scale +
    offset_g`` (the drug an aliquot delivers; the q.s. base plus the base the aliquots
    carried) and is judged by the record's tolerance; a ``drug`` or ``diluent`` reading,
    which the record does not keep as such, is judged by ``band_g``.
    """

    index: int
    component: ComponentRecord
    form: str | None
    form_name: str
    phase: str = "weigh"
    aim_g: float | None = None
    """What to put on the pan (None: the record's target)."""
    scan: tuple[str, str | None, str] | None = None
    """What the container to scan must be: (name, form, stock kind); None: no scan."""
    scale: float = 1.0
    offset_g: float = 0.0
    band_g: tuple[float, float] | None = None

    @property
    def qs(self) -> bool:
        """True for the vehicle, weighed last to bring the batch to its total."""
        return self.phase == "qs"

    @property
    def name(self) -> str:
        """The component's name in the record."""
        return self.component.name

    @property
    def target_g(self) -> float:
        """The record's target, in grams."""
        return self.component.target_g

    @property
    def low_g(self) -> float:
        """The lowest reading accepted, in grams."""
        if self.band_g is not None:
            return round(self.band_g[0], 9)
        return round((self.component.limits_g[0] - self.offset_g) / self.scale, 9)

    @property
    def high_g(self) -> float:
        """The highest reading accepted, in grams."""
        if self.band_g is not None:
            return round(self.band_g[1], 9)
        return round((self.component.limits_g[1] - self.offset_g) / self.scale, 9)

    @property
    def goal_g(self) -> float:
        """What to weigh: :attr:`aim_g` when set, else the target."""
        return self.target_g if self.aim_g is None else self.aim_g

    @property
    def keeps_deviation(self) -> bool:
        """True when a reading outside the band may be kept with a documented deviation
        (the record judges it; not an aliquot's drug or diluent)."""
        return self.band_g is None

    def recorded_g(self, grams: float) -> float:
        """What the record keeps for a reading of ``grams``."""
        return grams * self.scale + self.offset_g

    def accepts(self, grams: float) -> bool:
        """True when ``grams`` is within this step's band: the record's tolerance for what
        the record keeps (a negative reading, the container lifted off a tared pan, never is)."""
        if not 0 <= grams < math.inf:
            return False
        if self.band_g is not None:
            return self.band_g[0] <= grams <= self.band_g[1]
        kept = self.recorded_g(grams)
        return not attrs.evolve(self.component, weighed_g=kept).out_of_tolerance


def _band(figure: float, percent: float) -> tuple[float, float]:
    margin = figure * percent / 100.0
    return figure - margin, figure + margin


def steps_of(record: CompoundingRecord) -> tuple[Step, ...]:
    """The weighings of ``record``, in order: each line, an aliquot line as its plan's three
    steps (weigh the multiple of the drug, add the base, take the aliquot of the mixture),
    and the q.s. vehicle last.

    The aliquot's drug and base are weighed within the line's tolerance of the plan's
    figures; the aliquot is judged by the drug it delivers, as the record keeps it.
    """
    sheet = record.sheet()
    vehicle = record.components[-1]
    steps: list[Step] = []
    scan: tuple[str, str | None, str]
    for index, component in enumerate(record.components):
        if index >= len(sheet.lines):
            scan = (vehicle.name, None, "vehicle")
            steps.append(Step(index, component, None, component.name, "qs", scan=scan))
            continue
        line = sheet.lines[index]
        kind = {"active": "ingredient"}.get(component.kind, component.kind)
        scan = (component.name, line.form, kind)
        shown = line.form_name or line.name
        plan = line.aliquot
        if plan is None:
            if line.below_minimum:
                raise StationError(
                    f"{line.name}: {line.weigh_g * 1000:.4g} mg is below the balance's minimum "
                    "weighable quantity and has no aliquot plan: make a larger batch (--size)"
                )
            steps.append(Step(index, component, line.form, shown, scan=scan))
            continue
        percent = component.tolerance
        steps += [
            Step(index, component, line.form, shown, "drug", plan.weigh_g, scan,
                 band_g=_band(plan.weigh_g, percent)),
            Step(index, component, line.form, shown, "diluent", plan.diluent_g,
                 (vehicle.name, None, "vehicle"), band_g=_band(plan.diluent_g, percent)),
            Step(index, component, line.form, shown, "aliquot", plan.aliquot_g, None,
                 scale=plan.weigh_g / plan.total_g),
        ]  # fmt: skip
    if not steps:
        raise StationError("the record has no line to weigh")
    return tuple(steps)


class WeighSession:
    """Scan, tare, weigh and accept each line of a prepared ``record`` on ``balance``.

    ``stock`` names the substance in each scanned container; ``today`` (default: the
    record's preparation day) is the day expiries are checked against, ``use_by`` the
    preparation's beyond-use date (default: the record's; a lot must not expire before
    it). :attr:`record` is the record as weighed so far, :attr:`weighed` its lines done.
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
        self.position = 0
        """How many of :attr:`steps` are done."""
        self.weighed: list[ComponentRecord] = []
        self.label: Label | None = None
        self.item: StockItem | None = None
        self.tared = False
        self.carried_g = 0.0
        """The base the aliquots carried into the batch (part of the q.s.), in grams."""
        self._balance_id: str | None = None
        self._drug: tuple[Reading, Lot] | None = None  # an aliquot's drug, weighed
        self._diluent: Reading | None = None  # and the base added to it
        self._base_lot: Lot | None = None  # the base's lot, once scanned

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
        batch_balance: str | None = None,
        **kwargs: Any,
    ) -> WeighSession:
        """A session over a new record: ``source`` is a formula (file or object) or an MFR.

        The record is :meth:`CompoundingRecord.create
        <compoundkit.records.cr.CompoundingRecord.create>`'s, compounded ``by``, prepared
        ``at`` (default now), with ``tolerance`` as ``record cr --tolerance`` takes it and
        ``batch_balance`` the balance the batch sheet plans for (``batch --balance``).
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
            balance=batch_balance,
        )
        return cls(record, balance, stock, **kwargs)

    # ------------------------------------------------------------- where we are

    @property
    def current(self) -> Step | None:
        """The step being weighed (``None`` once every line is done), with what to put on
        the pan: for an aliquot, the part of the mixture as weighed that holds the target;
        for the q.s. line, the total less the other lines and the base the aliquots carried.
        """
        if self.position >= len(self.steps):
            return None
        step = self.steps[self.position]
        if step.phase == "aliquot" and self._drug is not None and self._diluent is not None:
            drug_g = _grams(self._drug[0])
            total_g = drug_g + _grams(self._diluent)
            scale = drug_g / total_g
            aim = self.sheet.balance.round_g(step.target_g / scale)
            step = attrs.evolve(step, scale=scale, aim_g=aim)
        elif step.qs:
            rest = sum(c.weighed_g or 0.0 for c in self.weighed) + self.carried_g
            aim = self.sheet.balance.round_g(max(self.sheet.made_g - rest, 0.0))
            step = attrs.evolve(step, aim_g=aim, offset_g=self.carried_g)
        return step

    @property
    def done(self) -> bool:
        """True once every line has an accepted weighing."""
        return self.current is None

    @property
    def stage(self) -> str:
        """``"scan"``, ``"tare"``, ``"weigh"`` or ``"done"``."""
        step = self.current
        if step is None:
            return "done"
        if self.label is None and step.scan is not None:
            return "scan"
        return "weigh" if self.tared else "tare"

    def _step(self) -> Step:
        step = self.current
        if step is None:
            raise StationError("every line is weighed already")
        return step

    # ------------------------------------------------------------- the actions

    def scan(self, text: str) -> StockItem:
        """Take a scan of the current step's container; a refused scan raises, changing nothing."""
        step = self._step()
        if step.scan is None:
            raise StationError(f"nothing to scan: weigh the aliquot of the {step.name} mixture")
        name, form, kind = step.scan
        label = parse_label(text, separators=self.separators)
        item = self.stock.confirm(label, name, form, on=self.today, use_by=self.use_by, kind=kind)
        base = self._base_lot
        if kind == "vehicle" and base is not None and label.lot != base.lot:
            raise StationError(
                f"lot {label.lot} of {item.name}: this batch's base is lot {base.lot} (the "
                "aliquots were made with it), and the record keeps one lot per component; "
                f"use lot {base.lot}"
            )
        self.label, self.item, self.tared = label, item, False
        return item

    def tare(self) -> pint.Quantity[Any]:
        """Tare the balance (the empty container on the pan), once the container is scanned."""
        step = self._step()
        if self.label is None and step.scan is not None:
            raise StationError("scan the container first")
        tare = self.balance.tare()
        self.tared = True
        return tare

    def read(self) -> Reading:
        """The reading now, stable or not (for the live display)."""
        return self.balance.read()

    def in_band(self, reading: Reading) -> bool:
        """True when ``reading`` lies within the current step's band."""
        step = self.current
        return step is not None and step.accepts(_grams(reading))

    def accept(self, deviation: str | None = None) -> ComponentRecord | None:
        """Take a stable reading; the record's line once it is weighed (None after an
        aliquot's drug or base, which the record keeps only through the aliquot).

        A reading outside the band raises :class:`ToleranceError` unless ``deviation``
        documents why it is kept (the verifier acknowledges it; not for an aliquot's drug
        or base, which are weighed again).
        """
        step = self._step()
        if step.scan is not None and (self.label is None or self.item is None):
            raise StationError("scan the container first")
        if not self.tared:
            raise StationError("tare the balance first")
        reason = deviation.strip() if deviation is not None else ""
        reading = self.balance.reading()
        grams = _grams(reading)
        if not step.accepts(grams) and not (reason and step.keeps_deviation):
            fix = "take some off" if grams > step.high_g else "add some"
            keep = ", or document the deviation" if step.keeps_deviation else ""
            raise ToleranceError(
                f"{reading} is outside {step.low_g:.3f}-{step.high_g:.3f} g for "
                f"{_what(step)}: {fix} and accept again{keep}"
            )
        if self._balance_id is None:
            self._balance_id = self.balance.identify().id
        line: ComponentRecord | None = None
        if step.phase == "drug":
            self._drug = (reading, self._lot())
        elif step.phase == "diluent":
            self._diluent = reading
            self._base_lot = self._base_lot or self._lot()
        else:
            lot = self._lot() if step.phase != "aliquot" else self._drug_lot()
            if step.qs:
                self._base_lot = lot
            line = self._record(step, reading, lot)
            if not step.accepts(grams):
                self.record = self.record.document_deviations({step.name: reason})
        self.position += 1
        self.label, self.item, self.tared = None, None, False
        return line

    # ------------------------------------------------------------- the record

    def _lot(self) -> Lot:
        from compoundkit.records.cr import Lot

        assert self.label is not None
        assert self.item is not None
        lot, expiry = self.label.lot, self.label.expiry
        assert lot is not None  # confirm() required both
        assert expiry is not None
        return Lot(lot, expiry, self.item.vendor)

    def _drug_lot(self) -> Lot:
        assert self._drug is not None
        return self._drug[1]

    def _record(self, step: Step, reading: Reading, lot: Lot) -> ComponentRecord:
        """Put the reading into the record: its line, with the balance and the time."""
        from compoundkit.units import quantity

        kept = round(step.recorded_g(_grams(reading)), 9)
        record = self.record.weigh(
            {step.name: quantity(kept, "gram")},
            by=self.record.compounded_by,
            at=reading.at.astimezone().replace(tzinfo=None, microsecond=0),
            lots={step.name: lot},
        )
        line = attrs.evolve(
            record.components[step.index], balance=self._balance_id, weighed_at=reading.at
        )
        components = list(record.components)
        components[step.index] = line
        notes = record.notes
        if step.phase == "aliquot":
            notes = (*notes, self._aliquot_note(step, reading, kept))
            self.carried_g += _grams(reading) - kept
            self._drug = self._diluent = None
        self.record = attrs.evolve(record, components=components, notes=notes)
        self.weighed.append(line)
        return line

    def _aliquot_note(self, step: Step, reading: Reading, kept: float) -> str:
        assert self._drug is not None
        assert self._diluent is not None
        drug, diluent = self._drug[0], self._diluent
        base = self.record.components[-1].name
        mixture = _grams(drug) + _grams(diluent)
        return (
            f"{step.name} by aliquot, on {self._balance_id}: {drug} of {step.form_name} "
            f"(at {_clock(drug)}) and {diluent} of {base} (at {_clock(diluent)}) made "
            f"{mixture:.4g} g of mixture; {reading} of it (at {_clock(reading)}) holds "
            f"{kept * 1000:.4g} mg of {step.name} ({_grams(drug):.4g} g x {_grams(reading):.4g} "
            f"g / {mixture:.4g} g) and {_grams(reading) - kept:.4g} g of {base}, counted in "
            "its q.s."
        )


def _grams(reading: Reading) -> float:
    return float(reading.quantity.m_as("gram"))


def _clock(reading: Reading) -> str:
    return reading.at.astimezone().strftime("%H:%M:%S")


def _what(step: Step) -> str:
    """The step as an error message names it."""
    return {
        "drug": f"the aliquot's {step.name}",
        "diluent": f"the base added to the {step.name}",
        "aliquot": f"the aliquot of the {step.name} mixture",
    }.get(step.phase, step.name)
