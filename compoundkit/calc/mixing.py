"""Mixing strengths: alligation (two strengths make a third) and simple dilution.

Strengths must share one basis: w/w mixes masses, v/v and w/v mix volumes (for w/v and
v/v the volumes are taken as additive; a diluent is added *to* the final volume).
Drug is conserved: strength x amount summed over the parts equals the target
strength x the total (C1 Q1 = C2 Q2).

>>> mix = alligation("20 % w/w", "5 % w/w", "10 % w/w", total="100 g")
>>> round(mix.strong_value, 2), round(mix.weak_value, 2)
(33.33, 66.67)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from compoundkit.calc.weighing import CalculationError, positive_amount
from compoundkit.errors import DimensionError
from compoundkit.units import Basis, Strength, quantity

if TYPE_CHECKING:
    import pint

__all__ = ["Alligation", "Dilution", "alligation", "dilution"]

#: The pint unit the amounts of each basis are measured in.
_AMOUNT_UNIT: Final[dict[Basis, str]] = {
    Basis.W_W: "gram",
    Basis.W_V: "milliliter",
    Basis.V_V: "milliliter",
}
_SYMBOL: Final[dict[str, str]] = {"gram": "g", "milliliter": "mL"}


def _strength(value: object, field: str) -> Strength:
    """A resolved w/w, w/v or v/v Strength from a Strength or strength text."""
    strength = Strength.parse(value) if isinstance(value, str) else value
    if not isinstance(strength, Strength):
        raise CalculationError(
            f"{field}: {value!r} is not a strength; give a Strength or text such as '10 % w/w'"
        )
    if strength.basis not in _AMOUNT_UNIT:
        raise DimensionError(
            f"{field}: {strength} is {strength.basis.value}; mixing needs a w/w, w/v or v/v "
            "strength (resolve a bare percent with .resolve(dosage_form) first)"
        )
    return strength


def _same_basis(reference: Strength, other: Strength, names: tuple[str, str]) -> None:
    if other.basis is not reference.basis:
        raise DimensionError(
            f"{names[1]}: {other} is {other.basis.value} but {names[0]} {reference} is "
            f"{reference.basis.value}; convert one first (w/w <-> w/v needs a density)"
        )


def _text(value: float, unit: str) -> str:
    return f"{value:.6g} {_SYMBOL[unit]}"


@frozen
class Alligation:
    """How much of a strong and a weak preparation make a target strength.

    Amounts are in grams (w/w) or millilitres (w/v, v/v): ``strong_value``,
    ``weak_value`` and ``total_value`` are the floats, ``strong_amount``,
    ``weak_amount`` and ``total`` the Quantities. ``parts_strong`` and ``parts_weak``
    are the alligation grid's parts, in percentage points (target - weak and
    strong - target). ``weak`` is None for a plain diluent or base (0 %).
    """

    strong: Strength
    weak: Strength | None
    target: Strength
    strong_value: float
    """Amount of the strong preparation, in ``unit``."""
    weak_value: float
    """Amount of the weak preparation (or diluent), in ``unit``."""
    total_value: float
    """Amount of mixture made, in ``unit``."""
    unit: str
    """Pint unit name of the amounts: ``gram`` or ``milliliter``."""
    parts_strong: float
    """Parts of the strong preparation (target - weak, in percentage points)."""
    parts_weak: float
    """Parts of the weak preparation (strong - target, in percentage points)."""

    @property
    def strong_amount(self) -> pint.Quantity[Any]:
        """Amount of the strong preparation."""
        return quantity(self.strong_value, self.unit)

    @property
    def weak_amount(self) -> pint.Quantity[Any]:
        """Amount of the weak preparation (or diluent)."""
        return quantity(self.weak_value, self.unit)

    @property
    def total(self) -> pint.Quantity[Any]:
        """Amount of mixture made."""
        return quantity(self.total_value, self.unit)

    def steps(self) -> list[str]:
        """The calculation as sentences a second person can check.

        >>> for line in alligation("20 % w/w", "5 % w/w", "10 % w/w", total="100 g").steps():
        ...     print(line)
        1. Parts of 20 % w/w: 10 - 5 = 5; parts of 5 % w/w: 20 - 10 = 10 (15 parts in all).
        2. Mix 33.3333 g of 20 % w/w (5/15) with 66.6667 g of 5 % w/w (10/15): 100 g of 10 % w/w.
        """
        weak = "the diluent (0 %)" if self.weak is None else str(self.weak)
        s, w, t = (_percent(x) for x in (self.strong, self.weak, self.target))
        parts = self.parts_strong + self.parts_weak
        return [
            f"1. Parts of {self.strong}: {t:.6g} - {w:.6g} = {self.parts_strong:.6g}; "
            f"parts of {weak}: {s:.6g} - {t:.6g} = {self.parts_weak:.6g} "
            f"({parts:.6g} parts in all).",
            f"2. Mix {_text(self.strong_value, self.unit)} of {self.strong} "
            f"({self.parts_strong:.6g}/{parts:.6g}) with {_text(self.weak_value, self.unit)} "
            f"of {weak} ({self.parts_weak:.6g}/{parts:.6g}): "
            f"{_text(self.total_value, self.unit)} of {self.target}.",
        ]


def _percent(strength: Strength | None) -> float:
    """A strength in percent of its basis (g/100 g, g/100 mL, mL/100 mL); 0 for a diluent."""
    return 0.0 if strength is None else strength.canonical * 100.0


def alligation(
    strong: Strength | str,
    weak: Strength | str | None,
    target: Strength | str,
    *,
    total: object = None,
    strong_amount: object = None,
    weak_amount: object = None,
) -> Alligation:
    """Amounts of ``strong`` and ``weak`` that make ``target`` (alligation alternate).

    Give exactly one of ``total`` (how much mixture to make), ``strong_amount`` or
    ``weak_amount`` (all of one part is used): these are different problems. ``weak``
    None means a plain diluent or base (0 %). ``target`` must lie strictly between the
    two strengths. Strengths are Strengths or text, all w/w, all w/v or all v/v.

    >>> mix = alligation("20 % w/w", "5 % w/w", "10 % w/w", strong_amount="50 g")
    >>> mix.weak_amount, mix.total
    (<Quantity(100.0, 'gram')>, <Quantity(150.0, 'gram')>)
    >>> alligation("20 % w/w", None, "5 % w/w", total="100 g").weak_amount
    <Quantity(75.0, 'gram')>
    """
    strong_s = _strength(strong, "strong")
    weak_s = None if weak is None else _strength(weak, "weak")
    target_s = _strength(target, "target")
    _same_basis(strong_s, target_s, ("strong", "target"))
    if weak_s is not None:
        _same_basis(strong_s, weak_s, ("strong", "weak"))
    unit = _AMOUNT_UNIT[strong_s.basis]
    s, w, t = (_percent(x) for x in (strong_s, weak_s, target_s))
    weak_text = "0 % (a diluent)" if weak_s is None else str(weak_s)
    if not w < s:
        raise CalculationError(
            f"strong: {strong_s} must be stronger than weak {weak_text}; swap them"
        )
    if not w < t < s:
        raise CalculationError(
            f"target: {target_s} must lie strictly between weak {weak_text} and strong "
            f"{strong_s}: no mixture of the two can have it"
        )
    given = {
        name: value
        for name, value in (
            ("total", total),
            ("strong_amount", strong_amount),
            ("weak_amount", weak_amount),
        )
        if value is not None
    }
    if len(given) != 1:
        named = ", ".join(given) if given else "none"
        raise CalculationError(
            f"give exactly one of total, strong_amount or weak_amount (got {named}): "
            "a fixed total and a fixed amount of one part are different problems"
        )
    ((name, value),) = given.items()
    amount = positive_amount(value, unit, field=name)
    parts_strong, parts_weak = t - w, s - t
    parts = parts_strong + parts_weak  # = s - w
    if name == "total":
        strong_v = amount * parts_strong / parts
        weak_v = amount * parts_weak / parts
        total_v = amount
    elif name == "strong_amount":
        strong_v = amount
        weak_v = amount * parts_weak / parts_strong
        total_v = strong_v + weak_v
    else:
        weak_v = amount
        strong_v = amount * parts_strong / parts_weak
        total_v = strong_v + weak_v
    if not all(math.isfinite(x) for x in (strong_v, weak_v, total_v)):
        raise CalculationError(f"{name}: {value} is too large to compute with")
    return Alligation(
        strong_s, weak_s, target_s, strong_v, weak_v, total_v, unit, parts_strong, parts_weak
    )


@frozen
class Dilution:
    """How much stock and diluent make ``total`` of a weaker strength (C1 Q1 = C2 Q2).

    ``stock_value``, ``diluent_value`` and ``total_value`` are floats in ``unit``
    (grams for w/w, millilitres for w/v and v/v); the same names without ``_value``
    are Quantities.
    """

    stock: Strength
    target: Strength
    stock_value: float
    """Amount of the stock preparation, in ``unit``."""
    diluent_value: float
    """Amount of diluent (for volumes: add diluent *to* the total), in ``unit``."""
    total_value: float
    """Amount of the dilution made, in ``unit``."""
    unit: str
    """Pint unit name of the amounts: ``gram`` or ``milliliter``."""

    @property
    def stock_amount(self) -> pint.Quantity[Any]:
        """Amount of the stock preparation."""
        return quantity(self.stock_value, self.unit)

    @property
    def diluent_amount(self) -> pint.Quantity[Any]:
        """Amount of diluent."""
        return quantity(self.diluent_value, self.unit)

    @property
    def total(self) -> pint.Quantity[Any]:
        """Amount of the dilution made."""
        return quantity(self.total_value, self.unit)

    def steps(self) -> list[str]:
        """The calculation as sentences a second person can check.

        >>> print("\\n".join(dilution("10 % w/v", "2 % w/v", "500 mL").steps()))
        1. Stock needed = 500 mL x 2 % / 10 % = 100 mL of 10 % w/v.
        2. Add diluent to 500 mL (about 400 mL): 2 % w/v.
        """
        stock, target = _percent(self.stock), _percent(self.target)
        total = _text(self.total_value, self.unit)
        if self.unit == "gram":
            add = f"Add {_text(self.diluent_value, self.unit)} of diluent: {total}"
        else:
            add = f"Add diluent to {total} (about {_text(self.diluent_value, self.unit)})"
        return [
            f"1. Stock needed = {total} x {target:.6g} % / {stock:.6g} % = "
            f"{_text(self.stock_value, self.unit)} of {self.stock}.",
            f"2. {add}: {self.target}.",
        ]


def dilution(stock: Strength | str, target: Strength | str, total: object) -> Dilution:
    """Stock and diluent to make ``total`` of ``target`` from ``stock`` (C1 Q1 = C2 Q2).

    ``target`` must be weaker than ``stock``, on the same basis.

    >>> d = dilution("20 % w/w", "5 % w/w", "120 g")
    >>> d.stock_amount, d.diluent_amount
    (<Quantity(30.0, 'gram')>, <Quantity(90.0, 'gram')>)
    """
    stock_s = _strength(stock, "stock")
    target_s = _strength(target, "target")
    _same_basis(stock_s, target_s, ("stock", "target"))
    if not target_s < stock_s:
        raise CalculationError(
            f"target: {target_s} must be weaker than the stock {stock_s}; "
            "a dilution cannot make a stronger preparation"
        )
    unit = _AMOUNT_UNIT[stock_s.basis]
    total_v = positive_amount(total, unit, field="total")
    stock_v = total_v * target_s.canonical / stock_s.canonical
    if not math.isfinite(total_v * stock_s.canonical):
        raise CalculationError(f"total: {total} is too large to compute with")
    return Dilution(stock_s, target_s, stock_v, total_v - stock_v, total_v, unit)
