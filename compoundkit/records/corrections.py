"""Corrections: a logged record is never edited; a correction is a new entry pointing at it.

:func:`correct` applies field changes (lots, vendors, actual quantities, documented
deviations, the description, QC results, notes, the finished weight) to a compounding
record and returns a :class:`Correction`: the corrected record, who corrected it, when,
why, and each change as ``field: old -> new``. The corrected record is checked like any
other (a released record stays complete: a corrected weight outside its tolerance needs a
documented deviation, acknowledged by the verifier, so the verifier makes that
correction). :func:`~compoundkit.records.serialize.log_correction` appends it to the log
with ``corrects=`` the entry it corrects, and ``compoundkit log show`` of the original
lists its chain of corrections.

>>> import datetime as dt
>>> from compoundkit.formulas import load_formula
>>> from compoundkit.records.cr import CompoundingRecord, Lot
>>> from compoundkit.records.mfr import MasterFormulationRecord
>>> mfr = MasterFormulationRecord.create(load_formula("examples/ketoprofen-gel.toml"))
>>> cr = CompoundingRecord.create(mfr, size="30 g", internal_id="RX-1",
...     prepared_at=dt.datetime(2026, 11, 25, 9, 30), compounded_by="A. Chen",
...     lots={"ketoprofen": Lot("K7", dt.date(2027, 3, 10))})
>>> fix = correct(cr, reason="lot mistyped", by="B. Osei", at=dt.datetime(2026, 11, 26, 8),
...               lots={"ketoprofen": Lot("K8", dt.date(2027, 3, 10))})
>>> [str(change) for change in fix.changes]
['components[Ketoprofen].lot: K7 -> K8']
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any, Final

from attrs import evolve, field, frozen

from compoundkit.errors import RecordError, RecordRefusedError
from compoundkit.records.cr import (
    CompoundingRecord,
    LineDeviation,
    Lot,
    QcResult,
    _assign,
    _by_line,
    _datetime,
    _mass_grams,
    _total,
)
from compoundkit.records.fields import check_name, check_text, clean_line, valid_line
from compoundkit.records.mfr import same_person

__all__ = ["CORRECTION_SCHEMA", "Change", "Correction", "correct"]

CORRECTION_SCHEMA: Final = "compoundkit.correction"
"""The ``schema`` of a correction's log payload."""


@frozen
class Change:
    """One corrected field: its path in the record, the old and the new value (as text)."""

    field: str
    old: str | None
    new: str | None

    def __str__(self) -> str:
        return f"{self.field}: {self.old if self.old is not None else '-'} -> {self.new}"

    def to_dict(self) -> dict[str, Any]:
        """As the log payload holds it."""
        return {"field": self.field, "from": self.old, "to": self.new}


@frozen
class Correction:
    """A correction of a compounding record: the corrected record and why, by whom, when."""

    record: CompoundingRecord
    reason: str = field(validator=lambda _i, _a, v: check_text(v, "correction reason"))
    by: str = field(converter=clean_line, validator=valid_line)
    at: _dt.datetime = field(validator=lambda _i, _a, v: _datetime(v, "correction at"))
    changes: tuple[Change, ...] = ()

    def payload(self) -> dict[str, Any]:
        """The log payload: schema, reason, who, when, the changes and the corrected record."""
        from compoundkit.records.schema import RECORD_SCHEMA_VERSION, record_to_dict

        return {
            "schema": CORRECTION_SCHEMA,
            "schema_version": RECORD_SCHEMA_VERSION,
            "reason": self.reason,
            "by": self.by,
            "at": self.at.isoformat(),
            "changes": [change.to_dict() for change in self.changes],
            "record": record_to_dict(self.record),
        }


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:g} g"
    if isinstance(value, _dt.date):
        return value.isoformat()
    return str(value)


