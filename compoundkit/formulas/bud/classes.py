"""Sorting a preparation into a USP <795> (2023) Table 3 class.

A preparation is aqueous unless its water activity is shown to be below 0.6 (a
measurement wins over the formula); a nonaqueous *oral liquid* is its own class; every
other nonaqueous preparation is "other nonaqueous". Which dosage forms are liquids and
which routes USP <795> covers is data (``[classification]`` in ``bud_rules.toml``); names
compare by :func:`compoundkit.names.name_key`.

>>> classify(aqueous=False, preserved=False, dosage_form="Syrup", route="Oral").id
'nonaqueous-oral-liquid'
"""

from __future__ import annotations

import math
import types
from collections.abc import Iterable
from typing import Final

from attrs import frozen

from compoundkit.errors import BudError
from compoundkit.formulas.bud.table import rule_book
from compoundkit.names import name_key

__all__ = ["BudClass", "classify"]

# The four classes of USP <795> (2023) Table 3; classify() returns one of them.
_CLASS_DESCRIPTIONS: Final = types.MappingProxyType(
    {
        "aqueous-nonpreserved": "aqueous, nonpreserved",
        "aqueous-preserved": "aqueous, preserved",
        "nonaqueous-oral-liquid": "nonaqueous oral liquid",
        "other-nonaqueous": "other nonaqueous",
    }
)


@frozen
class BudClass:
    """A preparation sorted into one of the USP <795> (2023) Table 3 classes."""

    id: str
    """``aqueous-nonpreserved``, ``aqueous-preserved``, ``nonaqueous-oral-liquid`` or
    ``other-nonaqueous``."""
    description: str
    aqueous: bool
    preserved: bool
    oral_liquid: bool
    dosage_form: str
    """As given (without surrounding spaces)."""
    route: str
    """As the rule book lists it (``"oral"`` for ``"Oral"``)."""
    water_activity: float | None
    basis: str
    """Why the preparation is (non)aqueous, in words."""


def _require_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise BudError(f"{name} must be True or False, got {value!r}")
    return value


def _require_text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BudError(f"{name} must be non-empty text, got {value!r}")
    return value.strip()


def _listed(name: str, names: Iterable[str]) -> str | None:
    """The spelling in ``names`` of ``name`` (compared by name_key), or None."""
    key = name_key(name)
    return next((n for n in names if name_key(n) == key), None)


def classify(
    *,
    aqueous: bool,
    preserved: bool,
    dosage_form: str,
    route: str = "topical",
    water_activity: float | None = None,
) -> BudClass:
    """Sort a preparation into a USP <795> (2023) Table 3 class.

    ``aqueous`` says whether the preparation has a water phase. A measured
    ``water_activity`` decides instead when given: below 0.6 the preparation is
    nonaqueous, otherwise aqueous (the measurement wins over the formula). A nonaqueous
    preparation is a "nonaqueous oral liquid" only when it is a liquid dosage form given by
    mouth; everything else nonaqueous is "other nonaqueous". ``preserved`` only matters for
    aqueous preparations.

    >>> classify(aqueous=True, preserved=False, dosage_form="cream").id
    'aqueous-nonpreserved'
    >>> classify(aqueous=True, preserved=False, dosage_form="gel", water_activity=0.5).id
    'other-nonaqueous'
    >>> classify(aqueous=False, preserved=False, dosage_form="Suspension", route="oral").id
    'nonaqueous-oral-liquid'
    """
    settings = rule_book().classification
    has_water = _require_bool("aqueous", aqueous)
    is_preserved = _require_bool("preserved", preserved)
    form = _require_text("dosage_form", dosage_form)
    given_route = _require_text("route", route)
    sterile = _listed(given_route, settings.sterile_routes)
    if sterile is not None:
        raise BudError(
            f"route {sterile!r} needs a sterile preparation: USP <797> applies, not <795>"
        )
    path = _listed(given_route, settings.routes)
    if path is None:
        allowed = ", ".join(sorted(settings.routes))
        raise BudError(f"unknown route {given_route!r}; allowed: {allowed}")
    threshold = settings.water_activity_threshold
    if water_activity is not None:
        if (
            isinstance(water_activity, bool)
            or not isinstance(water_activity, float | int)
            or not math.isfinite(water_activity)
            or not 0 <= water_activity <= 1
        ):
            raise BudError(f"water_activity must be a number from 0 to 1, got {water_activity!r}")
        is_aqueous = water_activity >= threshold
        relation = ">=" if is_aqueous else "<"
        basis = f"water activity {water_activity:g} {relation} {threshold:g} (measured)"
    else:
        is_aqueous = has_water
        basis = (
            f"contains water (aw assumed >= {threshold:g})"
            if has_water
            else "contains no water (nonaqueous)"
        )
    oral_liquid = (
        _listed(path, settings.oral_routes) is not None
        and _listed(form, settings.liquid_dosage_forms) is not None
    )
    if is_aqueous:
        class_id = "aqueous-preserved" if is_preserved else "aqueous-nonpreserved"
    else:
        class_id = "nonaqueous-oral-liquid" if oral_liquid else "other-nonaqueous"
    return BudClass(
        id=class_id,
        description=_CLASS_DESCRIPTIONS[class_id],
        aqueous=is_aqueous,
        preserved=is_preserved,
        oral_liquid=oral_liquid,
        dosage_form=form,
        route=path,
        water_activity=None if water_activity is None else float(water_activity),
        basis=basis,
    )
