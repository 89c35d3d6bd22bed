"""Pharmacy calculations a script or notebook uses directly.

Each function takes and returns pint Quantities (from any registry, or strict text
such as ``"120 mg"``) or :class:`~compoundkit.Strength` objects; bare numbers are
refused for dimensional values. Inside, plain floats; importing this package does
not import pint.

- :mod:`~compoundkit.calc.weighing`: balances, minimum weighable quantity, aliquot plans
- :mod:`~compoundkit.calc.mixing`: alligation, dilution
- :mod:`~compoundkit.calc.chemistry`: mmol, mEq, elemental content, density

>>> from compoundkit import calc
>>> calc.minimum_weighable_quantity("6 mg", "5%")
<Quantity(120.0, 'milligram')>
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compoundkit.calc.chemistry import (
        WATER_DENSITY_G_PER_ML,
        amount_for_elemental,
        density_from_specific_gravity,
        elemental_content,
        mass_from_volume,
        milliequivalents,
        millimoles,
        mmol_from_grams,
        specific_gravity,
        volume_from_mass,
    )
    from compoundkit.calc.mixing import Alligation, Dilution, alligation, dilution
    from compoundkit.calc.weighing import (
        AliquotPlan,
        Balance,
        aliquot_plan,
        minimum_weighable_quantity,
        round_to_increment,
        usp41_minimum_weight,
    )
    from compoundkit.errors import CalculationError
    from compoundkit.formulas.scaling import scale_formula

# Name -> module that defines it; imported on first use (PEP 562), so that importing
# one calc module (as the batch engine does) does not import the others.
_LAZY = {
    "AliquotPlan": "compoundkit.calc.weighing",
    "Alligation": "compoundkit.calc.mixing",
    "Balance": "compoundkit.calc.weighing",
    "CalculationError": "compoundkit.errors",
    "Dilution": "compoundkit.calc.mixing",
    "WATER_DENSITY_G_PER_ML": "compoundkit.calc.chemistry",
    "aliquot_plan": "compoundkit.calc.weighing",
    "alligation": "compoundkit.calc.mixing",
    "amount_for_elemental": "compoundkit.calc.chemistry",
    "density_from_specific_gravity": "compoundkit.calc.chemistry",
    "dilution": "compoundkit.calc.mixing",
    "elemental_content": "compoundkit.calc.chemistry",
    "mass_from_volume": "compoundkit.calc.chemistry",
    "milliequivalents": "compoundkit.calc.chemistry",
    "millimoles": "compoundkit.calc.chemistry",
    "minimum_weighable_quantity": "compoundkit.calc.weighing",
    "mmol_from_grams": "compoundkit.calc.chemistry",
    "round_to_increment": "compoundkit.calc.weighing",
    # Scaling a Formulation belongs with formulas; this name is kept as an alias (a
    # contract), the one reference from calc upwards, resolved only when it is used.
    "scale_formula": "compoundkit.formulas.scaling",
    "specific_gravity": "compoundkit.calc.chemistry",
    "usp41_minimum_weight": "compoundkit.calc.weighing",
    "volume_from_mass": "compoundkit.calc.chemistry",
}

__all__ = [
    "WATER_DENSITY_G_PER_ML",
    "AliquotPlan",
    "Alligation",
    "Balance",
    "CalculationError",
    "Dilution",
    "aliquot_plan",
    "alligation",
    "amount_for_elemental",
    "density_from_specific_gravity",
    "dilution",
    "elemental_content",
    "mass_from_volume",
    "milliequivalents",
    "millimoles",
    "minimum_weighable_quantity",
    "mmol_from_grams",
    "round_to_increment",
    "scale_formula",
    "specific_gravity",
    "usp41_minimum_weight",
    "volume_from_mass",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'compoundkit.calc' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
