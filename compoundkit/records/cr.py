"""Compounding records (CR): what was made, from what, by whom, when (USP <795> 2023).

One :class:`CompoundingRecord` per preparation made. It carries a copy of the MFR version
it follows and that version's content hash (a record whose MFR copy does not match the
hash is refused), the date and time, the internal id, who compounded and who verified
(two different people), each component's name, vendor, lot, expiry and actual weight
against the batch sheet's target (with the deviation and the tolerance it is judged
by), the total made (the sum of the actual weights), the assigned BUD (capped by the
component expiries), the calculations, the physical description, the QC results, the
deviations (documented reasons for lines outside their tolerance) and notes.

A record moves through four steps, each a :class:`Signoff` with who and when:
``prepared`` (:meth:`CompoundingRecord.create`: targets from the batch sheet),
``weighed`` (:meth:`~CompoundingRecord.weigh`: an actual quantity for every line),
``verified`` (:meth:`~CompoundingRecord.verify`: a second person, who acknowledges the
documented deviations) and ``released`` (:meth:`~CompoundingRecord.release`: the label is
printed; only a complete record, see :mod:`compoundkit.records.gates`). Each refusal is
a specific :class:`~compoundkit.errors.RecordRefusedError` carrying its findings.

Quantities are pint Quantities at the API (:attr:`ComponentRecord.weighed`,
:attr:`ComponentRecord.deviation`...) and floats in grams inside. (Over 500 lines on
purpose: the record, its parts and its steps are one model.)

>>> import datetime as dt
>>> from compoundkit.formulas import load_formula
>>> from compoundkit.records.mfr import MasterFormulationRecord
>>> mfr = MasterFormulationRecord.create(load_formula("examples/ketoprofen-gel.toml"))
>>> cr = CompoundingRecord.create(
...     mfr, size="30 g", internal_id="RX-1001", prepared_at=dt.datetime(2024, 3, 1, 9, 30),
...     compounded_by="A. Chen", verified_by="B. Diaz",
...     lots={"ketoprofen": Lot("K7", dt.date(2024, 3, 10), "Acme"),
...           "plo": Lot("P1", dt.date(2025, 1, 1), "Acme")},
...     weighed={"ketoprofen": "3.01 g", "plo": "27 g"})
>>> cr.components[0].deviation, round(cr.components[0].deviation_percent, 3)
(<Quantity(0.01, 'gram')>, 0.333)
>>> cr.bud.date, cr.bud.limited_by
(datetime.date(2024, 3, 10), 'Ketoprofen lot K7')
>>> [m.number for m in cr.missing_elements()]
[10, 11]
>>> cr.state, [f.code for f in cr.gaps()]  # the MFR is a draft: not approved
('weighed', ['CK303'])
"""

from __future__ import annotations

import datetime as _dt
import types
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from attrs import evolve, field, frozen

from compoundkit.errors import (
    CompoundkitError,
    RecordError,
    RecordRefusedError,
    SamePersonError,
)
from compoundkit.formulas.bud import DEFAULT_RULE_SET, assign_bud
from compoundkit.formulas.model import DEFAULT_TOLERANCE, MAX_TOLERANCE, parse_tolerance
from compoundkit.names import name_key
from compoundkit.records.fields import (
    check_grams,
    check_name,
    clean_line,
    clean_text,
    shown,
    to_float,
    to_signatures,
    to_texts,
    to_tuple,
    valid_date,
    valid_grams,
    valid_instances,
    valid_line,
    valid_optional_date,
    valid_optional_grams,
    valid_optional_line,
    valid_optional_text,
    valid_signatures,
    valid_text,
    valid_texts,
)
from compoundkit.records.mfr import MasterFormulationRecord, MissingElement, same_person
from compoundkit.records.signing import Signature
from compoundkit.units.grammar import format_number

if TYPE_CHECKING:
    import pint

    from compoundkit.formulas import BatchSheet, Formulation
    from compoundkit.formulas.findings import Finding, Report
    from compoundkit.records.signing import SigningKey

__all__ = [
    "CR_ELEMENTS",
    "STEPS",
    "BatchSpec",
    "ComponentRecord",
    "CompoundingRecord",
    "CrBud",
    "LineDeviation",
    "Lot",
    "QcResult",
    "Signoff",
]

CR_ELEMENTS: Final = types.MappingProxyType(
    {
        1: "name, strength and dosage form",
        2: "date and time of preparation",
        3: "internal identification number",
        4: "who compounded and who verified",
        5: "components: name, vendor, lot number and expiration date",
        6: "weight or measurement of each component",
        7: "total quantity compounded",
        8: "beyond-use date and storage",
        9: "calculations",
        10: "physical description of the preparation",
        11: "quality-control results",
        12: "reference to the master formulation record (version)",
        13: "deviations, problems and complaints",
    }
)
"""USP <795> (2023) compounding-record elements by number (USP <795>, 2023 revision)."""

