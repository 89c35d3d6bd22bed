"""Electrolytes: the mass that holds a number of mEq, mmol or mOsm, and the percent for mEq/mL.

USP <1160> "milliequivalents and millimoles": 1 mmol of a compound weighs its molecular
weight in mg; 1 mEq of an ion weighs MW / valence mg (for a salt with several of the ion,
MW / (ions x valence)); 1 mOsm is 1 mmol / the particles it dissociates into (ideal,
complete dissociation, as the pharmacy texts compute it).

What is weighed is a catalog ingredient and form (its molecular weight and valence come
from the catalog), or any compound given by ``molecular_weight=`` with ``valence=`` as a
published problem states them. Particles are always given: the catalog does not record
them.

>>> mass_for_milliequivalents("92 mEq", molecular_weight=147, valence=2).mass
<Quantity(6.762, 'gram')>
>>> str(percent_for_meq_per_ml("1 mEq/mL", molecular_weight=84, valence=1).strength)
'8.4 % w/v'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from compoundkit.calc._steps import figure, numbered, plain, positive_amount
from compoundkit.calc.chemistry import Species, _whole, species
from compoundkit.errors import CalculationError
from compoundkit.units import Strength, per_magnitude, quantity
from compoundkit.units.registry import QuantityOf

if TYPE_CHECKING:
    import pint

    from compoundkit.ingredients import Form, Ingredient

__all__ = [
    "ConcentrationPercent",
    "SubstanceMass",
    "mass_for_milliequivalents",
    "mass_for_millimoles",
    "mass_for_milliosmoles",
    "milliosmoles",
    "percent_for_meq_per_ml",
]

_SYMBOL: Final = {"milliequivalent": "mEq", "millimole": "mmol", "milliosmole": "mOsm"}


@frozen
class SubstanceMass:
    """The mass of what is weighed that holds ``amount`` (mEq, mmol or mOsm).

    ``grams`` is the float; ``mass`` and ``amount`` are Quantities.
    """

    amount_value: float
    """The mEq, mmol or mOsm asked for, in ``amount_unit``."""
    amount_unit: str
    """``milliequivalent``, ``millimole`` or ``milliosmole``."""
    grams: float
    """Mass that holds them, in grams."""
    molecular_weight: float
    """Molecular weight of what is weighed, in g/mol (= mg/mmol)."""
    divisor: int
    """What the molecular weight is divided by: ions x valence, moieties or particles."""
    why: str
    """What ``divisor`` is, for the steps (``valence 2``, ``2 particles``; empty for 1 mmol)."""
    name: str
    """What is weighed."""

    amount = QuantityOf("amount_value", unit_of="amount_unit")
    """The mEq, mmol or mOsm asked for."""

    mass = QuantityOf("grams", "gram")
    """The mass to weigh, in grams."""

    @property
    def milligrams_per_unit(self) -> float:
        """mg of what is weighed per mEq, mmol or mOsm: MW / divisor."""
        return self.molecular_weight / self.divisor

    def steps(self) -> list[str]:
        """The calculation as sentences a second person can check.

        >>> print("\\n".join(mass_for_millimoles("150 mmol", molecular_weight=58.44,
        ...                                      name="sodium chloride").steps()))
        1. 1 mmol of sodium chloride = its molecular weight in mg = 58.44 mg.
        2. 150 mmol x 58.44 mg/mmol = 8766 mg = 8.766 g of sodium chloride.
        """
        symbol = _SYMBOL[self.amount_unit]
        per = self.milligrams_per_unit
        milligrams = self.grams * 1000.0
        if self.why:
            first = (
                f"1 {symbol} of {self.name} = {plain(self.molecular_weight)} mg / "
                f"{self.divisor} ({self.why}) = {plain(per)} mg."
            )
        else:
            first = f"1 {symbol} of {self.name} = its molecular weight in mg = {plain(per)} mg."
        return numbered(
            [
                first,
                f"{plain(self.amount_value)} {symbol} x {plain(per)} mg/{symbol} = "
                f"{plain(milligrams)} mg = {figure(self.grams, 'gram')} of {self.name}.",
            ]
        )


def _mass(amount: float, unit: str, what: Species, divisor: int, why: str) -> SubstanceMass:
    grams = amount * what.molecular_weight / divisor / 1000.0
    return SubstanceMass(amount, unit, grams, what.molecular_weight, divisor, why, what.name)


def _meq_divisor(what: Species) -> tuple[int, str]:
    what.milligrams_per_meq()  # raises, naming the field, when there is no valence
    assert what.valence is not None
    if what.moiety_count == 1:
        return what.valence, f"valence {what.valence}"
    return (
        what.moiety_count * what.valence,
        f"{what.moiety_count} ions of valence {what.valence}",
    )


def mass_for_milliequivalents(
    meq: object,
    ingredient: Ingredient | str | None = None,
    form: Form | str | None = None,
    *,
    valence: int | None = None,
    molecular_weight: object = None,
    name: str | None = None,
) -> SubstanceMass:
    """The mass of ``form`` that holds ``meq`` milliequivalents of its ion.

    mg = mEq x MW / valence (the inverse of :func:`~compoundkit.calc.milliequivalents`).
    ``ingredient`` and ``form`` are from the catalog (its valence is used), or give
    ``molecular_weight=`` (g/mol) and ``valence=`` for another compound.

    >>> round(mass_for_milliequivalents("10 mEq", "magnesium chloride", "hexahydrate").grams, 4)
    1.0165
    """
    amount = positive_amount(meq, "milliequivalent", field="meq")
    what = species(ingredient, form, molecular_weight=molecular_weight, valence=valence, name=name)
    divisor, why = _meq_divisor(what)
    return _mass(amount, "milliequivalent", what, divisor, why)


def mass_for_millimoles(
    mmol: object,
    ingredient: Ingredient | str | None = None,
    form: Form | str | None = None,
    *,
    molecular_weight: object = None,
    name: str | None = None,
) -> SubstanceMass:
    """The mass of ``form`` that holds ``mmol`` millimoles of its moiety: mg = mmol x MW.

    The inverse of :func:`~compoundkit.calc.millimoles`.

    >>> mass_for_millimoles("75 mmol", molecular_weight=58.5).mass
    <Quantity(4.3875, 'gram')>
    """
    amount = positive_amount(mmol, "millimole", field="mmol")
    what = species(ingredient, form, molecular_weight=molecular_weight, name=name)
    why = "" if what.moiety_count == 1 else f"{what.moiety_count} of the moiety per formula unit"
    return _mass(amount, "millimole", what, what.moiety_count, why)


def mass_for_milliosmoles(
    mosm: object,
    ingredient: Ingredient | str | None = None,
    form: Form | str | None = None,
    *,
    particles: int,
    molecular_weight: object = None,
    name: str | None = None,
) -> SubstanceMass:
    """The mass of ``form`` that gives ``mosm`` milliosmoles: mg = mOsm x MW / particles.

    ``particles`` is how many particles one formula unit dissociates into (NaCl 2,
    CaCl2 3, dextrose 1); the ideal value, assuming complete dissociation. The inverse
    of :func:`milliosmoles`.

    >>> mass_for_milliosmoles("308 mOsm", molecular_weight=58.5, particles=2).mass
    <Quantity(9.009, 'gram')>
    """
    amount = positive_amount(mosm, "milliosmole", field="mosm")
    count = _particles(particles)
    what = species(ingredient, form, molecular_weight=molecular_weight, name=name)
    why = "1 particle" if count == 1 else f"{count} particles"
    return _mass(amount, "milliosmole", what, count, why)


def milliosmoles(
    amount: object,
    ingredient: Ingredient | str | None = None,
    form: Form | str | None = None,
    *,
    particles: int,
    molecular_weight: object = None,
) -> pint.Quantity[Any]:
    """Milliosmoles given by ``amount`` (a mass): mmol x particles (ideal dissociation).

    >>> milliosmoles("50 g", molecular_weight=180, particles=1)
    <Quantity(277.77..., 'milliosmole')>
    """
    grams = positive_amount(amount, "gram", field="amount")
    count = _particles(particles)
    what = species(ingredient, form, molecular_weight=molecular_weight)
    return quantity(grams * 1000.0 / what.molecular_weight * count, "milliosmole")


def _particles(value: object) -> int:
    count = _whole(value, "particles")
    if count is None:
        raise CalculationError("particles: give the particles one formula unit dissociates into")
    return count


@frozen
class ConcentrationPercent:
    """The percent w/v of a solution holding ``meq_per_ml`` mEq/mL.

    ``strength`` is the percent as a :class:`~compoundkit.Strength` (w/v);
    ``concentration`` and ``mass_per_ml`` are Quantities.
    """

    meq_per_ml: float
    """The concentration asked for, in mEq/mL."""
    milligrams_per_meq: float
    """mg of what is dissolved per mEq (MW / valence)."""
    molecular_weight: float
    """Molecular weight of what is dissolved, in g/mol."""
    divisor: int
    """What the molecular weight is divided by (ions x valence)."""
    why: str
    """What ``divisor`` is, for the steps."""
    name: str
    """What is dissolved."""
    strength: Strength
    """The answer: percent w/v (g per 100 mL)."""

    concentration = QuantityOf("meq_per_ml", "milliequivalent / milliliter")
    """mEq per mL."""

    @property
    def mass_per_ml(self) -> pint.Quantity[Any]:
        """Grams per mL of what is dissolved."""
        return quantity(self.meq_per_ml * self.milligrams_per_meq / 1000.0, "gram / milliliter")

    def steps(self) -> list[str]:
        """The calculation as sentences a second person can check.

        >>> result = percent_for_meq_per_ml("4 mEq/mL", molecular_weight=147, valence=2)
        >>> print("\\n".join(result.steps()))
        1. 1 mEq of the compound = 147 mg / 2 (valence 2) = 73.5 mg.
        2. 4 mEq/mL x 73.5 mg/mEq = 294 mg/mL = 29.4 g per 100 mL: 29.4 % w/v.
        """
        mg_per_ml = self.meq_per_ml * self.milligrams_per_meq
        return numbered(
            [
                f"1 mEq of {self.name} = {plain(self.molecular_weight)} mg / {self.divisor} "
                f"({self.why}) = {plain(self.milligrams_per_meq)} mg.",
                f"{plain(self.meq_per_ml)} mEq/mL x {plain(self.milligrams_per_meq)} mg/mEq = "
                f"{plain(mg_per_ml)} mg/mL = {plain(mg_per_ml / 10.0)} g per 100 mL: "
                f"{self.strength:.6g}.",
            ]
        )


def percent_for_meq_per_ml(
    meq_per_ml: object,
    ingredient: Ingredient | str | None = None,
    form: Form | str | None = None,
    *,
    valence: int | None = None,
    molecular_weight: object = None,
    name: str | None = None,
) -> ConcentrationPercent:
    """The percent w/v of a solution of ``form`` holding ``meq_per_ml`` (e.g. ``"2 mEq/mL"``).

    g per 100 mL = mEq/mL x MW / valence / 10.

    >>> str(percent_for_meq_per_ml("2 mEq/mL", molecular_weight=74.5, valence=1).strength)
    '14.9 % w/v'
    """
    concentration = per_magnitude(meq_per_ml, "milliequivalent / milliliter", field="meq_per_ml")
    what = species(ingredient, form, molecular_weight=molecular_weight, valence=valence, name=name)
    divisor, why = _meq_divisor(what)
    per_meq = what.molecular_weight / divisor
    # g/100 mL = mEq/mL x mg/mEq / 1000 x 100; to 15 digits, so 14.9 is not 14.900000000000002
    percent = float(f"{concentration * what.molecular_weight / divisor / 10.0:.15g}")
    if percent > 1e9:
        raise CalculationError(f"meq_per_ml: {meq_per_ml} is too large to compute with")
    return ConcentrationPercent(
        concentration,
        per_meq,
        what.molecular_weight,
        divisor,
        why,
        what.name,
        Strength.percent(percent, "w/v"),
    )
