"""Vehicles (bases): what a topical preparation is made up in.

The shipped catalog is ``data/vehicles.toml`` (facts and sources from the domain
reference). Densities and maximum loads are left unknown where nobody publishes
them; a calculation that needs one asks for a measured value.

>>> v = get_vehicle("Lipoderm ActiveMax")
>>> v.id, v.aqueous, v.salt_tolerance
('lipoderm-activemax', True, 'tolerant')
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

from attrs import field, fields, frozen

from compoundkit._toml import parse
from compoundkit.errors import CatalogError, StrengthParseError, UnknownVehicleError
from compoundkit.units import Strength

if TYPE_CHECKING:
    import attrs

__all__ = ["SALT_TOLERANCE", "Vehicle", "all_vehicles", "get_vehicle", "vehicle_from_dict"]

SALT_TOLERANCE: Final = ("tolerant", "sensitive", "unknown")
PH_CHARACTER: Final = ("acidic", "neutral", "alkaline", "unknown")
VEHICLE_TYPES: Final = (
    "cream", "gel", "ointment", "paste", "lotion", "solution", "organogel", "emulsion", "other"
)  # fmt: skip


def _choice(allowed: tuple[str, ...]) -> Any:
    def check(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in allowed:
            raise CatalogError(
                f"{value!r} is not allowed; allowed: {', '.join(allowed)}", field=attribute.name
            )

    return check


def _positive_or_none(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise CatalogError(f"{value!r} must be a positive number", field=attribute.name)


@frozen
class Vehicle:
    """A base: whether it holds water (BUD class), is preserved, tolerates salts.

    ``density_g_per_ml`` (g/mL) and ``max_load`` are None when unknown. A vehicle
    given inline in a formula has ``id`` None.
    """

    name: str
    aqueous: bool
    id: str | None = None
    type: str = field(default="other", validator=_choice(VEHICLE_TYPES))
    preserved: bool | None = None
    density_g_per_ml: float | None = field(default=None, validator=_positive_or_none)
    density_source: str | None = None
    max_load: Strength | None = None
    max_load_source: str | None = None
    salt_tolerance: str = field(default="unknown", validator=_choice(SALT_TOLERANCE))
    ph_character: str = field(default="unknown", validator=_choice(PH_CHARACTER))
    aliases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
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


_FIELDS: Final = {field.name for field in fields(Vehicle)}
_INLINE_FIELDS: Final = _FIELDS - {"id", "sources", "verify", "aliases", "examples"}


def vehicle_from_dict(data: Mapping[str, Any], *, inline: bool = False) -> Vehicle:
    """Build a vehicle from a mapping (a TOML table), checking every field.

    >>> vehicle_from_dict({"name": "white petrolatum", "aqueous": False}, inline=True).aqueous
    False
    """
    problems = vehicle_problems(data, inline=inline)
    if problems:
        field, message = problems[0]
        raise CatalogError(message, field=field)
    return Vehicle(**{key: _convert(key, value) for key, value in data.items()})


_CHOICES: Final = {
    "type": VEHICLE_TYPES,
    "salt_tolerance": SALT_TOLERANCE,
    "ph_character": PH_CHARACTER,
}


def vehicle_problems(
    data: Mapping[str, Any], *, inline: bool = False
) -> list[tuple[str | None, str]]:
    """Every problem of a vehicle mapping, as (field or None, message); empty when valid.

    >>> vehicle_problems({"name": "v", "aqueous": "yes", "type": "jelly"}, inline=True)
    [('aqueous', "must be true or false, not 'yes'"), ('type', "'jelly' is not allowed; ...")]
    """
    allowed = _INLINE_FIELDS if inline else _FIELDS
    problems: list[tuple[str | None, str]] = []
    unknown = sorted(set(data) - allowed)
    if unknown:
        names = ", ".join(map(repr, unknown))
        problems.append((None, f"unknown field(s) {names}; allowed: {', '.join(sorted(allowed))}"))
    for required in ("name", "aqueous"):
        if required not in data:
            problems.append((required, "is required"))
    for key, value in data.items():
        if key not in allowed:
            continue
        try:
            converted = _convert(key, value)
        except CatalogError as exc:
            problems.append((key, _bare(exc)))
            continue
        if key in _CHOICES and converted not in _CHOICES[key]:
            problems.append(
                (key, f"{converted!r} is not allowed; allowed: {', '.join(_CHOICES[key])}")
            )
        if key == "density_g_per_ml" and not (math.isfinite(converted) and converted > 0):
            problems.append((key, f"{value!r} must be a positive number"))
    return problems


def _bare(exc: CatalogError) -> str:
    """The message of a CatalogError without its "field 'x': " prefix."""
    text = str(exc)
    prefix = f"field {exc.field!r}: " if exc.field else ""
    return text[len(prefix) :] if prefix and text.startswith(prefix) else text


def _convert(key: str, value: Any) -> Any:
    if key in ("aqueous", "preserved", "verify"):
        if not isinstance(value, bool):
            raise CatalogError(f"must be true or false, not {value!r}", field=key)
        return value
    if key == "density_g_per_ml":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise CatalogError(f"must be a number of g/mL, not {value!r}", field=key)
        try:
            return float(value)
        except OverflowError:  # an integer too large for a float
            raise CatalogError(
                f"{str(value)[:20]}... is not a density: give g/mL, such as 1.05", field=key
            ) from None
    if key == "max_load":
        if not isinstance(value, str):
            raise CatalogError(f"must be a strength such as '40 % w/w', not {value!r}", field=key)
        try:
            return Strength.parse(value)
        except StrengthParseError as exc:
            reason = exc.reason
            raise CatalogError(
                f"{reason} (in {value!r}); a strength such as '40 % w/w'", field=key
            ) from None
    if key in ("aliases", "examples", "notes", "sources"):
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise CatalogError(f"must be a list of text, not {value!r}", field=key)
        return tuple(value)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"must be non-empty text, not {value!r}", field=key)
    return value.strip()


def _key(name: str) -> str:
    return " ".join(name.lower().replace("-", " ").replace("_", " ").split())


@functools.cache
def _catalog() -> tuple[dict[str, Vehicle], dict[str, str]]:
    """The shipped vehicles, loaded and checked once: (name key -> vehicle, ref id -> citation)."""
    path = "vehicles.toml"
    text = resources.files("compoundkit.formulas").joinpath("data", path).read_text("utf-8")
    data = parse(text)
    refs = {ref["id"]: ref["citation"] for ref in data.get("references", [])}
    lookup: dict[str, Vehicle] = {}
    for entry in data.get("vehicles", []):
        try:
            vehicle = vehicle_from_dict(entry)
        except CatalogError as exc:
            raise CatalogError(str(exc), file=path, entry=entry.get("id")) from None
        for source in vehicle.sources:
            if source not in refs:
                raise CatalogError(f"unknown reference {source!r}", file=path, entry=vehicle.id)
        for name in (vehicle.id or "", vehicle.name, *vehicle.aliases):
            key = _key(name)
            if key in lookup and lookup[key] is not vehicle:
                raise CatalogError(f"name {name!r} used twice", file=path, entry=vehicle.id)
            lookup[key] = vehicle
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
    vehicle = lookup.get(_key(name))
    if vehicle is None:
        names = sorted({v.name for v in lookup.values()})
        import difflib

        close = difflib.get_close_matches(_key(name), [_key(n) for n in names], n=3, cutoff=0.6)
        suggestions = [n for n in names if _key(n) in close]
        raise UnknownVehicleError(name, suggestions)
    return vehicle


def all_vehicles() -> tuple[Vehicle, ...]:
    """Every shipped vehicle, in catalog order."""
    seen: dict[str | None, Vehicle] = {}
    for vehicle in _catalog()[0].values():
        seen.setdefault(vehicle.id, vehicle)
    return tuple(seen.values())