KINDS: Final = ("active", "excipient", "vehicle")
STEPS: Final = ("prepared", "weighed", "verified", "released")
"""The steps of a compounding record's life, in order."""
_WHAT: Final = {
    "lot": "lot number",
    "expiry": "expiration date",
    "vendor": "vendor",
    "weighed_g": "actual weight",
}


def _quantity(value: float) -> pint.Quantity[Any]:
    from compoundkit.units import quantity

    return quantity(value, "gram")


# --------------------------------------------------------------------------- parts


@frozen
class Lot:
    """A component lot: its number, expiry date and vendor (manufacturer)."""

    lot: str = field(converter=clean_line, validator=valid_line)
    expiry: _dt.date = field(validator=valid_date)
    vendor: str | None = field(default=None, converter=clean_line, validator=valid_optional_line)


def _valid_kind(instance: object, attribute: Any, value: Any) -> None:
    if value not in KINDS:
        raise RecordError(f"component kind must be one of {', '.join(KINDS)}, got {value!r}")


def _valid_tolerance(instance: object, attribute: Any, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, float) or not 0 < value <= MAX_TOLERANCE:
        raise RecordError(
            f"component tolerance_percent must be a percent above 0 and at most "
            f"{MAX_TOLERANCE:g}, got {shown(value)}"
        )


def _valid_reading_time(instance: object, attribute: Any, value: Any) -> None:
    if value is not None and not (isinstance(value, _dt.datetime) and value.tzinfo is not None):
        raise RecordError(
            f"component weighed_at must be a date and time with its time zone, got {shown(value)}"
        )


def _valid_step(instance: object, attribute: Any, value: Any) -> None:
    if value not in STEPS:
        raise RecordError(f"signoff step must be one of {', '.join(STEPS)}, got {shown(value)}")


