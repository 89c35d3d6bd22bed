"""compoundkit: unit-safe calculations, validation and records for pharmacy compounding.

compoundkit supports a licensed pharmacist's calculations and documentation; it
does not replace professional judgment.

Importing the package is cheap: pint, numpy and the catalog load on first use. The
subpackages are attributes, each imported on first access:

>>> import compoundkit
>>> compoundkit.Strength.parse("2 % w/w").fraction()
0.02
>>> compoundkit.ingredients.get("ketoprofen").name
'Ketoprofen'
>>> compoundkit.calc.minimum_weighable_quantity("6 mg", "5%")
<Quantity(120.0, 'milligram')>
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from compoundkit._version import __version__
from compoundkit.errors import (
    BatchError,
    CatalogError,
    CompoundkitError,
    DensityRequiredError,
    DimensionError,
    FormulaFileError,
    FormulationError,
    StrengthParseError,
    UnknownIngredientError,
)

if TYPE_CHECKING:
    from compoundkit import calc, devices, errors, formulas, ingredients, records, units
    from compoundkit.formulas import Formulation, load_formula
    from compoundkit.units import Q_, Basis, Strength, ureg

__all__ = [
    "Q_",
    "Basis",
    "BatchError",
    "CatalogError",
    "CompoundkitError",
    "DensityRequiredError",
    "DimensionError",
    "FormulaFileError",
    "Formulation",
    "FormulationError",
    "Strength",
    "StrengthParseError",
    "UnknownIngredientError",
    "__version__",
    "calc",
    "devices",
    "errors",
    "formulas",
    "ingredients",
    "load_formula",
    "records",
    "units",
    "ureg",
]

#: Subpackages reachable as attributes of the package, imported on first access.
_SUBPACKAGES = frozenset(
    {"calc", "devices", "errors", "formulas", "ingredients", "records", "units"}
)

# Name -> module that defines it; imported on first attribute access (PEP 562).
_LAZY = {
    "Formulation": "compoundkit.formulas",
    "load_formula": "compoundkit.formulas",
    "Basis": "compoundkit.units",
    "Strength": "compoundkit.units",
    "Q_": "compoundkit.units",
    "ureg": "compoundkit.units",
}


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return import_module(f"compoundkit.{name}")  # the import binds it in globals()
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'compoundkit' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    if name not in ("Q_", "ureg"):  # the registry stays lazy until used
        globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
