"""Formulations, vehicles, validation and batch sheets.

>>> from compoundkit.formulas import get_vehicle
>>> get_vehicle("PLO").salt_tolerance
'sensitive'
"""

from __future__ import annotations

from compoundkit.formulas.batch import BatchSheet, Excess, SheetLine, VehicleLine, weigh_many
from compoundkit.formulas.findings import Finding, Report, Severity
from compoundkit.formulas.io import (
    dumps_json,
    dumps_toml,
    load_formula,
    loads_json,
    loads_toml,
    save_formula,
)
from compoundkit.formulas.model import Amount, Component, Excipient, Formulation
from compoundkit.formulas.potency import Potency
from compoundkit.formulas.rules import RULES
from compoundkit.formulas.scaling import scale_formula
from compoundkit.formulas.vehicles import Vehicle, all_vehicles, get_vehicle

__all__ = [
    "RULES",
    "Amount",
    "BatchSheet",
    "Component",
    "Excess",
    "Excipient",
    "Finding",
    "Formulation",
    "Potency",
    "Report",
    "Severity",
    "SheetLine",
    "Vehicle",
    "VehicleLine",
    "all_vehicles",
    "dumps_json",
    "dumps_toml",
    "get_vehicle",
    "load_formula",
    "loads_json",
    "loads_toml",
    "save_formula",
    "scale_formula",
    "weigh_many",
]


def __dir__() -> list[str]:
    """The public names only (no imported helpers or submodules)."""
    return sorted(__all__)