def _valid_passed(instance: object, attribute: Any, value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        raise RecordError(f"QC passed must be true, false or absent, got {value!r}")


@frozen
class ComponentRecord:
    """One component as weighed (CR elements 5 and 6) against the batch sheet's target."""

    name: str = field(converter=clean_line, validator=valid_line)
    kind: str = field(validator=_valid_kind)
    """``active``, ``excipient`` or ``vehicle``."""
    target_g: float = field(converter=to_float, validator=valid_grams)
    """The batch sheet's figure to weigh, in grams."""
    lot: str | None = field(default=None, converter=clean_line, validator=valid_optional_line)
    expiry: _dt.date | None = field(default=None, validator=valid_optional_date)
    vendor: str | None = field(default=None, converter=clean_line, validator=valid_optional_line)
    weighed_g: float | None = field(
        default=None, converter=to_float, validator=valid_optional_grams
    )
    """The quantity actually weighed, in grams (None until weighed)."""
    tolerance_percent: float | None = field(
        default=None, converter=to_float, validator=_valid_tolerance
    )
    """The tolerance the actual is judged by, in percent of the target (None: the default
    +/- 5 %; records saved before tolerances were recorded)."""
    balance: str | None = field(default=None, converter=clean_line, validator=valid_optional_line)
    """The balance the actual was read from (model and serial number), when read from one."""
    weighed_at: _dt.datetime | None = field(default=None, validator=_valid_reading_time)
    """When that balance gave the reading (with its time zone), when read from one."""

    @property
    def tolerance(self) -> float:
        """The tolerance in percent of the target (:data:`DEFAULT_TOLERANCE` if not stated)."""
        return DEFAULT_TOLERANCE if self.tolerance_percent is None else self.tolerance_percent

    @property
    def limits_g(self) -> tuple[float, float]:
        """The lowest and highest actual quantity within the tolerance, in grams."""
        margin = self.target_g * self.tolerance / 100.0
        return self.target_g - margin, self.target_g + margin

    @property
    def out_of_tolerance(self) -> bool:
        """True when the actual quantity is outside the tolerance (False until weighed)."""
        if self.weighed_g is None:
            return False
        margin = self.target_g * self.tolerance / 100.0
        return abs(self.weighed_g - self.target_g) > margin * (1 + 1e-9)

    @property
    def target(self) -> pint.Quantity[Any]:
        """The batch sheet's target."""
        return _quantity(self.target_g)

    @property
    def weighed(self) -> pint.Quantity[Any] | None:
        """The quantity actually weighed."""
        return None if self.weighed_g is None else _quantity(self.weighed_g)

    @property
    def deviation(self) -> pint.Quantity[Any] | None:
        """Weighed minus target (positive: more than the target)."""
        if self.weighed_g is None:
            return None
        return _quantity(self.weighed_g - self.target_g)

    @property
    def deviation_percent(self) -> float | None:
        """The deviation as a percent of the target (None when not weighed or no target)."""
        if self.weighed_g is None or self.target_g == 0:
            return None
        return (self.weighed_g - self.target_g) / self.target_g * 100.0


@frozen
class Signoff:
    """One step of a record's life (:data:`STEPS`): who did it and when."""

    step: str = field(validator=_valid_step)
    by: str = field(converter=clean_line, validator=valid_line)
    at: _dt.datetime = field(validator=lambda _i, _a, v: _datetime(v, "signoff at"))


@frozen
class LineDeviation:
    """The documented reason a line is outside its tolerance, and who acknowledged it.

    The compounder documents the reason; the verifier acknowledges it by verifying.
    """

    component: str = field(converter=clean_line, validator=valid_line)
    reason: str = field(converter=clean_text, validator=valid_text)
    acknowledged_by: str | None = field(
        default=None, converter=clean_line, validator=valid_optional_line
    )


@frozen
class QcResult:
    """A quality-control result (CR element 11)."""

    test: str = field(converter=clean_line, validator=valid_line)
    result: str = field(converter=clean_text, validator=valid_text)
    passed: bool | None = field(default=None, validator=_valid_passed)
    """True (pass), False (fail) or None (not judged)."""


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000:
        raise RecordError(f"batch count must be a whole number from 1 to 10000, got {value!r}")
    return value


@frozen
class BatchSpec:
    """The batch asked for: size (text such as ``"120 g"``), count, excess, balance."""

    size: str = field(converter=clean_line, validator=valid_line)
    count: int = field(default=1, converter=_count)
    excess: str | None = field(default=None, converter=clean_line, validator=valid_optional_line)
    balance: str | None = field(default=None, converter=clean_line, validator=valid_optional_line)

    def sheet(self, formulation: Formulation) -> BatchSheet:
        """The batch sheet of ``formulation`` for this batch."""
        return formulation.batch(
            self.size, count=self.count, excess=self.excess, balance=self.balance
        )


@frozen
class CrBud:
    """The BUD assigned to a preparation (CR element 8) and why."""

    date: _dt.date = field(validator=valid_date)
    storage: str = field(converter=clean_line, validator=valid_line)
    explanation: str = field(converter=clean_text, validator=valid_text)
    """The rule, Day-1 counting and any cap, as :meth:`BudResult.explain` words it."""
    rule_set: str = field(default=DEFAULT_RULE_SET, converter=clean_line, validator=valid_line)
    limited_by: str | None = field(
        default=None, converter=clean_line, validator=valid_optional_line
    )
    """The component (lot) whose expiry capped the BUD, if any."""


def _mfr(value: object) -> MasterFormulationRecord:
    if not isinstance(value, MasterFormulationRecord):
        raise RecordError(f"CR mfr must be a MasterFormulationRecord, got {value!r:.60}")
    return value


def _datetime(value: object, what: str = "CR prepared_at") -> _dt.datetime:
    if not isinstance(value, _dt.datetime):
        raise RecordError(f"{what} must be a datetime.datetime, got {value!r:.60}")
    return value


def _made(value: object) -> float:
    grams = check_grams(value, "CR made_g")
    if grams <= 0:
        raise RecordError("CR made_g (total compounded) must be more than 0 g")
    return grams


def _crbud(value: object) -> CrBud:
    if not isinstance(value, CrBud):
        raise RecordError(f"CR bud must be a CrBud, got {value!r:.60}")
    return value


def _batch(value: object) -> BatchSpec:
    if not isinstance(value, BatchSpec):
        raise RecordError(f"CR batch must be a BatchSpec, got {value!r:.60}")
    return value


# --------------------------------------------------------------------------- the record


def _tuple_or_none(value: object) -> Any:
    return None if value is None else to_tuple(value)


def _valid_optional_instances(cls: type[Any]) -> Any:
    check = valid_instances(cls)

    def valid(instance: object, attribute: Any, value: object) -> None:
        if value is not None:
            check(instance, attribute, value)

    return valid


@frozen
class CompoundingRecord:
    """One preparation as made, bound to one MFR version (by record id and content hash).

    Build one with :meth:`create`, then :meth:`weigh`, :meth:`verify` and :meth:`release`
    it. Construction refuses a record whose ``mfr_hash`` is not the hash of the MFR copy
    it carries, a verifier who is the compounder, two entries for the same component,
    and steps (:attr:`signoffs`) that its content does not support (a ``released``
    record that is not complete, a ``verified`` one with an unacknowledged deviation).
    """

    mfr: MasterFormulationRecord = field(converter=_mfr)
    """The MFR version followed (element 12; also elements 1 and 10's expectations)."""
    mfr_hash: str = field(converter=clean_line, validator=valid_line)
    """The content hash of that MFR version."""
    internal_id: str = field(converter=clean_line, validator=valid_line)
    """Element 3: the prescription, order or lot number."""
    prepared_at: _dt.datetime = field(converter=_datetime)
    """Element 2: date and time of preparation (the date is BUD Day 1)."""
    compounded_by: str = field(converter=clean_line, validator=valid_line)
    verified_by: str | None = field(
        default=None, kw_only=True, converter=clean_line, validator=valid_optional_line
    )
    """Who verifies (a second person; None until named)."""
    batch: BatchSpec = field(converter=_batch)
    components: tuple[ComponentRecord, ...] = field(
        converter=to_tuple, validator=valid_instances(ComponentRecord)
    )
    """Elements 5 and 6: every component (actives, excipients, vehicle)."""
    made_g: float = field(converter=_made)
    """Element 7: total quantity compounded, in grams: the sum of the actual quantities
    once every line is weighed, the batch sheet's total before."""
    bud: CrBud = field(converter=_crbud)
    """Element 8."""
    calculations: tuple[str, ...] = field(default=(), converter=to_texts, validator=valid_texts)
    """Element 9: the batch sheet's calculation trail."""
    description: str | None = field(
        default=None, converter=clean_text, validator=valid_optional_text
    )
    """Element 10: the physical description of what was made."""
    qc_results: tuple[QcResult, ...] = field(
        default=(), converter=to_tuple, validator=valid_instances(QcResult)
    )
    deviations: tuple[str, ...] = field(default=(), converter=to_texts, validator=valid_texts)
    """Element 13: other deviations from the MFR, problems, complaints (free text)."""
    notes: tuple[str, ...] = field(default=(), converter=to_texts, validator=valid_texts)
    line_deviations: tuple[LineDeviation, ...] | None = field(
        default=None, converter=_tuple_or_none, validator=_valid_optional_instances(LineDeviation)
    )
    """Element 13: the documented reason of each line outside its tolerance."""
    signoffs: tuple[Signoff, ...] | None = field(
        default=None, converter=_tuple_or_none, validator=_valid_optional_instances(Signoff)
    )
    """The steps done, in order (None: a record saved before steps were recorded)."""
    yield_g: float | None = field(default=None, converter=to_float, validator=valid_optional_grams)
    """The finished preparation's weight, when weighed after compounding (grams)."""
    signatures: tuple[Signature, ...] | None = field(
        default=None, converter=to_signatures, validator=valid_signatures
    )
    """Electronic signatures of the steps (:meth:`sign`): each signs the whole record as
    it stands (its kind, internal id and content hash), so sign after the last step
    (None: no signature)."""

    def __attrs_post_init__(self) -> None:
        where = f"compounding record {self.internal_id}"
        if self.mfr_hash != self.mfr.content_hash:
            raise RecordError(
                f"{where} is bound to MFR {self.mfr.record_id} v{self.mfr.version} with hash "
                f"{self.mfr_hash[:16]}..., but the MFR given has hash "
                f"{self.mfr.content_hash[:16]}... (a different or altered version)"
            )
        if same_person(self.compounded_by, self.verified_by):
            raise SamePersonError(
                f"{where}: compounded and verified by the same person "
                f"({self.compounded_by!r}); a second person must verify"
            )
        seen: set[str] = set()
        for component in self.components:
            key = name_key(component.name)
            if key in seen:
                raise RecordError(f"{where}: component {component.name!r} is listed twice")
            seen.add(key)
        if self.bud.date < self.prepared_at.date():
            raise RecordError(
                f"{where}: BUD {self.bud.date} is before the preparation day "
                f"{self.prepared_at.date()}"
            )
        explained: set[str] = set()
        for deviation in self.line_deviations or ():
            key = name_key(deviation.component)
            if key not in seen:
                raise RecordError(
                    f"{where}: a deviation is documented for {deviation.component!r}, which "
                    "is not a component"
                )
            if key in explained:
                raise RecordError(f"{where}: two deviations for {deviation.component!r}")
            explained.add(key)
            if deviation.acknowledged_by is not None and not same_person(
                deviation.acknowledged_by, self.verified_by
            ):
                raise RecordError(
                    f"{where}: the deviation of {deviation.component} is acknowledged by "
                    f"{deviation.acknowledged_by!r}, who is not the verifier"
                )
        from compoundkit.records.gates import check_signoffs

        check_signoffs(self)

    # ----------------------------------------------------------------- building

    @classmethod
    def create(
        cls,
        mfr: MasterFormulationRecord,
        *,
        size: Any,
        internal_id: str,
        prepared_at: _dt.datetime,
        compounded_by: str,
        verified_by: str | None = None,
        count: int = 1,
        excess: str | None = None,
        balance: str | None = None,
        lots: Mapping[str, Lot] | None = None,
        weighed: Mapping[str, Any] | None = None,
        tolerance: Any = None,
        line_deviations: Mapping[str, str] | None = None,
        made: Any = None,
        description: str | None = None,
        qc_results: Iterable[QcResult] = (),
        deviations: Iterable[str] = (),
        notes: Iterable[str] = (),
        shorten_bud_to: _dt.date | None = None,
        mfr_hash: str | None = None,
    ) -> CompoundingRecord:
        """A compounding record for a batch of ``mfr``: prepared, and weighed when
        ``weighed`` gives every line.

        ``size`` is the batch (or container) size as text (``"120 g"``) or a Quantity.
        ``lots``, ``weighed`` and ``line_deviations`` map a component name (ingredient
        id, name or synonym; excipient name; vehicle name or id) to its :class:`Lot`, to
        the quantity actually weighed (a mass Quantity or text such as ``"12.01 g"``)
        and to the reason it is outside its tolerance. ``tolerance`` (``"1 %"`` or a
        percent) is this run's weighing tolerance: it replaces the default +/- 5 % and
        tightens, never loosens, what the formula states per line or for the formula.
        ``verified_by`` names the second person (who then :meth:`verify` the record).
        ``made`` is the finished preparation's weight when it was weighed (the
        record's total is the sum of the actual quantities). The BUD follows the MFR's
        rule set and extension, with Day 1 = ``prepared_at``'s date, capped by the lots'
        expiries. ``mfr_hash``, when given, must be ``mfr``'s content hash.
        """
        mfr = _mfr(mfr)
        if mfr_hash is not None and mfr_hash != mfr.content_hash:
            raise RecordError(
                f"MFR {mfr.record_id} v{mfr.version} has hash {mfr.content_hash[:16]}..., "
                f"not {str(mfr_hash)[:16]}...: the record would follow another version"
            )
        when = _datetime(prepared_at)
        size_text = (
            size if isinstance(size, str) else f"{format_number(_mass_grams(size, 'size'))} g"
        )
        spec = BatchSpec(size=size_text, count=count, excess=excess, balance=balance)
        formulation = mfr.formulation
        sheet = spec.sheet(formulation)
        names = _sheet_names(sheet)
        lot_for = _by_line(formulation, names, lots or {}, "lots")
        weights = {
            key: _mass_grams(value, f"weighed {key[1]}")
            for key, value in _by_line(formulation, names, weighed or {}, "weighed").items()
        }
        run = None if tolerance is None else _run_tolerance(tolerance)
        stated = [*formulation.tolerances(), formulation.tolerance]  # the vehicle: the formula's
        components = []
        targets = [line.rounded_g for line in sheet.lines] + [sheet.vehicle.rounded_g]
        kinds = [line.kind for line in sheet.lines] + ["vehicle"]
        for index, name in enumerate(names):
            lot = lot_for.get((index, name))
            if lot is not None and not isinstance(lot, Lot):
                raise RecordError(f"lots: {name} must be a Lot, got {lot!r:.60}")
            components.append(
                ComponentRecord(
                    name=name,
                    kind=kinds[index],
                    target_g=targets[index],
                    lot=None if lot is None else lot.lot,
                    expiry=None if lot is None else lot.expiry,
                    vendor=None if lot is None else lot.vendor,
                    weighed_g=weights.get((index, name)),
                    tolerance_percent=_effective_tolerance(stated[index], run),
                )
            )
        bud = _assign(mfr, components, when.date(), shorten_bud_to)
        reasons = _by_line(formulation, names, line_deviations or {}, "line_deviations")
        record = cls(
            mfr=mfr,
            mfr_hash=mfr.content_hash,
            internal_id=internal_id,
            prepared_at=when,
            compounded_by=compounded_by,
            verified_by=verified_by,
            batch=spec,
            components=components,
            made_g=_total(components, sheet.made_g),
            bud=bud,
            calculations=sheet.explain(),
            description=description,
            qc_results=qc_results,
            deviations=deviations,
            notes=notes,
            line_deviations=[LineDeviation(key[1], reason) for key, reason in reasons.items()],
            signoffs=[Signoff("prepared", compounded_by, when)],
            yield_g=None if made is None else _mass_grams(made, "made"),
        )
        if record.unweighed():
            return record
        return evolve(record, signoffs=(*record.steps, Signoff("weighed", compounded_by, when)))

    # ----------------------------------------------------------------- steps

    @property
    def steps(self) -> tuple[Signoff, ...]:
        """The steps done, in order (empty for a record saved before steps were kept)."""
        return self.signoffs or ()

    @property
    def state(self) -> str:
        """The last step done: ``prepared``, ``weighed``, ``verified`` or ``released``.

        A record saved before steps were kept is ``prepared`` or ``weighed`` by its
        actual quantities.
        """
        if self.signoffs:
            return self.signoffs[-1].step
        return "prepared" if self.unweighed() else "weighed"

    @property
    def is_final(self) -> bool:
        """True once the record is released: complete, verified, and its label printed."""
        return self.state == "released"

    def unweighed(self) -> tuple[str, ...]:
        """The components with no actual quantity yet."""
        return tuple(c.name for c in self.components if c.weighed_g is None)

    def weigh(
        self,
        weighed: Mapping[str, Any],
        *,
        by: str,
        at: _dt.datetime,
        lots: Mapping[str, Lot] | None = None,
    ) -> CompoundingRecord:
        """This record with the actual quantities (and lots) of some or all lines.

        The total made becomes the sum of the actual quantities; the record becomes
        ``weighed`` once every line has one. Refused once the record is verified
        (correct it instead: :meth:`correct`).
        """
        self._refuse_after("verified", "weigh")
        formulation = self.mfr.formulation
        names = [c.name for c in self.components]
        weights = {
            key: _mass_grams(value, f"weighed {key[1]}")
            for key, value in _by_line(formulation, names, weighed, "weighed").items()
        }
        lot_for = _by_line(formulation, names, lots or {}, "lots")
        components = []
        for index, c in enumerate(self.components):
            lot = lot_for.get((index, c.name))
            if lot is not None:
                if not isinstance(lot, Lot):
                    raise RecordError(f"lots: {c.name} must be a Lot, got {lot!r:.60}")
                c = evolve(c, lot=lot.lot, expiry=lot.expiry, vendor=lot.vendor)
            if (index, c.name) in weights:
                # a weight typed in is not a balance reading: its balance and time go
                c = evolve(c, weighed_g=weights[(index, c.name)], balance=None, weighed_at=None)
            components.append(c)
        done = _datetime(at, "at")
        updated = evolve(
            self,
            components=components,
            made_g=_total(components, self.sheet().made_g),
            bud=_assign(self.mfr, components, self.prepared_at.date(), None, self.bud),
        )
        if updated.unweighed() or "weighed" in {s.step for s in self.steps}:
            return updated
        return evolve(updated, signoffs=(*updated.steps, Signoff("weighed", by, done)))

    def document_deviations(self, reasons: Mapping[str, str]) -> CompoundingRecord:
        """This record with the reason each named line is outside its tolerance.

        The verifier acknowledges them by :meth:`verify`; refused once verified.
        """
        self._refuse_after("verified", "document a deviation of")
        names = [c.name for c in self.components]
        given = _by_line(self.mfr.formulation, names, reasons, "deviations")
        kept = [d for d in self.line_deviations or () if (names.index(d.component), d.component)
                not in given]  # fmt: skip
        added = [LineDeviation(key[1], reason) for key, reason in given.items()]
        return evolve(self, line_deviations=(*kept, *added))

    def verify(self, *, by: str, at: _dt.datetime) -> CompoundingRecord:
        """This record verified by ``by``, a second person, who thereby acknowledges every
        documented deviation.

        Refused (:class:`~compoundkit.errors.SamePersonError`) when ``by`` compounded
        it, (:class:`~compoundkit.errors.IncompleteRecordError`) while a line has no
        actual quantity, and (:class:`~compoundkit.errors.OutOfToleranceError`) while a
        line outside its tolerance has no documented deviation.
        """
        from compoundkit.records import gates

        verifier = check_name(by, "verified by")
        done = _datetime(at, "at")
        self._refuse_after("verified", "verify")
        where = f"compounding record {self.internal_id}"
        if same_person(verifier, self.compounded_by):
            finding = gates.same_person_finding(self.compounded_by)
            raise SamePersonError(f"{where}: {finding.message}", (finding,))
        blocking = [f for f in gates.gaps(evolve(self, verified_by=verifier))
                    if f.code in gates.VERIFY_CODES]  # fmt: skip
        if blocking:
            raise gates.refusal(f"{where} cannot be verified", blocking)
        acknowledged = [evolve(d, acknowledged_by=verifier) for d in self.line_deviations or ()]
        return evolve(
            self,
            verified_by=verifier,
            line_deviations=acknowledged,
            signoffs=(*self.steps, Signoff("verified", verifier, done)),
        )

    def release(self, *, by: str, at: _dt.datetime) -> CompoundingRecord:
        """This record released by ``by`` (the label printed): it is then final.

        Refused while :meth:`gaps` lists anything or the record is not verified
        (:class:`~compoundkit.errors.IncompleteRecordError`, or
        :class:`~compoundkit.errors.OutOfToleranceError` when a line is outside its
        tolerance without a documented deviation).
        """
        from compoundkit.records import gates

        releaser = check_name(by, "released by")
        done = _datetime(at, "at")
        self._refuse_after("released", "release")
        where = f"compounding record {self.internal_id}"
        missing = list(self.gaps())
        if self.state != "verified":
            missing.append(gates.not_verified_finding(self.state))
        if missing:
            raise gates.refusal(f"{where} cannot be released", missing)
        return evolve(self, signoffs=(*self.steps, Signoff("released", releaser, done)))

    def gaps(self) -> tuple[Finding, ...]:
        """What keeps this record from being final (error-level findings), in order."""
        from compoundkit.records.gates import gaps

        return gaps(self)

    def findings(self) -> Report:
        """Every finding about this record: its gaps, its deviations, its date."""
        from compoundkit.records.gates import findings

        return findings(self)

    def sign(self, key: SigningKey, *, at: _dt.datetime | None = None) -> CompoundingRecord:
        """This record with ``key``'s signature of every step its holder did: ``prepared``
        (the compounder), ``verified`` and ``released`` (the verifier), at ``at`` or now.

        Each signature signs the whole record as it stands, so a later step or change
        is refused (correct a signed record instead). Refused
        (:class:`~compoundkit.errors.SignatureError`) when the key's name did no step.
        """
        from compoundkit.errors import SignatureError
        from compoundkit.records.signatures import sign_record, signed_steps

        steps = signed_steps(self, key.name)
        if not steps:
            people = "; ".join(f"{s.step} by {s.by!r}" for s in self.steps) or "no step"
            raise SignatureError(
                f"compounding record {self.internal_id}: the key {key.key_id} of "
                f"{key.name!r} signs no step of it ({people})"
            )
        added = [sign_record(self, key, step, at) for step in steps]
        return evolve(self, signatures=(*(self.signatures or ()), *added))

    def _refuse_after(self, step: str, action: str) -> None:
        if self.signatures:
            raise RecordRefusedError(
                f"compounding record {self.internal_id} is signed: it cannot {action} it "
                "any more (a signature covers the whole record); change it by a "
                "correction (correct())"
            )
        done = [s.step for s in self.steps]
        if step in done:
            raise RecordRefusedError(
                f"compounding record {self.internal_id} is {self.state}: it cannot {action} "
                "it any more; a logged record is changed by a correction (correct())"
            )

    # ----------------------------------------------------------------- views

    @property
    def name(self) -> str:
        """The preparation's name (element 1)."""
        return self.mfr.formulation.name

    @property
    def total_made(self) -> pint.Quantity[Any]:
        """Element 7 as a Quantity."""
        return _quantity(self.made_g)

    @property
    def lots(self) -> tuple[str, ...]:
        """Every lot number used (for recall queries)."""
        return tuple(c.lot for c in self.components if c.lot is not None)

    def sheet(self) -> BatchSheet:
        """The batch sheet this record's targets come from (recomputed from the MFR)."""
        return self.batch.sheet(self.mfr.formulation)

    def check_mfr(self, mfr: MasterFormulationRecord) -> None:
        """Raise :class:`RecordError` unless ``mfr`` is exactly the version this follows."""
        if mfr.content_hash != self.mfr_hash:
            raise RecordError(
                f"compounding record {self.internal_id} follows MFR {self.mfr.record_id} "
                f"v{self.mfr.version} ({self.mfr_hash[:16]}...), not {mfr.record_id} "
                f"v{mfr.version} ({mfr.content_hash[:16]}...)"
            )

    def missing_elements(self) -> tuple[MissingElement, ...]:
        """The USP <795> CR elements this record still lacks, with what exactly is missing.

        Elements 1-3, 7, 8 and 12 are required to build a record; element 13 lists
        deviations when there are any, so it is never missing.
        """
        missing: list[tuple[int, str]] = []
        if self.verified_by is None:
            missing.append((4, "no verifier"))
        for number, wanted in ((5, ("lot", "expiry", "vendor")), (6, ("weighed_g",))):
            details = []
            for detail in wanted:
                names = [c.name for c in self.components if getattr(c, detail) is None]
                if names:
                    details.append(f"no {_WHAT[detail]} for {', '.join(names)}")
            if details:
                missing.append((number, "; ".join(details)))
        if not self.calculations:
            missing.append((9, "no calculations"))
        if self.description is None:
            missing.append((10, "no physical description"))
        if not self.qc_results:
            missing.append((11, "no quality-control results"))
        return tuple(MissingElement(n, CR_ELEMENTS[n], detail) for n, detail in missing)

    def correct(self, **changes: Any) -> Any:
        """A correction of this record (see :func:`compoundkit.records.corrections.correct`)."""
        from compoundkit.records.corrections import correct

        return correct(self, **changes)


def _run_tolerance(value: Any) -> float:
    if isinstance(value, str):
        return parse_tolerance(value)
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 < float(value) <= MAX_TOLERANCE
    ):
        return float(value)
    raise RecordError(
        f"tolerance must be a percent of the target such as '1 %' (above 0, at most "
        f"{MAX_TOLERANCE:g}), got {shown(value)}"
    )


