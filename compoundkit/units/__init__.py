"""Units: the package's one pint registry, ``Q_``, and the :class:`Strength` type.

- :mod:`~compoundkit.units.registry`: the registry (built lazily), ``quantity``,
  ``magnitude``, reading amounts and densities.
- :mod:`~compoundkit.units.strength`: :class:`Strength` and its strict grammar.
- :mod:`~compoundkit.units.percent`: :class:`Basis` and the USP rule for a bare percent.
- :mod:`~compoundkit.units.grammar`: numbers and units in user text (never pint's parser).

>>> Strength.parse("10 %").resolve("cream")
Strength.parse('10 % w/w')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from compoundkit.units.percent import Basis, Notation, resolve_basis
from compoundkit.units.registry import (
    density_g_per_ml,
    get_registry,
    magnitude,
    parse_quantity,
    per_magnitude,
    quantity,
)
from compoundkit.units.strength import Strength

if TYPE_CHECKING:
    import pint

    ureg: pint.UnitRegistry[Any]
    Q_: type[pint.Quantity[Any]]

__all__ = [
    "Q_",
    "Basis",
    "Notation",
    "Strength",
    "density_g_per_ml",
    "get_registry",
    "magnitude",
    "parse_quantity",
    "per_magnitude",
    "quantity",
    "resolve_basis",
    "ureg",
]


def __getattr__(name: str) -> Any:
    """``ureg`` and ``Q_`` are built lazily, on first access."""
    if name == "ureg":
        return get_registry()
    if name == "Q_":
        return get_registry().Quantity
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
