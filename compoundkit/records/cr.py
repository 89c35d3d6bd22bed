"""Compounding records (CR): what was made, from what, by whom, when (USP <795> 2023).

One :class:`CompoundingRecord` per preparation made. It carries a copy of the MFR version
it follows and that version's content hash (a record whose MFR copy does not match the
hash is refused), the date and time, the internal id, who compounded and who verified
(two different people), each component's name, vendor, lot, expiry and actual weight
against the batch sheet's target (with the deviation), the total made, the assigned BUD
(capped by the component expiries), the calculations, the physical description, the QC
results, and deviations and notes.

Quantities are pint Quantities at the API (:attr:`ComponentRecord.weighed`,
:attr:`ComponentRecord.deviation`...) and floats in grams inside.

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
"""

from __future__ import annotations

import datetime as _dt
import types
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from attrs import field, frozen

from compoundkit.errors import CompoundkitError, RecordError
from compoundkit.formulas.bud import DEFAULT_RULE_SET, assign_bud
from compoundkit.names import name_key
from compoundkit.records.fields import (
    check_grams,
    clean_line,
    clean_text,
    to_float,
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
    valid_text,
    valid_texts,
)
from compoundkit.records.mfr import MasterFormulationRecord, MissingElement, same_person
from compoundkit.units.grammar import format_number

if TYPE_CHECKING:
    import pint

    from compoundkit.formulas import BatchSheet, Formulation

__all__ = [
    "CR_ELEMENTS",
    "BatchSpec",
    "ComponentRecord",
    "CompoundingRecord",
    "CrBud",
    "Lot",
    "QcResult",
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


def _datetime(value: object) -> _dt.datetime:
    if not isinstance(value, _dt.datetime):
        raise RecordError(f"CR prepared_at must be a datetime.datetime, got {value!r:.60}")
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


@frozen
class CompoundingRecord:
    """One preparation as made, bound to one MFR version (by record id and content hash).

    Build one with :meth:`create`. Construction refuses a record whose ``mfr_hash`` is
    not the hash of the MFR copy it carries, a verifier who is the compounder, and two
    entries for the same component.
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
    verified_by: str = field(converter=clean_line, validator=valid_line)
    batch: BatchSpec = field(converter=_batch)
    components: tuple[ComponentRecord, ...] = field(
        converter=to_tuple, validator=valid_instances(ComponentRecord)
    )
    """Elements 5 and 6: every component (actives, excipients, vehicle)."""
    made_g: float = field(converter=_made)
    """Element 7: total quantity compounded, in grams."""
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
    """Element 13: deviations from the MFR, problems, complaints."""
    notes: tuple[str, ...] = field(default=(), converter=to_texts, validator=valid_texts)

    def __attrs_post_init__(self) -> None:
        where = f"compounding record {self.internal_id}"
        if self.mfr_hash != self.mfr.content_hash:
            raise RecordError(
                f"{where} is bound to MFR {self.mfr.record_id} v{self.mfr.version} with hash "
                f"{self.mfr_hash[:16]}..., but the MFR given has hash "
                f"{self.mfr.content_hash[:16]}... (a different or altered version)"
            )
        if same_person(self.compounded_by, self.verified_by):
            raise RecordError(
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
        verified_by: str,
        count: int = 1,
        excess: str | None = None,
        balance: str | None = None,
        lots: Mapping[str, Lot] | None = None,
        weighed: Mapping[str, Any] | None = None,
        made: Any = None,
        description: str | None = None,
        qc_results: Iterable[QcResult] = (),
        deviations: Iterable[str] = (),
        notes: Iterable[str] = (),
        shorten_bud_to: _dt.date | None = None,
        mfr_hash: str | None = None,
    ) -> CompoundingRecord:
        """A compounding record for a batch of ``mfr``.

        ``size`` is the batch (or container) size as text (``"120 g"``) or a Quantity.
        ``lots`` and ``weighed`` map a component name (ingredient id, name or synonym;
        excipient name; vehicle name or id) to its :class:`Lot` and to the quantity
        actually weighed (a mass Quantity or text such as ``"12.01 g"``). ``made`` is
        the total compounded (default: the batch sheet's total). The BUD follows the
        MFR's rule set and extension, with Day 1 = ``prepared_at``'s date, capped by the
        lots' expiries. ``mfr_hash``, when given, must be ``mfr``'s content hash.
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
                )
            )
        expiries = {
            f"{c.name} lot {c.lot}": c.expiry
            for c in components
            if c.lot is not None and c.expiry is not None
        }
        rules = mfr.bud.rule_set if mfr.bud is not None else DEFAULT_RULE_SET
        result = assign_bud(
            compounded_on=when.date(),
            aqueous=formulation.vehicle.aqueous,
            preserved=bool(formulation.vehicle.preserved),
            dosage_form=formulation.dosage_form,
            route=formulation.route,
            component_expiries=expiries,
            rules=rules,
            extension=mfr.bud.extension if mfr.bud is not None else None,
            shorten_to=shorten_bud_to,
        )
        bud = CrBud(
            date=result.date,
            storage=result.storage,
            explanation=result.explain(),
            rule_set=result.rule_set,
            limited_by=result.limited_by,
        )
        return cls(
            mfr=mfr,
            mfr_hash=mfr.content_hash,
            internal_id=internal_id,
            prepared_at=when,
            compounded_by=compounded_by,
            verified_by=verified_by,
            batch=spec,
            components=components,
            made_g=sheet.made_g if made is None else _mass_grams(made, "made"),
            bud=bud,
            calculations=sheet.explain(),
            description=description,
            qc_results=qc_results,
            deviations=deviations,
            notes=notes,
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

        Elements 1-4, 7, 8 and 12 are required to build a record; element 13 lists
        deviations when there are any, so it is never missing.
        """
        missing: list[tuple[int, str]] = []
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