def _effective_tolerance(stated: float | None, run: float | None) -> float:
    """The formula's stated tolerance, tightened by the run's; else the run's or 5 %."""
    if stated is None:
        return DEFAULT_TOLERANCE if run is None else run
    return stated if run is None else min(stated, run)


def _total(components: Iterable[ComponentRecord], sheet_total: float) -> float:
    """The sum of the actual quantities once every line has one, else the sheet's total."""
    weights = [c.weighed_g for c in components]
    if any(w is None for w in weights) or not any(weights):
        return sheet_total
    return sum(w for w in weights if w is not None)


def _assign(
    mfr: MasterFormulationRecord,
    components: Iterable[ComponentRecord],
    day: _dt.date,
    shorten_to: _dt.date | None,
    keep: CrBud | None = None,
) -> CrBud:
    """The BUD of a preparation of ``mfr`` made on ``day`` from ``components``' lots;
    ``keep``: a BUD already assigned, kept shortened to its date if it was shortened."""
    formulation = mfr.formulation
    expiries = {
        f"{c.name} lot {c.lot}": c.expiry
        for c in components
        if c.lot is not None and c.expiry is not None
    }
    rules = mfr.bud.rule_set if mfr.bud is not None else DEFAULT_RULE_SET

    def assign(shorten: _dt.date | None) -> Any:
        return assign_bud(
            compounded_on=day,
            aqueous=formulation.vehicle.aqueous,
            preserved=bool(formulation.vehicle.preserved),
            dosage_form=formulation.dosage_form,
            route=formulation.route,
            component_expiries=expiries,
            rules=rules,
            extension=mfr.bud.extension if mfr.bud is not None else None,
            shorten_to=shorten,
        )

    result = assign(shorten_to)
    if keep is not None and keep.limited_by == "pharmacist shortening" and keep.date < result.date:
        result = assign(keep.date)
    return CrBud(
        date=result.date,
        storage=result.storage,
        explanation=result.explain(),
        rule_set=result.rule_set,
        limited_by=result.limited_by,
    )


