"""Vehicles (bases): what a topical preparation is made up in.

The shipped catalog is ``data/vehicles.toml`` (facts and sources from the domain
reference). Densities and maximum loads are left unknown where nobody publishes
them; a calculation that needs one asks for a measured value. The catalog and a
formula's inline vehicle table are both read into :class:`Vehicle` by
:func:`compoundkit.documents.structure`.

>>> v = get_vehicle("Lipoderm ActiveMax")
>>> v.id, v.aqueous, v.salt_tolerance
('lipoderm-activemax', True, 'tolerant')
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

from attrs import field, fields, frozen

from compoundkit.documents import Text, field_hooks
from compoundkit.errors import CatalogError, Problem, UnknownVehicleError
from compoundkit.names import name_key
from compoundkit.units import Strength

if TYPE_CHECKING:
    import attrs

__all__ = [
    "INLINE_FIELDS",
    "NAME",
    "NOTES",
    "PH_CHARACTER",
    "SALT_TOLERANCE",
    "VEHICLE_TYPES",
    "Vehicle",
    "all_vehicles",
    "get_vehicle",
    "read_vehicle",
    "write_vehicle",
]

SaltTolerance = Literal["tolerant", "sensitive", "unknown"]
PhCharacter = Literal["acidic", "neutral", "alkaline", "unknown"]
VehicleType = Literal[
    "cream", "gel", "ointment", "paste", "lotion", "solution", "organogel", "emulsion", "other"
]
SALT_TOLERANCE: Final = get_args(SaltTolerance)
PH_CHARACTER: Final = get_args(PhCharacter)
VEHICLE_TYPES: Final = get_args(VehicleType)


def _refuse(attribute: attrs.Attribute[Any], message: str) -> CatalogError:
    return CatalogError(problems=[Problem((attribute.name,), message)])


def _choice(allowed: tuple[str, ...]) -> Any:
    def check(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in allowed:
            raise _refuse(attribute, f"{value!r} is not allowed; allowed: {', '.join(allowed)}")

    return check


def _positive_or_none(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise _refuse(attribute, f"{value!r} must be a positive number")


def _texts(value: object) -> tuple[str, ...]:
    """One text or a list of texts."""
    from compoundkit.documents import converter, type_name

    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        raise TypeError(f"must be text or a list of texts, not {type_name(value)}")
    texts: tuple[str, ...] = converter().structure(value, tuple[str, ...])
    return texts


#: attrs field metadata of notes, which a formula or vehicle may give as one text or a list.
NOTES: Final = field_hooks(read=_texts)


def _name(value: object) -> str:
    """A name: printable text on one line (:func:`compoundkit.names.check_printable`)."""
    from compoundkit.documents import converter
    from compoundkit.names import check_printable

    if isinstance(value, str):  # the one-line rule first: text may hold line breaks
        check_printable(value.strip())
    name: str = converter().structure(value, Text)
    return name


#: attrs field metadata of a name (a formula's, an excipient's, a vehicle's): one line.
NAME: Final = field_hooks(read=_name)


@frozen
class Vehicle:
    """A base: whether it holds water (BUD class), is preserved, tolerates salts.

    ``density_g_per_ml`` (g/mL) and ``max_load`` are None when unknown. The fields
    from ``id`` on belong to the catalog: a vehicle given inline in a formula has
    ``id`` None.
    """

    name: str = field(metadata=NAME)
    """The base's name."""
    aqueous: bool
    """Whether it holds water: it decides the BUD class."""
    type: VehicleType = field(default="other", validator=_choice(VEHICLE_TYPES))
    """What kind of base it is."""
    preserved: bool | None = None
    """Whether it holds a preservative (unknown counts as not preserved)."""
    density_g_per_ml: float | None = field(default=None, validator=_positive_or_none)
    """Its density in g/mL, when known."""
    density_source: Text | None = None
    """Where the density comes from."""
    max_load: Strength | None = None
    """The most powder or drug it takes, when known."""
    max_load_source: Text | None = None
    """Where the maximum load comes from."""
    salt_tolerance: SaltTolerance = field(default="unknown", validator=_choice(SALT_TOLERANCE))
    """Whether electrolytes (magnesium chloride...) thin or break it."""
    ph_character: PhCharacter = field(default="unknown", validator=_choice(PH_CHARACTER))
    """Its pH character (an alkaline base precipitates some salts' free bases)."""
    notes: tuple[str, ...] = field(default=(), metadata=NOTES)
    """Notes (one text or a list)."""
    id: Text | None = None
    aliases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    verify: bool = False

    @property
    def is_inline(self) -> bool:
        """True for a vehicle described in the formula rather than taken from the catalog."""
        return self.id is None

    def density(self) -> Any:
        """The density as a pint Quantity (g/mL), or None when unknown."""
        if self.density_g_per_ml is None:
            return None
        from compoundkit.units import quantity

        return quantity(self.density_g_per_ml, "gram / milliliter")

    def citations(self) -> tuple[str, ...]:
        """The full citations behind this vehicle's facts."""
        refs = _catalog()[1]
        return tuple(refs.get(source, source) for source in self.sources)


