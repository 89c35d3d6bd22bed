"""Mixing strengths: alligation (two strengths make a third), alligation medial (the
strength of a mixture of any number of parts) and simple dilution.

Strengths must share one basis: w/w mixes masses, v/v and w/v mix volumes (for w/v and
v/v the volumes are taken as additive; a diluent is added *to* the final volume).
Drug is conserved: strength x amount summed over the parts equals the target
strength x the total (C1 Q1 = C2 Q2).

A plain base or diluent is ``None`` or written ``"0 %"`` (optionally ``"0 % w/w"``): a
:class:`~compoundkit.Strength` is never zero, so formulas keep refusing a 0 % strength.

>>> mix = alligation("20 % w/w", "5 % w/w", "10 % w/w", total="100 g")
>>> round(mix.strong_value, 2), round(mix.weak_value, 2)
(33.33, 66.67)
>>> str(mixture_strength([("2.5 % w/w", "30 g"), ("1 % w/w", "15 g")]).strength)
'2 % w/w'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from attrs import frozen

from compoundkit.calc._steps import figure, numbered, plain, positive_amount, strength_of
from compoundkit.errors import CalculationError, DimensionError
from compoundkit.units import Basis, Strength
from compoundkit.units.grammar import MAX_TEXT
from compoundkit.units.registry import QuantityOf

if TYPE_CHECKING:
    pass

__all__ = [
    "Alligation",
    "Dilution",
    "MixtureStrength",
    "alligation",
    "dilution",
    "mixture_strength",
]

#: The pint unit the amounts of each basis are measured in.
_AMOUNT_UNIT: Final[dict[Basis, str]] = {
    Basis.W_W: "gram",
    Basis.W_V: "milliliter",
    Basis.V_V: "milliliter",
}
#: A plain base or diluent: "0 %", "0.0 % w/w", "0 % (w/v)".
_ZERO: Final = re.compile(
    r"0+(?:\.0*)?[ \t]*%[ \t]*(?:\([ \t]*(?P<a>w/w|w/v|v/v)[ \t]*\)|(?P<b>w/w|w/v|v/v))?",
    re.IGNORECASE,
)


def _zero_basis(value: object) -> tuple[bool, Basis | None]:
    """(True, basis or None) when ``value`` is a plain base or diluent: None or ``"0 %"``."""
    if value is None:
        return True, None
    if isinstance(value, str) and len(value) <= MAX_TEXT:
        match = _ZERO.fullmatch(value.strip())
        if match is not None:
            word = (match["a"] or match["b"] or "").lower()
            return True, (Basis(word) if word else None)
    return False, None


def _strength_or_zero(value: object, field: str) -> tuple[Strength | None, Basis | None]:
    """(Strength, its basis), or (None, basis or None) for a plain base or diluent (0 %)."""
    zero, basis = _zero_basis(value)
    if zero:
        return None, basis
    strength = _strength(value, field)
    return strength, strength.basis


def _strength(value: object, field: str) -> Strength:
    """A resolved w/w, w/v or v/v Strength from a Strength or strength text."""
    strength = strength_of(value, field)
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

    strong_amount = QuantityOf("strong_value")
    """Amount of the strong preparation."""

    weak_amount = QuantityOf("weak_value")
    """Amount of the weak preparation (or diluent)."""

    total = QuantityOf("total_value")
    """Amount of mixture made."""

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
            f"2. Mix {figure(self.strong_value, self.unit)} of {self.strong} "
            f"({self.parts_strong:.6g}/{parts:.6g}) with {figure(self.weak_value, self.unit)} "
            f"of {weak} ({self.parts_weak:.6g}/{parts:.6g}): "
            f"{figure(self.total_value, self.unit)} of {self.target}.",
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
    two strengths. Strengths are Strengths or text, all w/w, all w/v or all v/v; a
    plain diluent or base is ``None`` or ``"0 %"`` (``"0 % w/w"`` checks its basis too).

    >>> mix = alligation("20 % w/w", "5 % w/w", "10 % w/w", strong_amount="50 g")
    >>> mix.weak_amount, mix.total
    (<Quantity(100.0, 'gram')>, <Quantity(150.0, 'gram')>)
    >>> alligation("20 % w/w", None, "5 % w/w", total="100 g").weak_amount
    <Quantity(75.0, 'gram')>
    >>> alligation("20 % w/w", "0 %", "5 % w/w", total="100 g").weak_amount
    <Quantity(75.0, 'gram')>
    """
    strong_s = _strength(strong, "strong")
    weak_s, weak_basis = _strength_or_zero(weak, "weak")
    target_s = _strength(target, "target")
    _same_basis(strong_s, target_s, ("strong", "target"))
    if weak_s is not None:
        _same_basis(strong_s, weak_s, ("strong", "weak"))
    elif weak_basis is not None and weak_basis is not strong_s.basis:
        raise DimensionError(
            f"weak: {weak} is {weak_basis.value} but strong {strong_s} is "
            f"{strong_s.basis.value}; a diluent takes the basis of what it dilutes"
        )
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
    amounts = {"total": total, "strong_amount": strong_amount, "weak_amount": weak_amount}
    given = {name: value for name, value in amounts.items() if value is not None}
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

    stock_amount = QuantityOf("stock_value")
    """Amount of the stock preparation."""

    diluent_amount = QuantityOf("diluent_value")
    """Amount of diluent."""

    total = QuantityOf("total_value")
    """Amount of the dilution made."""

    def steps(self) -> list[str]:
        """The calculation as sentences a second person can check.

        >>> print("\\n".join(dilution("10 % w/v", "2 % w/v", "500 mL").steps()))
        1. Stock needed = 500 mL x 2 % / 10 % = 100 mL of 10 % w/v.
        2. Add diluent to 500 mL (about 400 mL): 2 % w/v.
        """
        stock, target = _percent(self.stock), _percent(self.target)
        total = figure(self.total_value, self.unit)
        if self.unit == "gram":
            add = f"Add {figure(self.diluent_value, self.unit)} of diluent: {total}"
        else:
            add = f"Add diluent to {total} (about {figure(self.diluent_value, self.unit)})"
        return [
            f"1. Stock needed = {total} x {target:.6g} % / {stock:.6g} % = "
            f"{figure(self.stock_value, self.unit)} of {self.stock}.",
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


@frozen
class MixtureStrength:
    """The strength of a mixture of parts of known strength and amount (alligation medial).

    ``parts`` holds each part's strength (None for a plain base or diluent, 0 %) and its
    amount in ``unit`` (grams for w/w, millilitres for w/v and v/v). ``drug_value`` is
    the drug in all the parts, in ``drug_unit`` (grams for w/w and w/v, millilitres for
    v/v); ``total_value`` the mixture, in ``unit``. ``strength`` is the answer.
    """

    parts: tuple[tuple[Strength | None, float], ...]
    """(strength or None for the base, amount in ``unit``) of every part."""
    unit: str
    """Pint unit name of the amounts: ``gram`` or ``milliliter``."""
    drug_unit: str
    """Pint unit name of the drug: ``gram`` (w/w, w/v) or ``milliliter`` (v/v)."""
    drug_value: float
    """Drug in the whole mixture, in ``drug_unit``."""
    total_value: float
    """Amount of mixture, in ``unit``."""
    strength: Strength
    """The mixture's strength, a percent on the parts' basis."""

    total = QuantityOf("total_value")
    """Amount of mixture made."""

    drug = QuantityOf("drug_value", unit_of="drug_unit")
    """Drug in the whole mixture."""

    def steps(self) -> list[str]:
        """The calculation as sentences a second person can check.

        >>> mix = mixture_strength([("40 % v/v", "3000 mL"), ("60 % v/v", "1000 mL"),
        ...                         ("70 % v/v", "1000 mL")])
        >>> print("\\n".join(mix.steps()))
        1. Drug in each part: 3000 mL x 40 % = 1200 mL; 1000 mL x 60 % = 600 mL;
           1000 mL x 70 % = 700 mL.
        2. In all: 2500 mL of drug in 5000 mL of mixture.
        3. Strength = 2500 mL / 5000 mL x 100 = 50 % v/v.
        """
        each = "; ".join(
            f"{figure(amount, self.unit)} x {plain(_percent(strength))} % = "
            f"{figure(amount * _percent(strength) / 100.0, self.drug_unit)}"
            + ("" if strength is not None else " (base)")
            for strength, amount in self.parts
        )
        drug, total = figure(self.drug_value, self.drug_unit), figure(self.total_value, self.unit)
        return numbered(
            [
                f"Drug in each part: {each}.",
                f"In all: {drug} of drug in {total} of mixture.",
                f"Strength = {drug} / {total} x 100 = {self.strength:.6g}.",
            ]
        )


def mixture_strength(parts: Iterable[tuple[Strength | str | None, object]]) -> MixtureStrength:
    """The strength of a mixture of ``parts`` (alligation medial), any number of them.

    Each part is ``(strength, amount)``: a Strength or text (``"10 % w/w"``), or None or
    ``"0 %"`` for a plain base or diluent, and its amount (a mass for w/w, a volume for
    w/v and v/v; volumes are taken as additive). The drug in each part is strength x
    amount; the mixture's strength is the drug in all of them over their total, so
    w/w parts are weighted by mass. All parts share one basis: mixing a w/w with a w/v
    strength needs a density first, and is refused.

    >>> mix = mixture_strength([("10 % w/w", "200 g"), ("20 % w/w", "50 g"),
    ...                         ("5 % w/w", "100 g")])
    >>> str(mix.strength), mix.total
    ('10 % w/w', <Quantity(350.0, 'gram')>)
    >>> f"{mixture_strength([('1 % w/w', '30 g'), ('0 %', '12 g')]).strength:.4g}"
    '0.7143 % w/w'
    """
    read: list[tuple[Strength | None, Basis | None, object]] = []
    for index, part in enumerate(parts):
        if not (isinstance(part, tuple | list) and len(part) == 2):
            raise CalculationError(
                f"parts[{index}]: {part!r} is not a (strength, amount) pair, such as "
                "('10 % w/w', '30 g')"
            )
        strength, basis = _strength_or_zero(part[0], f"parts[{index}] strength")
        read.append((strength, basis, part[1]))
    drugs = [(i, s) for i, (s, _, _) in enumerate(read) if s is not None]
    if not drugs:
        raise CalculationError(
            "parts: give at least one part that contains the drug (every part is a 0 % base)"
        )
    first, reference = drugs[0]
    for index, (strength, basis, _) in enumerate(read):
        found = strength.basis if strength is not None else basis
        if found is not None and found is not reference.basis:
            shown = strength if strength is not None else f"0 % {found.value}"
            raise DimensionError(
                f"parts[{index}]: {shown} is {found.value} but "
                f"parts[{first}] {reference} is {reference.basis.value}; the parts of a "
                "mixture share one basis (w/w <-> w/v needs a density)"
            )
    unit = _AMOUNT_UNIT[reference.basis]
    drug_unit = "milliliter" if reference.basis is Basis.V_V else "gram"
    amounts = [
        positive_amount(amount, unit, field=f"parts[{index}] amount")
        for index, (_, _, amount) in enumerate(read)
    ]
    drug = math.fsum(a * s.canonical for a, (s, _, _) in zip(amounts, read, strict=True) if s)
    total = math.fsum(amounts)
    if not (math.isfinite(drug) and math.isfinite(total)):
        raise CalculationError("parts: the amounts are too large to compute with")
    percent = float(f"{drug / total * 100.0:.15g}")  # 15 digits: 10 %, not 9.999999999999998
    return MixtureStrength(
        tuple((s, a) for (s, _, _), a in zip(read, amounts, strict=True)),
        unit,
        drug_unit,
        drug,
        total,
        Strength.percent(percent, reference.basis),
    )
