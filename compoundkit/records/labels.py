"""Label content: auxiliary labels derived from the ingredients, and the container label.

USP <795> label (2023 revision): it must show the internal identification number,
the active ingredients with their amounts or concentrations, the storage when it is not
controlled room temperature, the BUD, the dosage form and the total quantity; it should
show the route, that it is a compounded preparation, special handling and warnings
(auxiliary labels), and the facility's name and contact.

>>> dedupe(["Shake well", "shake  WELL", "For external use only"])
('Shake well', 'For external use only')
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from compoundkit.names import name_key

if TYPE_CHECKING:
    from compoundkit.formulas import Formulation
    from compoundkit.records.cr import CompoundingRecord
    from compoundkit.records.mfr import MasterFormulationRecord

__all__ = ["LABEL_REQUIREMENTS", "auxiliary_labels", "container_label", "dedupe"]

LABEL_REQUIREMENTS: Final = (
    "internal identification number (Rx or lot)",
    "active ingredients with their strengths",
    "dosage form",
    "total quantity",
    "beyond-use date",
    "storage, when not controlled room temperature",
    "route of administration",
    "that it is a compounded preparation",
    "auxiliary labels (warnings, special handling)",
    "facility name and contact",
)
"""What the container label shows (USP <795>: the first six must, the rest should)."""

_ROOM_TEMPERATURE: Final = "controlled room temperature"


def dedupe(labels: Iterable[str]) -> tuple[str, ...]:
    """Labels in first-seen order, dropping repeats (by :func:`~compoundkit.names.name_key`)."""
    seen: set[str] = set()
    result: list[str] = []
    for label in labels:
        key = name_key(label)
        if key and key not in seen:
            seen.add(key)
            result.append(" ".join(label.split()))
    return tuple(result)


def auxiliary_labels(formulation: Formulation) -> tuple[str, ...]:
    """The auxiliary labels of every catalog ingredient in ``formulation``, deduplicated.

    >>> from compoundkit.formulas import load_formula
    >>> for label in auxiliary_labels(load_formula("examples/muscle-spasm-cream.toml")):
    ...     print(label)
    For external use only
    Avoid sunlight / UV exposure
    Do not cover with occlusive dressing
    """
    return dedupe(
        label.text for component in formulation.ingredients
        for label in component.ingredient.auxiliary_labels
    )  # fmt: skip


def strengths(formulation: Formulation) -> tuple[str, ...]:
    """Each ingredient and excipient with its strength (or amount per reference batch)."""
    lines = []
    for component in formulation.ingredients:
        form = component.weighed_form()
        amount = component.strength if component.strength is not None else component.amount
        named = (
            component.name
            if form.id == component.ingredient.default_form
            else (f"{component.name} ({form.name})")
        )
        lines.append(f"{named} {amount}")
    for excipient in formulation.excipients:
        amount = excipient.strength if excipient.strength is not None else excipient.amount
        per = (
            f" per {formulation.makes}"
            if excipient.amount is not None and formulation.makes
            else ""
        )
        lines.append(f"{excipient.name} {amount}{per}")
    return tuple(lines)


def mfr_label(mfr: MasterFormulationRecord) -> tuple[str, ...]:
    """The label an MFR prescribes: its fixed content, storage and auxiliary labels."""
    f = mfr.formulation
    lines = [
        f"{f.name}: {', '.join(strengths(f))}",
        f"Dosage form: {f.dosage_form}; route: {f.route}",
        "Internal ID (Rx or lot), total quantity and BUD: from the compounding record",
        "Compounded preparation",
    ]
    if mfr.bud is not None and mfr.bud.storage != _ROOM_TEMPERATURE:
        lines.append(f"Storage: {mfr.bud.storage}")
    lines += [*mfr.labelling, *(f"Auxiliary label: {label}" for label in mfr.auxiliary_labels)]
    return tuple(lines)


def container_label(record: CompoundingRecord) -> tuple[str, ...]:
    """The text of the container label for a compounding record, line by line."""
    mfr = record.mfr
    f = mfr.formulation
    lines = [
        f"{f.name}",
        ", ".join(strengths(f)),
        f"{f.dosage_form}, {f.route}; total {record.made_g:g} g",
        f"ID: {record.internal_id}",
        f"Use by (BUD): {record.bud.date.isoformat()}",
    ]
    if record.bud.storage != _ROOM_TEMPERATURE:
        lines.append(f"Storage: {record.bud.storage}")
    lines.append("Compounded preparation")
    lines += list(dedupe([*mfr.labelling, *mfr.auxiliary_labels]))
    return tuple(lines)