_FIELDS: Final = [attribute.name for attribute in fields(Vehicle)]
#: The keys of a formula's inline vehicle table: every field up to the catalog's own.
INLINE_FIELDS: Final = tuple(_FIELDS[: _FIELDS.index("id")])


def read_vehicle(value: object) -> Vehicle:
    """A formula's ``vehicle``: a catalog id, name or alias, or an inline table.

    >>> read_vehicle({"name": "white petrolatum", "aqueous": False}).is_inline
    True
    >>> read_vehicle({"name": "v", "aqueous": "yes", "id": "plo"})
    Traceback (most recent call last):
    ...
    compoundkit.errors.DocumentError: 2 problems:
      id: unknown key; allowed: name, aqueous, type, preserved, ...
      aqueous: must be true or false, not the text 'yes'
    """
    from compoundkit.documents import structure, type_name
    from compoundkit.errors import DocumentError

    if isinstance(value, str):
        return get_vehicle(value)
    if not isinstance(value, Mapping):
        raise TypeError(f"must be a catalog vehicle id or an inline table, not {type_name(value)}")
    allowed = ", ".join(INLINE_FIELDS)
    problems = [Problem((key,), f"unknown key; allowed: {allowed}") for key in value
                if key not in INLINE_FIELDS]  # fmt: skip
    try:
        vehicle = structure({k: v for k, v in value.items() if k in INLINE_FIELDS}, Vehicle)
    except DocumentError as exc:
        problems += exc.problems
    if problems:
        raise DocumentError(problems)
    return vehicle


def write_vehicle(vehicle: Vehicle) -> Any:
    """A formula's ``vehicle`` value: the catalog id, or the inline table."""
    from compoundkit.documents import unstructure

    return vehicle.id if vehicle.id is not None else unstructure(vehicle)


@frozen
class _Reference:
    id: Text
    citation: Text


@frozen
class _Catalog:
    """The shipped vehicles file."""

    references: tuple[_Reference, ...] = ()
    vehicles: tuple[Vehicle, ...] = ()


@functools.cache
def _catalog() -> tuple[dict[str, Vehicle], dict[str, str]]:
    """The shipped vehicles, read once: (name key -> vehicle, reference id -> citation)."""
    from compoundkit._toml import parse
    from compoundkit.documents import structure
    from compoundkit.errors import DocumentError

    path = "vehicles.toml"
    text = resources.files("compoundkit.formulas").joinpath("data", path).read_text("utf-8")
    catalog = structure(parse(text), _Catalog, source=path, text=text)
    refs = {ref.id: ref.citation for ref in catalog.references}
    lookup: dict[str, Vehicle] = {}
    problems = []
    for index, vehicle in enumerate(catalog.vehicles):
        where = ("vehicles", index)
        if vehicle.id is None:
            problems.append(Problem((*where, "id"), "required, but missing"))
        problems += [Problem((*where, "sources"), f"unknown reference {source!r}")
                     for source in vehicle.sources if source not in refs]  # fmt: skip
        for name in (vehicle.id or "", vehicle.name, *vehicle.aliases):
            if lookup.setdefault(name_key(name), vehicle) is not vehicle:
                problems.append(Problem(where, f"name {name!r} used twice"))
    if problems:
        raise DocumentError(problems, file=path)
    return lookup, refs


def get_vehicle(name: str) -> Vehicle:
    """The catalog vehicle answering to an id, name or alias (any case or spacing).

    >>> get_vehicle("petrolatum").name
    'White petrolatum'
    >>> get_vehicle("lipoderm activmax")
    Traceback (most recent call last):
    ...
    compoundkit.errors.UnknownVehicleError: unknown vehicle 'lipoderm activmax'; did you mean ...
    """
    lookup = _catalog()[0]
    vehicle = lookup.get(name_key(name))
    if vehicle is None:
        raise UnknownVehicleError(name, _suggestions(name, lookup))
    return vehicle


def _suggestions(name: str, lookup: Mapping[str, Vehicle]) -> list[str]:
    """Vehicle names close to ``name`` (by id, name or alias), else sharing a word with it."""
    import difflib

    close = difflib.get_close_matches(name_key(name), lookup, n=6, cutoff=0.6)
    found = sorted({lookup[key].name for key in close})
    if not found:
        words = {name_key(word) for word in name.split()} - {""}
        found = sorted(
            {v.name for v in lookup.values()
             if words & {name_key(w) for text in (v.name, *v.aliases) for w in text.split()}}
        )  # fmt: skip
    return found[:3]


def all_vehicles() -> tuple[Vehicle, ...]:
    """Every shipped vehicle, in catalog order."""
    return tuple({id(v): v for v in _catalog()[0].values()}.values())
