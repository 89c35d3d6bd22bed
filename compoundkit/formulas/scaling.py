"""Enlarging or reducing a formula to a new total (USP <1160>).

A formula given as amounts of a reference batch (``makes = "100 g"``,
``zinc oxide 14 g``) is scaled by new total / old total; strengths are unchanged
by scaling. The result is a new formulation, validated like any other.
(``compoundkit.calc.scale_formula`` is the same function, kept there by name.)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from attrs import evolve

from compoundkit.errors import CalculationError
from compoundkit.formulas.model import Amount
from compoundkit.units import magnitude
from compoundkit.units.grammar import FACTOR

if TYPE_CHECKING:
    from compoundkit.formulas.model import Formulation

__all__ = ["scale_formula"]


def _scaled(amount: Amount | None, factor: float) -> Amount | None:
    return None if amount is None else evolve(amount, value=amount.value * factor)


def scale_formula(formulation: Formulation, new_total: Any) -> Formulation:
    """``formulation`` rewritten for ``new_total`` (a mass, or a volume for a volume ``makes``).

    Amounts scale by new total / reference batch; strengths stay as they are. A
    formula without a reference batch (strengths only) just gains ``makes``.

    >>> from compoundkit import load_formula
    >>> big = scale_formula(load_formula("examples/zinc-oxide-ointment.toml"), "454 g")
    >>> str(big.makes), str(big.excipients[0].amount), str(big.excipients[1].amount)
    ('454 g', '63.56 g', '36.32 mL')
    """
    volume = formulation.makes is not None and formulation.makes.is_volume
    target = float(magnitude(new_total, "milliliter" if volume else "gram", field="new_total"))
    if not (math.isfinite(target) and target > 0):
        raise CalculationError(f"new_total must be a positive, finite quantity, not {new_total}")
    makes = Amount(target, "mL" if volume else "g")
    if formulation.makes is None:
        return evolve(formulation, makes=makes)
    factor = target / (formulation.makes.value * FACTOR[formulation.makes.unit])  # per g or mL
    return evolve(
        formulation,
        makes=makes,
        ingredients=tuple(
            evolve(c, amount=_scaled(c.amount, factor)) for c in formulation.ingredients
        ),
        excipients=tuple(
            evolve(e, amount=_scaled(e.amount, factor)) for e in formulation.excipients
        ),
    )
