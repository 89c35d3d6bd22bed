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
from typing import TYPE_CHECKING, Any, Final

from compoundkit.errors import CompoundkitError
from compoundkit.names import name_key

if TYPE_CHECKING:
    from compoundkit.formulas import Formulation
    from compoundkit.records.cr import CompoundingRecord
    from compoundkit.records.mfr import MasterFormulationRecord

__all__ = [
    "LABEL_REQUIREMENTS",
    "auxiliary_labels",
    "container_label",
    "container_labels",
    "dedupe",
    "made_strengths",
]

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


def _named(component: Any) -> str:
    form = component.weighed_form()
    if form.id == component.ingredient.default_form:
        return str(component.name)
    return f"{component.name} ({form.name})"


def strengths(formulation: Formulation) -> tuple[str, ...]:
    """Each ingredient and excipient with its strength (or amount per reference batch);
    a strength expressed as another form than the one weighed says so ("as base")."""
    lines = []
    for component in formulation.ingredients:
        lines.append(f"{_named(component)} {component.strength_text()}")
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


def _sig(value: float) -> str:
    """Three significant figures, no exponent: 10.0083 -> '10', 9.006 -> '9.01'."""
    from compoundkit.units.grammar import format_number

    return format_number(float(f"{value:.3g}"))


def made_strengths(record: CompoundingRecord) -> tuple[str, ...]:
    """Each active's strength as actually made, from the actual quantities.

    Until every line is weighed, the prescribed strengths. A line's strength scales with
    its share of the total: ``strength x (actual / total) / (prescribed share)``, so a
    10 % cream made with 9 % of the ketoprofen reads 9 %.
    """
    f = record.mfr.formulation
    if record.unweighed():
        return strengths(f)
    lines = []
    for index, (component, line) in enumerate(zip(f.ingredients, f.lines, strict=False)):
        weighed = record.components[index].weighed_g or 0.0
        share = line.fraction * line.factor if line.fraction else 0.0
        if component.strength is None or share <= 0:
            lines.append(f"{_named(component)} {component.strength_text()}")
            continue
        made = _scaled(component.strength, weighed / record.made_g / share)
        suffix = f" (as {component.as_form})" if component.as_form else ""
        lines.append(f"{_named(component)} {made}{suffix}")
    lines += strengths(f)[len(f.ingredients) :]
    return tuple(lines)


def _scaled(strength: Any, ratio: float) -> str:
    """``strength`` times ``ratio`` to three significant figures (a ratio strength,
    1:N, and a strength that cannot be scaled stay as prescribed)."""
    from attrs import evolve

    if strength.notation.value == "ratio":
        return str(strength)
    try:
        return str(evolve(strength, amount=float(_sig(strength.amount * ratio))))
    except (CompoundkitError, ValueError):
        return str(strength)


def container_labels(record: CompoundingRecord) -> tuple[tuple[str, ...], ...]:
    """One label per container, line by line: the name, the strengths as made, the
    dosage form and route, the container's own quantity (its size, not the batch), the
    internal id (Rx or lot number) with the container's number, the BUD, the storage,
    "Compounded preparation", and the labelling and auxiliary labels."""
    from compoundkit.records.cr import _mass_grams

    mfr = record.mfr
    f = mfr.formulation
    count = record.batch.count
    try:
        size = f"{_sig(_mass_grams(record.batch.size, 'size'))} g"
    except CompoundkitError:  # a volume size: shown as written
        size = record.batch.size
    labels = []
    for number in range(1, count + 1):
        lines = [
            f.name,
            ", ".join(made_strengths(record)),
            f"{f.dosage_form}, {f.route}; {size}",
            f"ID: {record.internal_id}"
            + (f" (container {number} of {count})" if count > 1 else ""),
            f"Use by (BUD): {record.bud.date.isoformat()}",
        ]
        if record.bud.storage != _ROOM_TEMPERATURE:
            lines.append(f"Storage: {record.bud.storage}")
        lines.append("Compounded preparation")
        lines += list(dedupe([*mfr.labelling, *mfr.auxiliary_labels]))
        labels.append(tuple(lines))
    return tuple(labels)


def container_label(record: CompoundingRecord) -> tuple[str, ...]:
    """The text of the first container's label (:func:`container_labels`)."""
    return container_labels(record)[0]
