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
from compoundkit.calc.scaling import scale_formula
from compoundkit.calc.weighing import (
    AliquotPlan,
    Balance,
    aliquot_plan,
    minimum_weighable_quantity,
    round_to_increment,
    usp41_minimum_weight,
)
from compoundkit.errors import CalculationError

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
