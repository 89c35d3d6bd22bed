"""Saved records are checked again when they are read: the stored figures must be the ones
their inputs give.

A record file states figures that compoundkit derives: a CR's targets (from its MFR's
formulation and its batch), its total (the sum of its actual quantities, or the batch
sheet's total before every line is weighed) and its BUD (from the rule set, the
compounding day and the lots' expiries; a shortened BUD stays shortened); an MFR's BUD
period and storage (from its rule or extension) and its approval (bound to its content
hash, checked as the record is built). :func:`recheck` recomputes each one and refuses a
file whose stored figure disagrees with :class:`~compoundkit.errors.StoredFigureError`,
naming the field: a CR edited to a target ten times low, a BUD moved by a year, a forged
approval hash.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from compoundkit.errors import CompoundkitError, StoredFigureError

if TYPE_CHECKING:
    from compoundkit.records.cr import CompoundingRecord
    from compoundkit.records.mfr import MasterFormulationRecord

__all__ = ["recheck", "recheck_cr", "recheck_mfr"]


def _same(stored: float, derived: float) -> bool:
    return math.isclose(stored, derived, rel_tol=1e-9, abs_tol=1e-12)


def _g(value: float) -> str:
    return f"{value:.6g} g"


def recheck(record: Any) -> None:
    """Recheck an MFR or a CR (see the module docstring)."""
    from compoundkit.records.cr import CompoundingRecord

    if isinstance(record, CompoundingRecord):
        recheck_mfr(record.mfr, prefix="mfr.record.")
        recheck_cr(record)
    else:
        recheck_mfr(record)


def recheck_mfr(mfr: MasterFormulationRecord, prefix: str = "") -> None:
    """The MFR's BUD period and storage must be those of its rule (or its extension)."""
    from compoundkit.formulas.bud import get_rule_set

    bud = mfr.bud
    if bud is None or bud.rule is None:
        return
    try:
        rule = get_rule_set(bud.rule_set).rule(bud.rule)
    except CompoundkitError as exc:
        raise StoredFigureError(f"{prefix}bud.rule: {exc}", field=f"{prefix}bud.rule") from None
    if bud.extension is not None:
        days = bud.extension.days
        period = f"{days} day{'s' if days != 1 else ''}"
        storage = bud.extension.storage or rule.storage
    else:
        period, storage = rule.length_text, rule.storage
    for name, stored, derived in (("period", bud.period, period), ("storage", bud.storage,
                                                                    storage)):  # fmt: skip
        if stored != derived:
            where = f"{prefix}bud.{name}"
            raise StoredFigureError(
                f"{where}: stored {stored!r}, but rule {bud.rule} of {bud.rule_set}"
                f"{' with its extension' if bud.extension else ''} gives {derived!r}",
                field=where,
            )


def recheck_cr(record: CompoundingRecord) -> None:
    """The CR's components, targets, total and BUD must be what its inputs give."""
    from compoundkit.records.cr import _assign, _total

    try:
        sheet = record.sheet()
    except CompoundkitError as exc:
        raise StoredFigureError(
            f"batch: the batch sheet cannot be recomputed: {exc}", field="batch"
        ) from None
    lines = [(line.name, line.kind, line.rounded_g) for line in sheet.lines]
    lines.append((sheet.vehicle.name, "vehicle", sheet.vehicle.rounded_g))
    if len(lines) != len(record.components):
        raise StoredFigureError(
            f"components: {len(record.components)} stored, but the formula has "
            f"{len(lines)} ({', '.join(n for n, _, _ in lines)})",
            field="components",
        )
    for index, (c, (name, kind, target)) in enumerate(zip(record.components, lines, strict=True)):
        where = f"components[{index}]"
        if c.name != name or c.kind != kind:
            raise StoredFigureError(
                f"{where}.name: stored {c.name} ({c.kind}), but the formula's line is "
                f"{name} ({kind})",
                field=f"{where}.name",
            )
        if not _same(c.target_g, target):
            raise StoredFigureError(
                f"{where}.target: {c.name}: stored {_g(c.target_g)}, but the formula and the "
                f"batch ({record.batch.count} x {record.batch.size}) give {_g(target)}",
                field=f"{where}.target",
            )
    total = _total(record.components, sheet.made_g)
    if not _same(record.made_g, total):
        basis = "the sum of the actual quantities" if not record.unweighed() else "the batch"
        raise StoredFigureError(
            f"made: stored {_g(record.made_g)}, but {basis} gives {_g(total)}", field="made"
        )
    stored = record.bud
    day = record.prepared_at.date()
    try:
        derived = _assign(record.mfr, record.components, day, None)
        if stored.limited_by == "pharmacist shortening" and stored.date < derived.date:
            derived = _assign(record.mfr, record.components, day, stored.date)
    except CompoundkitError as exc:
        raise StoredFigureError(f"bud: cannot be assigned again: {exc}", field="bud") from None
    for name in ("date", "storage", "rule_set", "limited_by"):
        if getattr(stored, name) != getattr(derived, name):
            raise StoredFigureError(
                f"bud.{name}: stored {getattr(stored, name)!s}, but the rules, the compounding "
                f"day {record.prepared_at.date()} and the lots give {getattr(derived, name)!s}",
                field=f"bud.{name}",
            )