def correct(
    record: CompoundingRecord,
    *,
    reason: str,
    by: str,
    at: _dt.datetime,
    lots: Mapping[str, Lot] | None = None,
    vendors: Mapping[str, str] | None = None,
    weighed: Mapping[str, Any] | None = None,
    line_deviations: Mapping[str, str] | None = None,
    description: str | None = None,
    qc_results: Iterable[QcResult] | None = None,
    notes: Iterable[str] = (),
    made: Any = None,
) -> Correction:
    """A correction of ``record`` (names as :meth:`CompoundingRecord.create` takes them).

    ``notes`` are added to the record's notes; ``qc_results`` replace a QC result of the
    same test or are added. Refused (:class:`~compoundkit.errors.RecordRefusedError`)
    when nothing changes, and when the corrected record is not valid (the checks of
    :class:`~compoundkit.records.cr.CompoundingRecord`).
    """
    check_text(reason, "correction reason")
    corrector = check_name(by, "correction by")
    when = _datetime(at, "correction at")
    formulation = record.mfr.formulation
    names = [c.name for c in record.components]
    lot_for = _by_line(formulation, names, lots or {}, "lots")
    vendor_for = _by_line(formulation, names, vendors or {}, "vendors")
    weight_for = {
        key: _mass_grams(value, f"weighed {key[1]}")
        for key, value in _by_line(formulation, names, weighed or {}, "weighed").items()
    }
    changes: list[Change] = []
    components = []
    for index, c in enumerate(record.components):
        key = (index, c.name)
        updates: dict[str, Any] = {}
        lot = lot_for.get(key)
        if lot is not None:
            if not isinstance(lot, Lot):
                raise RecordRefusedError(f"lots: {c.name} must be a Lot, got {lot!r:.60}")
            updates.update(lot=lot.lot, expiry=lot.expiry)
            if lot.vendor is not None:
                updates["vendor"] = lot.vendor
        if key in vendor_for:
            updates["vendor"] = check_name(vendor_for[key], f"vendor of {c.name}")
        if key in weight_for:
            updates["weighed_g"] = weight_for[key]
            if weight_for[key] != c.weighed_g:  # a corrected weight is no balance's reading
                updates.update(balance=None, weighed_at=None)
        for name, value in updates.items():
            if getattr(c, name) != value:
                label = "weighed" if name == "weighed_g" else name
                changes.append(
                    Change(f"components[{c.name}].{label}", _text(getattr(c, name)), _text(value))
                )
        components.append(evolve(c, **updates))
    values: dict[str, Any] = {"components": components}
    if description is not None and description != record.description:
        changes.append(Change("description", record.description, description))
        values["description"] = description
    if qc_results is not None:
        results = {q.test.casefold(): q for q in record.qc_results}
        for q in qc_results:
            old = results.get(q.test.casefold())
            if old != q:
                changes.append(
                    Change(f"qc_results[{q.test}]", None if old is None else old.result, q.result)
                )
            results[q.test.casefold()] = q
        values["qc_results"] = tuple(results.values())
    added = tuple(notes)
    if added:
        changes += [Change("notes[+]", None, note) for note in added]
        values["notes"] = (*record.notes, *added)
    if made is not None:
        grams = _mass_grams(made, "made")
        changes.append(Change("yield", _text(record.yield_g), _text(grams)))
        values["yield_g"] = grams
    reasons = _by_line(formulation, names, line_deviations or {}, "line_deviations")
    if reasons:
        verified = record.verified_by is not None and "verified" in {s.step for s in record.steps}
        if verified and not same_person(corrector, record.verified_by):
            raise RecordRefusedError(
                f"compounding record {record.internal_id} is verified: a deviation added to "
                f"it is acknowledged by its verifier ({record.verified_by}), who makes this "
                "correction"
            )
        given = {name for _, name in reasons}
        kept = [d for d in record.line_deviations or () if d.component not in given]
        for (_, name), text in reasons.items():
            changes.append(Change(f"line_deviations[{name}]", None, text))
            kept.append(LineDeviation(name, text, record.verified_by if verified else None))
        values["line_deviations"] = kept
    if not changes:
        raise RecordRefusedError(
            f"compounding record {record.internal_id}: the correction changes nothing"
        )
    values["signatures"] = None  # they sign the record as it was; the corrector may sign anew
    values["made_g"] = _total(components, record.sheet().made_g)
    values["bud"] = _assign(record.mfr, components, record.prepared_at.date(), None, record.bud)
    if values["bud"] != record.bud:
        changes.append(Change("bud.date", _text(record.bud.date), _text(values["bud"].date)))
    try:
        corrected = evolve(record, **values)
    except RecordError as exc:
        from compoundkit.records.gates import gaps, refusal

        missing = gaps(evolve(record, signoffs=None, **values))
        if not missing:
            raise
        raise refusal(
            f"compounding record {record.internal_id} is {record.state}; corrected, it "
            "would not be complete",
            missing,
        ) from exc
    return Correction(corrected, reason, corrector, when, tuple(changes))
