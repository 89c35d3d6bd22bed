"""The package's one pint registry, ``Q_``, and reading amounts from Quantities or text.

The registry is built on first use (importing compoundkit does not import pint)
from pint's defaults, with pint's own disk cache, plus ``definitions.txt`` (the
``dosage_unit`` and ``equivalent`` dimensions) loaded through
``UnitRegistry.load_definitions``. Quantities built with another pint registry,
such as pint's application registry, are accepted everywhere: they are converted
in their own registry, so nothing depends on registry identity.

>>> quantity(120.0, "gram")
<Quantity(120.0, 'gram')>
>>> magnitude("2.4 g", "milligram", field="amount")
2400.0
"""

from __future__ import annotations

import math
import threading
from importlib import resources
from typing import TYPE_CHECKING, Any, Final, Self, overload

from attrs import field, frozen

from compoundkit.errors import CalculationError, DimensionError
from compoundkit.units.grammar import (
    DIMENSION,
    FACTOR,
    PINT_NAME,
    Scanner,
    check_length,
    parse_amount,
)

if TYPE_CHECKING:
    import pint

__all__ = [
    "QuantityOf",
    "density_g_per_ml",
    "get_registry",
    "magnitude",
    "parse_quantity",
    "per_magnitude",
    "quantity",
]

_lock = threading.Lock()
_registry: pint.UnitRegistry[Any] | None = None
_unit_objects: dict[str, pint.Unit] = {}


def get_registry() -> pint.UnitRegistry[Any]:
    """The package's pint registry, built once on first call (thread-safe)."""
    global _registry
    if _registry is None:
        with _lock:
            if _registry is None:
                _registry = _build_registry()
    return _registry


def _build_registry() -> pint.UnitRegistry[Any]:
    import pint

    registry: pint.UnitRegistry[Any]
    try:
        registry = pint.UnitRegistry(cache_folder=":auto:")
    except OSError:  # no writable cache folder: build without pint's cache
        registry = pint.UnitRegistry()
    definitions = resources.files("compoundkit.units").joinpath("definitions.txt")
    with resources.as_file(definitions) as path:
        registry.load_definitions(str(path))
    return registry


def quantity(value: Any, unit: str) -> pint.Quantity[Any]:
    """A Quantity in the package registry; ``unit`` is a pint unit name, never user text.

    >>> quantity(2.5, "milligram / gram")
    <Quantity(2.5, 'milligram / gram')>
    """
    registry = get_registry()
    unit_object = _unit_objects.get(unit)
    if unit_object is None:
        unit_object = _unit_objects[unit] = registry.Unit(unit)
    return registry.Quantity(value, unit_object)


@frozen
class QuantityOf:
    """A result's float attribute read as a Quantity, in a fixed unit or in the unit an
    attribute names (``unit`` by default); a read-only descriptor.

    >>> from attrs import frozen
    >>> @frozen
    ... class Made:
    ...     total_mg: float
    ...     total = QuantityOf("total_mg", "milligram")
    >>> Made(120.0).total
    <Quantity(120.0, 'milligram')>
    """

    value: str
    """The float attribute."""
    unit: str | None = None
    """Its pint unit name, or None to read the unit from the attribute ``unit_of``."""
    unit_of: str = field(default="unit", kw_only=True)

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> pint.Quantity[Any]: ...

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        unit = self.unit if self.unit is not None else getattr(instance, self.unit_of)
        return quantity(getattr(instance, self.value), unit)


#: Dimensions an amount read from text may have (not a bare count of dosage units).
_AMOUNT_DIMENSIONS: Final = ("mass", "volume", "substance", "charge", "osmoles")

# pint unit name -> (dimension, factor to g or mL), for text read without pint.
_BASE_OF: Final[dict[str, tuple[str, float]]] = {
    PINT_NAME[symbol]: (DIMENSION[symbol], FACTOR[symbol])
    for symbol in ("mcg", "mg", "g", "kg", "mL", "L")
}


