"""Triturations: the aliquot method for a solid, in one stage or two (serial trituration).

One stage weighs k x the amount needed, dilutes it to k aliquots and weighs one aliquot
(:func:`~compoundkit.calc.aliquot_plan`). For a very small amount one stage needs a large
mixture: 0.6 mg on a balance whose minimum weighable quantity is 120 mg needs 200
aliquots of at least 120 mg, a 24 g mixture almost all of which is thrown away (and a
1 in 200 dilution in one step). A serial trituration dilutes twice: 120 mg of drug to
1200 mg (mixture 1, 1 in 10), then 120 mg of mixture 1 to 2400 mg (mixture 2, 1 in 200 of
the drug), of which 120 mg holds the 0.6 mg: 3.6 g of mixture in all. Every weighing is at
least the minimum weighable quantity and a whole number of the balance's readability.

>>> plan = trituration_plan("0.6 mg", "120 mg")
>>> [stage.total for stage in plan.stages]
[<Quantity(1200.0, 'milligram')>, <Quantity(2400.0, 'milligram')>]
>>> plan.delivered
<Quantity(0.6, 'milligram')>
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from compoundkit.calc._steps import numbered, positive_amount
from compoundkit.calc.weighing import (
    CANDIDATES,
    AliquotPlan,
    _display,
    _mg_text,
    _plan,
    aliquot_ticks,
    in_ticks,
    plan_inputs,
    weighable_multiples,
)
from compoundkit.units.registry import QuantityOf

if TYPE_CHECKING:
    import pint

__all__ = ["DEFAULT_MAX_MIXTURE", "TriturationPlan", "serial_trituration", "trituration_plan"]

#: The largest mixture :func:`trituration_plan` makes in one stage before it triturates in
#: two. A practice policy, not a figure from a standard: above it most of the mixture is
#: discarded and one geometric dilution must spread the drug over a very large mass.
#: Pass ``max_mixture`` to use your own.
DEFAULT_MAX_MIXTURE: Final = "10 g"


@frozen
class TriturationPlan:
    """A trituration in one stage or two; each stage is an :class:`AliquotPlan`.

    In two stages, stage 1 makes mixture 1 (a 1 in k dilution of the drug) and stage 2
    dilutes a weighed part of mixture 1 to mixture 2, of which the aliquot is weighed.
    """

    needed_mg: float
    """The amount of drug needed, in milligrams."""
    stages: tuple[AliquotPlan, ...]
    """One plan, or two (stage 1 dilutes the drug, stage 2 dilutes mixture 1)."""

    @property
    def is_serial(self) -> bool:
        """True for a two-stage (serial) trituration."""
        return len(self.stages) == 2

    needed = QuantityOf("needed_mg", "milligram")
    """The amount of drug needed."""

    @property
    def delivered_mg(self) -> float:
        """Drug in the final aliquot, in milligrams (the needed amount, when exact)."""
        drug = self.stages[-1].delivered_mg
        for stage in self.stages[:-1]:  # mg of mixture 1 -> mg of drug
            drug *= stage.weigh_mg / stage.total_mg
        return _display(drug)

    delivered = QuantityOf("delivered_mg", "milligram")
    """Drug in the final aliquot."""

    @property
    def mixture_mg(self) -> float:
        """All the mixture made, in milligrams (the material the plan uses)."""
        return math.fsum(stage.total_mg for stage in self.stages)

    @property
    def aliquot(self) -> pint.Quantity[Any]:
        """The final aliquot to weigh out (it holds the drug needed)."""
        return self.stages[-1].aliquot

    def steps(self) -> list[str]:
        """The plan as numbered sentences a second person can check.

        >>> print("\\n".join(trituration_plan("0.6 mg", "120 mg", diluent="lactose").steps()))
        1. Weigh 120 mg of the drug (10 x 12 mg).
        2. Add 1.08 g of lactose and mix until uniform: 1.2 g of mixture 1.
        3. Weigh 120 mg of mixture 1 (1/10): it holds 12 mg of the drug (120 mg x 120 mg / 1.2 g).
        4. Add 2.28 g of lactose and mix until uniform: 2.4 g of mixture 2.
        5. Weigh 120 mg of mixture 2 (1/20): it holds 6 mg of mixture 1 (120 mg x 120 mg / 2.4 g).
        6. That is 0.6 mg of the drug (6 mg of mixture 1 x 120 mg / 1.2 g).
        """
        if not self.is_serial:
            return self.stages[0].steps()
        first, second = self.stages
        held = second.delivered_mg
        return numbered(
            [
                *first.sentences(),
                *second.sentences()[1:],  # its first step, weighing mixture 1, is step 3
                f"That is {_mg_text(self.delivered_mg)} of {first.drug} "
                f"({_mg_text(_display(held))} of {first.mixture} x "
                f"{_mg_text(first.weigh_mg)} / {_mg_text(first.total_mg)}).",
            ]
        )


def trituration_plan(
    needed: object,
    minimum: object,
    *,
    aliquot: object = None,
    readability: object = None,
    max_mixture: object = DEFAULT_MAX_MIXTURE,
    diluent: str = "the diluent",
    drug: str = "the drug",
) -> TriturationPlan:
    """A trituration for ``needed`` (below the minimum weighable quantity ``minimum``).

    One stage (the aliquot method, with the ``aliquot`` you choose or a round one) unless
    that needs more than ``max_mixture`` of mixture (default 10 g, a practice policy):
    then two stages (:func:`serial_trituration`), when they use less material.

    >>> plan = trituration_plan("2 mg", "120 mg", aliquot="125 mg", diluent="lactose")
    >>> plan.is_serial, plan.stages[0].total, plan.stages[0].diluent_amount
    (False, <Quantity(7500.0, 'milligram')>, <Quantity(7380.0, 'milligram')>)
    """
    inputs = plan_inputs(needed, minimum, readability, aliquot, method="trituration")
    limit_mg = positive_amount(max_mixture, "milligram", field="max_mixture")
    one = TriturationPlan(inputs[0], (_plan(*inputs, diluent=diluent, drug=drug),))
    if one.mixture_mg <= limit_mg:
        return one
    two = _serial(*inputs, diluent=diluent, drug=drug)
    return two if two.mixture_mg < one.mixture_mg else one


def serial_trituration(
    needed: object,
    minimum: object,
    *,
    aliquot: object = None,
    readability: object = None,
    diluent: str = "the diluent",
    drug: str = "the drug",
) -> TriturationPlan:
    """A two-stage trituration for ``needed``: dilute the drug, then dilute that mixture.

    The overall multiple K (the drug weighed is K x ``needed``) is split into k1 x k2:
    stage 1 dilutes the weighed drug k1-fold to mixture 1; stage 2 dilutes the same
    weight of mixture 1 to k2 aliquots (of ``aliquot``, or a round size) of mixture 2.
    The split using the least mixture is chosen.

    >>> plan = serial_trituration("0.6 mg", "120 mg")
    >>> [stage.factor for stage in plan.stages], plan.mixture_mg
    ([10, 20], 3600.0)
    """
    inputs = plan_inputs(needed, minimum, readability, aliquot, method="trituration")
    return _serial(*inputs, diluent=diluent, drug=drug)


def _serial(
    needed_mg: float,
    minimum_mg: float,
    step_mg: float,
    aliquot_mg: float | None,
    *,
    diluent: str,
    drug: str,
) -> TriturationPlan:
    """Choose K = k1 x k2, the weight W = K x needed (in readability ticks) and the aliquot."""
    step, needed, minimum, fixed = in_ticks(needed_mg, minimum_mg, step_mg, aliquot_mg)
    best: tuple[bool, int, Decimal, int, int, int, int, int] | None = None
    seen = 0
    for total_factor, weigh, error in weighable_multiples(needed, minimum):
        found = False
        for k1 in range(2, total_factor // 2 + 1):
            k2, remainder = divmod(total_factor, k1)
            # Stage 2 weighs W of mixture 1 and makes k2 aliquots with >= minimum diluent.
            aliquot = None if remainder or k2 < 2 else aliquot_ticks(weigh, k2, minimum, fixed)
            if aliquot is None:
                continue
            material = k1 * weigh + k2 * aliquot
            key = (error != 0, material, error, total_factor, k1, k2, weigh, aliquot)
            if best is None or key < best:
                best = key
            found = True
        seen += found
        if seen >= CANDIDATES:
            break
    assert best is not None  # the multiples are unbounded
    _, _, _, _, k1, k2, weigh, aliquot = best
    common = {"minimum_mg": minimum_mg, "readability_mg": step_mg, "diluent": diluent}
    first = AliquotPlan(
        needed_mg=float(weigh * step) / k1,
        weigh_mg=float(weigh * step),
        diluent_mg=float((k1 - 1) * weigh * step),
        total_mg=float(k1 * weigh * step),
        aliquot_mg=float(weigh * step),
        factor=k1,
        drug=drug,
        mixture="mixture 1",
        **common,  # type: ignore[arg-type]
    )
    second = AliquotPlan(
        needed_mg=needed_mg * k1,
        weigh_mg=float(weigh * step),
        diluent_mg=float((k2 * aliquot - weigh) * step),
        total_mg=float(k2 * aliquot * step),
        aliquot_mg=float(aliquot * step),
        factor=k2,
        drug="mixture 1",
        mixture="mixture 2",
        **common,  # type: ignore[arg-type]
    )
    return TriturationPlan(needed_mg, (first, second))
