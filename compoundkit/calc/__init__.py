"""Pharmacy calculations a script or notebook uses directly.

Each function takes and returns pint Quantities (from any registry, or strict text
such as ``"120 mg"``) or :class:`~compoundkit.Strength` objects; bare numbers are
refused for dimensional values. Inside, plain floats; importing this package does
not import pint.

- :mod:`~compoundkit.calc.weighing`: balances, minimum weighable quantity, aliquot plans
- :mod:`~compoundkit.calc.trituration`: triturations in one stage or two (serial)
- :mod:`~compoundkit.calc.measuring`: percentage error, smallest measurable quantity and
  volume, the liquid aliquot method, density and specific gravity from a weighing
- :mod:`~compoundkit.calc.mixing`: alligation, alligation medial, dilution
- :mod:`~compoundkit.calc.amounts`: the preparation that holds an amount of active
- :mod:`~compoundkit.calc.chemistry`: mmol, mEq, elemental content, density
- :mod:`~compoundkit.calc.electrolytes`: the mass for mEq, mmol or mOsm; percent for mEq/mL

>>> from compoundkit import calc
>>> calc.minimum_weighable_quantity("6 mg", "5%")
<Quantity(120.0, 'milligram')>
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compoundkit.calc.amounts import ActiveTotal, total_for_active
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
    from compoundkit.calc.electrolytes import (
        ConcentrationPercent,
        SubstanceMass,
        mass_for_milliequivalents,
        mass_for_millimoles,
        mass_for_milliosmoles,
        milliosmoles,
        percent_for_meq_per_ml,
    )
    from compoundkit.calc.measuring import (
        DensityMeasurement,
        LiquidAliquot,
        MeasurableVolume,
        PercentageError,
        SmallestQuantity,
        density_from_weighing,
        liquid_aliquot,
        minimum_measurable_volume,
        percentage_error,
        smallest_quantity_for_error,
    )
    from compoundkit.calc.mixing import (
        Alligation,
        Dilution,
        MixtureStrength,
        alligation,
        dilution,
        mixture_strength,
    )
    from compoundkit.calc.trituration import TriturationPlan, serial_trituration, trituration_plan
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
    "ActiveTotal": "compoundkit.calc.amounts",
    "AliquotPlan": "compoundkit.calc.weighing",
    "Alligation": "compoundkit.calc.mixing",
    "Balance": "compoundkit.calc.weighing",
    "CalculationError": "compoundkit.errors",
    "ConcentrationPercent": "compoundkit.calc.electrolytes",
    "DensityMeasurement": "compoundkit.calc.measuring",
    "Dilution": "compoundkit.calc.mixing",
    "LiquidAliquot": "compoundkit.calc.measuring",
    "MeasurableVolume": "compoundkit.calc.measuring",
    "MixtureStrength": "compoundkit.calc.mixing",
    "PercentageError": "compoundkit.calc.measuring",
    "SmallestQuantity": "compoundkit.calc.measuring",
    "SubstanceMass": "compoundkit.calc.electrolytes",
    "TriturationPlan": "compoundkit.calc.trituration",
    "WATER_DENSITY_G_PER_ML": "compoundkit.calc.chemistry",
    "aliquot_plan": "compoundkit.calc.weighing",
    "alligation": "compoundkit.calc.mixing",
    "amount_for_elemental": "compoundkit.calc.chemistry",
    "density_from_specific_gravity": "compoundkit.calc.chemistry",
    "density_from_weighing": "compoundkit.calc.measuring",
    "dilution": "compoundkit.calc.mixing",
    "elemental_content": "compoundkit.calc.chemistry",
    "liquid_aliquot": "compoundkit.calc.measuring",
    "mass_for_milliequivalents": "compoundkit.calc.electrolytes",
    "mass_for_millimoles": "compoundkit.calc.electrolytes",
    "mass_for_milliosmoles": "compoundkit.calc.electrolytes",
    "mass_from_volume": "compoundkit.calc.chemistry",
    "milliequivalents": "compoundkit.calc.chemistry",
    "millimoles": "compoundkit.calc.chemistry",
    "milliosmoles": "compoundkit.calc.electrolytes",
    "minimum_measurable_volume": "compoundkit.calc.measuring",
    "minimum_weighable_quantity": "compoundkit.calc.weighing",
    "mixture_strength": "compoundkit.calc.mixing",
    "mmol_from_grams": "compoundkit.calc.chemistry",
    "percent_for_meq_per_ml": "compoundkit.calc.electrolytes",
    "percentage_error": "compoundkit.calc.measuring",
    "round_to_increment": "compoundkit.calc.weighing",
    # Scaling a Formulation belongs with formulas; this name is kept as an alias (a
    # contract), the one reference from calc upwards, resolved only when it is used.
    "scale_formula": "compoundkit.formulas.scaling",
    "serial_trituration": "compoundkit.calc.trituration",
    "smallest_quantity_for_error": "compoundkit.calc.measuring",
    "specific_gravity": "compoundkit.calc.chemistry",
    "total_for_active": "compoundkit.calc.amounts",
    "trituration_plan": "compoundkit.calc.trituration",
    "usp41_minimum_weight": "compoundkit.calc.weighing",
    "volume_from_mass": "compoundkit.calc.chemistry",
}

__all__ = [
    "WATER_DENSITY_G_PER_ML",
    "ActiveTotal",
    "AliquotPlan",
    "Alligation",
    "Balance",
    "CalculationError",
    "ConcentrationPercent",
    "DensityMeasurement",
    "Dilution",
    "LiquidAliquot",
    "MeasurableVolume",
    "MixtureStrength",
    "PercentageError",
    "SmallestQuantity",
    "SubstanceMass",
    "TriturationPlan",
    "aliquot_plan",
    "alligation",
    "amount_for_elemental",
    "density_from_specific_gravity",
    "density_from_weighing",
    "dilution",
    "elemental_content",
    "liquid_aliquot",
    "mass_for_milliequivalents",
    "mass_for_millimoles",
    "mass_for_milliosmoles",
    "mass_from_volume",
    "milliequivalents",
    "millimoles",
    "milliosmoles",
    "minimum_measurable_volume",
    "minimum_weighable_quantity",
    "mixture_strength",
    "mmol_from_grams",
    "percent_for_meq_per_ml",
    "percentage_error",
    "round_to_increment",
    "scale_formula",
    "serial_trituration",
    "smallest_quantity_for_error",
    "specific_gravity",
    "total_for_active",
    "trituration_plan",
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