def magnitude(value: object, unit: str, *, field: str) -> Any:
    """The magnitude of a pint Quantity in ``unit`` (any pint registry is accepted).

    Text such as ``"120 g"`` or ``"40 mEq"`` is parsed with compoundkit's strict grammar,
    not pint's. A bare number is refused: units must be explicit.

    >>> magnitude("120 g", "gram", field="size")
    120.0
    >>> magnitude("40 mEq", "milliequivalent", field="meq")
    40.0
    >>> magnitude(120, "gram", field="size")
    Traceback (most recent call last):
    ...
    compoundkit.errors.DimensionError: size: 120 has no unit; give a quantity such as '120 g'
    """
    if isinstance(value, str):
        number, symbol = parse_amount(value, _AMOUNT_DIMENSIONS, field)
        target = _BASE_OF.get(unit)
        if target is not None:  # text in a known unit needs no registry
            if DIMENSION[symbol] != target[0]:
                raise DimensionError(
                    f"{field}: {value} cannot be expressed in {unit} (wrong dimension)"
                )
            return number * FACTOR[symbol] / target[1]
        value = quantity(number, PINT_NAME[symbol])
    m_as = getattr(value, "m_as", None)
    if m_as is None or not hasattr(value, "units"):
        raise DimensionError(f"{field}: {value!r} has no unit; give a quantity such as '120 g'")
    if str(value.units) == unit:  # already in the unit asked for: no conversion, no copy
        return value.magnitude  # type: ignore[attr-defined]
    import pint

    try:
        return m_as(unit)
    except pint.DimensionalityError:
        raise DimensionError(
            f"{field}: {value} cannot be expressed in {unit} (wrong dimension)"
        ) from None
    except pint.UndefinedUnitError as exc:
        raise DimensionError(f"{field}: {exc}") from None


def parse_quantity(text: str, allowed: tuple[str, ...] = ("mass", "volume")) -> pint.Quantity[Any]:
    """Parse ``'120 g'``/``'8 mL'`` with compoundkit's strict grammar into a Quantity.

    >>> parse_quantity("120g")
    <Quantity(120.0, 'gram')>
    """
    number, symbol = parse_amount(text, allowed)
    return quantity(number, PINT_NAME[symbol])


def per_magnitude(value: object, unit: str, *, field: str) -> float:
    """The magnitude of an amount per an amount (``"2 mEq/mL"``, ``"1.05 g/mL"``) in ``unit``.

    ``value`` is a pint Quantity (any registry) or strict text: a number, a unit, ``/``,
    an optional number and a unit (``"80 mg/2 mL"``). ``unit`` is a pint unit name such
    as ``"milliequivalent / milliliter"``. Zero, nan and inf are refused.

    >>> per_magnitude("2 mEq/mL", "milliequivalent / milliliter", field="concentration")
    2.0
    >>> per_magnitude("80 mg/2 mL", "gram / milliliter", field="concentration")
    0.04
    """
    if isinstance(value, str):
        scanner = Scanner(check_length(value, field))
        number = scanner.number(field)
        top = scanner.unit(_AMOUNT_DIMENSIONS)
        if not scanner.accept("/"):
            raise scanner.fail(f"{field} is an amount per an amount, as in 2 mEq/mL")
        scanner.skip_spaces()
        per = scanner.number(field) if scanner.peek().isdigit() else 1.0
        bottom = scanner.unit(_AMOUNT_DIMENSIONS)
        if not scanner.at_end():
            raise scanner.fail(f"unexpected text after the {field}")
        value = quantity(number / per, f"{PINT_NAME[top]} / {PINT_NAME[bottom]}")
    result = float(magnitude(value, unit, field=field))
    if not (math.isfinite(result) and result > 0):
        raise CalculationError(f"{field}: {value} must be a finite amount above zero")
    return result


def density_g_per_ml(density: Any) -> float:
    """A density in g/mL from a Quantity (any registry) or strict text such as ``1.05 g/mL``.

    >>> density_g_per_ml("0.85 g/mL"), density_g_per_ml(quantity(1.2, "gram / milliliter"))
    (0.85, 1.2)
    """
    if isinstance(density, str):
        scanner = Scanner(check_length(density, "density"))
        number = scanner.number("the density")
        mass_unit = scanner.unit(("mass",))
        if not scanner.accept("/"):
            raise scanner.fail("a density is a mass per volume, as in 1.05 g/mL")
        volume_unit = scanner.unit(("volume",))
        if not scanner.at_end():
            raise scanner.fail("unexpected text after the density")
        return number * FACTOR[mass_unit] / FACTOR[volume_unit]
    value = float(magnitude(density, "gram / milliliter", field="density"))
    if not (math.isfinite(value) and value > 0):
        raise CalculationError(f"density: {density} must be a finite density above zero")
    return value