# --------------------------------------------------------------------------- names


def _mass_grams(value: Any, field: str) -> float:
    """Grams from a mass Quantity or text such as ``"12.01 g"``; errors name ``field``."""
    from compoundkit.units import magnitude

    try:
        if isinstance(value, str):
            from compoundkit.units.grammar import FACTOR, parse_amount

            number, unit = parse_amount(value, ("mass",), "quantity")
            return check_grams(number * FACTOR[unit], field)
        return check_grams(float(magnitude(value, "gram", field=field)), field)
    except RecordError:
        raise
    except CompoundkitError as exc:
        text = str(exc)
        raise RecordError(text if text.startswith(field) else f"{field}: {text}") from None


def _sheet_names(sheet: BatchSheet) -> list[str]:
    return [line.name for line in sheet.lines] + [sheet.vehicle.name]


def _by_line(
    formulation: Formulation, names: list[str], values: Mapping[str, Any], option: str
) -> dict[tuple[int, str], Any]:
    if not isinstance(values, Mapping):
        raise RecordError(f"{option} must map component names to values, got {values!r:.60}")
    result: dict[tuple[int, str], Any] = {}
    for given, value in values.items():
        if not isinstance(given, str):
            raise RecordError(f"{option}: component names must be text, got {given!r:.60}")
        try:
            name = formulation.resolve_component(given)
        except RecordError as exc:
            raise RecordError(f"{option}: {exc}") from None
        key = (names.index(name), name)
        if key in result:
            raise RecordError(f"{option}: {name} is given twice")
        result[key] = value
    return result
