"""Measuring: percentage error, the smallest quantity for an error, the smallest volume a
graduate or syringe measures, the liquid aliquot method, and density from a weighing.

USP <1176> and the pharmacy texts: percentage error = error x 100 / quantity, so the
smallest quantity measured within an error is 100 x sensitivity / error (the minimum
weighable quantity of a balance, the smallest measurable volume of a graduate). A
graduate is also not used below about 20 % of its capacity.

>>> percentage_error("10 mg", "200 mg").percent
<Quantity(5.0, 'percent')>
>>> smallest_quantity_for_error("10 mg", "4 %").smallest
<Quantity(250.0, 'milligram')>
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from compoundkit.calc._steps import figure, mass_or_volume, numbered, plain, positive_amount
from compoundkit.calc.chemistry import WATER_DENSITY_G_PER_ML
from compoundkit.calc.weighing import error_percent, smallest_for_error
from compoundkit.errors import CalculationError, DimensionError
from compoundkit.units import quantity
from compoundkit.units.registry import QuantityOf

if TYPE_CHECKING:
    import pint

__all__ = [
    "GRADUATE_MINIMUM_FRACTION",
    "DensityMeasurement",
    "LiquidAliquot",
    "MeasurableVolume",
    "PercentageError",
    "SmallestQuantity",
    "density_from_weighing",
    "liquid_aliquot",
    "minimum_measurable_volume",
    "percentage_error",
    "smallest_quantity_for_error",
]

#: A graduate is not used to measure less than about 20 % of its capacity (L. V. Allen,
#: "Quality Assurance in Compounding, Part IV", Compounding Today newsletter: "not ... less
#: than about 20-25 % of the total volume of the graduate"; D. W. Newton, IJPC 2003, 7(3):
#: "no less than 2 mL should be measured in 10-mL cylindrical graduates").
GRADUATE_MINIMUM_FRACTION: Final = 0.20

#: Masses are read and shown in milligrams, volumes in millilitres.
_MASS: Final = "milligram"


# --------------------------------------------------------------------------- error


@frozen
class PercentageError:
    """The percentage error of measuring ``quantity`` with an ``error``: error x 100 / quantity.

    ``error_value`` and ``quantity_value`` are in ``unit`` (milligrams or millilitres).
    """

    error_value: float
    """The error (a balance's sensitivity, or the difference found), in ``unit``."""
    quantity_value: float
    """The quantity measured (or intended), in ``unit``."""
    unit: str
    """``milligram`` or ``milliliter``."""

    @property
    def percent_value(self) -> float:
        """The percentage error, a float in percent."""
        return self.error_value * 100.0 / self.quantity_value

    percent = QuantityOf("percent_value", "percent")
    """The percentage error, in percent."""

    def steps(self) -> list[str]:
        """The calculation as a sentence a second person can check.

        >>> percentage_error("25 mg", "600 mg").steps()
        ['1. Percentage error = 25 mg x 100 / 600 mg = 4.16667 %.']
        """
        return numbered(
            [
                f"Percentage error = {figure(self.error_value, self.unit)} x 100 / "
                f"{figure(self.quantity_value, self.unit)} = {plain(self.percent_value)} %."
            ]
        )


def percentage_error(error: object, quantity: object) -> PercentageError:
    """The percentage error of ``quantity`` measured with ``error`` (both masses or volumes).

    ``error`` is the balance's sensitivity requirement or the difference between what was
    measured and what was intended; ``quantity`` the amount intended (USP <1176>).

    >>> percentage_error("36 mL", "225 mL").percent
    <Quantity(16.0, 'percent')>
    """
    value, unit = mass_or_volume(quantity, "quantity", _MASS)
    try:
        wrong = positive_amount(error, unit, field="error", allow_zero=True)
    except DimensionError:
        kind = "mass" if unit == _MASS else "volume"
        raise DimensionError(
            f"error: {error} is not a {kind} like the quantity {quantity}"
        ) from None
    return PercentageError(wrong, value, unit)


@frozen
class SmallestQuantity:
    """The smallest quantity measured within ``percent`` error: 100 x sensitivity / error."""

    sensitivity_value: float
    """The sensitivity (smallest change the device shows), in ``unit``."""
    percent: float
    """The largest acceptable error, in percent."""
    unit: str
    """``milligram`` or ``milliliter``."""

    @property
    def smallest_value(self) -> float:
        """The smallest quantity, in ``unit``."""
        return smallest_for_error(self.sensitivity_value, self.percent)

    smallest = QuantityOf("smallest_value")
    """The smallest quantity measured within the error."""

    def steps(self) -> list[str]:
        """The calculation as a sentence a second person can check.

        >>> smallest_quantity_for_error("6 mg", "1 %").steps()
        ['1. Smallest quantity = 100 % x 6 mg / 1 % = 600 mg.']
        """
        return numbered(
            [
                f"Smallest quantity = 100 % x {figure(self.sensitivity_value, self.unit)} / "
                f"{plain(self.percent)} % = {figure(self.smallest_value, self.unit)}."
            ]
        )


def smallest_quantity_for_error(sensitivity: object, max_error: object) -> SmallestQuantity:
    """The smallest quantity measured within ``max_error``: 100 x sensitivity / error.

    For a balance (``sensitivity`` a mass) this is its minimum weighable quantity, the
    same figure as :func:`~compoundkit.calc.minimum_weighable_quantity`; for a graduate
    or syringe (a volume) the smallest volume it measures within the error.

    >>> smallest_quantity_for_error("0.5 mL", "5 %").smallest
    <Quantity(10.0, 'milliliter')>
    """
    value, unit = mass_or_volume(sensitivity, "sensitivity", _MASS)
    return SmallestQuantity(value, error_percent(max_error), unit)


# --------------------------------------------------------------------------- volumes


@frozen
class MeasurableVolume:
    """The smallest volume a graduate or syringe measures, by the error and by capacity."""

    volume_ml: float
    """The answer: the larger of the limits that apply, in mL."""
    by_error_ml: float | None
    """100 x sensitivity / error, when a sensitivity and an error are given."""
    by_capacity_ml: float | None
    """20 % of the capacity, when a capacity is given."""
    sensitivity_ml: float | None
    """The sensitivity used, in mL (half the smallest graduation, when that was given)."""
    graduation_ml: float | None
    """The smallest graduation given, in mL."""
    percent: float | None
    """The largest acceptable error, in percent."""
    capacity_ml: float | None
    """The capacity given, in mL."""

    volume = QuantityOf("volume_ml", "milliliter")
    """The smallest volume to measure with this device."""

    def steps(self) -> list[str]:
        """The calculation as sentences a second person can check.

        >>> print("\\n".join(minimum_measurable_volume(sensitivity="0.5 mL", max_error="5 %",
        ...                                            capacity="100 mL").steps()))
        1. By the error: 100 % x 0.5 mL / 5 % = 10 mL.
        2. By the capacity: 20 % of 100 mL = 20 mL (a graduate is not used below about
           20 % of its capacity).
        3. Smallest volume to measure: 20 mL.
        """
        out = []
        if self.graduation_ml is not None and self.sensitivity_ml is not None:
            out.append(
                f"Sensitivity = half the smallest graduation: {figure(self.graduation_ml, 'mL')}"
                f" / 2 = {figure(self.sensitivity_ml, 'mL')}."
            )
        if self.by_error_ml is not None:
            assert self.sensitivity_ml is not None
            assert self.percent is not None
            out.append(
                f"By the error: 100 % x {figure(self.sensitivity_ml, 'mL')} / "
                f"{plain(self.percent)} % = {figure(self.by_error_ml, 'mL')}."
            )
        if self.by_capacity_ml is not None:
            assert self.capacity_ml is not None
            out.append(
                f"By the capacity: {plain(GRADUATE_MINIMUM_FRACTION * 100)} % of "
                f"{figure(self.capacity_ml, 'mL')} = {figure(self.by_capacity_ml, 'mL')} "
                "(a graduate is not used below about 20 % of its capacity)."
            )
        out.append(f"Smallest volume to measure: {figure(self.volume_ml, 'mL')}.")
        return numbered(out)


def minimum_measurable_volume(
    *,
    sensitivity: object = None,
    graduation: object = None,
    max_error: object = None,
    capacity: object = None,
) -> MeasurableVolume:
    """The smallest volume a graduate or syringe measures within ``max_error``.

    By the error: 100 x ``sensitivity`` / ``max_error``, where ``sensitivity`` is the
    volume the device can be misread by; give ``graduation`` (its smallest graduation)
    instead to take half of it, the usual reading precision of a scale. By the capacity
    (graduates): at least :data:`GRADUATE_MINIMUM_FRACTION` (20 %) of ``capacity``. The
    answer is the larger of the limits given.

    >>> minimum_measurable_volume(capacity="10 mL").volume
    <Quantity(2.0, 'milliliter')>
    >>> minimum_measurable_volume(graduation="0.2 mL", max_error="5 %").volume
    <Quantity(2.0, 'milliliter')>
    """
    if sensitivity is not None and graduation is not None:
        raise CalculationError(
            "give sensitivity or graduation (half of which is the sensitivity), not both"
        )
    graduation_ml = _volume(graduation, "graduation")
    sensitivity_ml = _volume(sensitivity, "sensitivity")
    if graduation_ml is not None:
        sensitivity_ml = graduation_ml / 2.0
    percent = None if max_error is None else error_percent(max_error)
    if (sensitivity_ml is None) != (percent is None):
        raise CalculationError(
            "the limit by the error needs both max_error and a sensitivity (or graduation)"
        )
    by_error = (
        None
        if sensitivity_ml is None or percent is None
        else smallest_for_error(sensitivity_ml, percent)
    )
    capacity_ml = _volume(capacity, "capacity")
    by_capacity = None if capacity_ml is None else GRADUATE_MINIMUM_FRACTION * capacity_ml
    limits = [v for v in (by_error, by_capacity) if v is not None]
    if not limits:
        raise CalculationError(
            "give sensitivity (or graduation) with max_error, or the capacity of a graduate"
        )
    if capacity_ml is not None and max(limits) > capacity_ml:
        raise CalculationError(
            f"capacity: this device cannot measure within {plain(percent or 0)} % error: "
            f"the smallest volume it measures, {figure(max(limits), 'mL')}, is above its "
            f"capacity {figure(capacity_ml, 'mL')}"
        )
    return MeasurableVolume(
        max(limits),
        by_error,
        by_capacity,
        sensitivity_ml,
        graduation_ml,
        percent,
        capacity_ml,
    )


def _volume(value: object, field: str) -> float | None:
    return None if value is None else positive_amount(value, "milliliter", field=field)


@frozen
class LiquidAliquot:
    """The liquid aliquot method: measure ``weigh`` of the drug, dissolve or dilute it to
    ``total``, and measure ``aliquot``, which holds the amount needed.

    The drug is a solid (masses in mg, dissolved to the total) or a liquid (volumes in
    mL, diluted with ``diluent`` to the total). ``factor`` = total / aliquot = weigh /
    needed.
    """

    needed_value: float
    """The drug needed, in ``drug_unit``."""
    weigh_value: float
    """The drug weighed or measured, in ``drug_unit`` (``factor`` x needed)."""
    drug_unit: str
    """``milligram`` (a solid) or ``milliliter`` (a liquid)."""
    total_ml: float
    """The solution or dilution made, in mL."""
    aliquot_ml: float
    """The part measured out, in mL; it holds the amount needed."""
    drug: str = "the drug"
    """What is measured, for the steps' wording."""
    solvent: str = "the solvent"
    """What the drug is dissolved in or diluted with."""

    @property
    def factor(self) -> float:
        """How many aliquots the solution makes: total / aliquot (= weigh / needed)."""
        return self.total_ml / self.aliquot_ml

    @property
    def concentration(self) -> pint.Quantity[Any]:
        """Drug per mL of the solution (mg/mL, or mL/mL for a liquid)."""
        return quantity(self.weigh_value / self.total_ml, f"{self.drug_unit} / milliliter")

    needed = QuantityOf("needed_value", unit_of="drug_unit")
    """The drug needed."""

    weigh = QuantityOf("weigh_value", unit_of="drug_unit")
    """The drug to weigh (a solid) or measure (a liquid)."""

    total = QuantityOf("total_ml", "milliliter")
    """The solution or dilution to make."""

    aliquot = QuantityOf("aliquot_ml", "milliliter")
    """The part to measure out."""

    @property
    def diluent(self) -> pint.Quantity[Any] | None:
        """The diluent to add to a liquid drug (None for a solid, dissolved to volume)."""
        if self.drug_unit != "milliliter":
            return None
        return quantity(self.total_ml - self.weigh_value, "milliliter")

    def steps(self) -> list[str]:
        """The method as numbered sentences a second person can check.

        >>> plan = liquid_aliquot("20 mg", "5 mL", weigh="120 mg", drug="clonidine",
        ...                       solvent="water")
        >>> print("\\n".join(plan.steps()))
        1. Weigh 120 mg of clonidine (6 x 20 mg).
        2. Dissolve it in enough water to make 30 mL (6 x 5 mL): 4 mg/mL.
        3. Measure 5 mL of the solution (1/6): it holds 20 mg of clonidine (5 mL x 120 mg / 30 mL).
        """
        k = plain(self.factor)
        weigh, total = figure(self.weigh_value, self.drug_unit), figure(self.total_ml, "mL")
        aliquot = figure(self.aliquot_ml, "mL")
        held = figure(self.aliquot_ml * self.weigh_value / self.total_ml, self.drug_unit)
        if self.drug_unit == "milliliter":
            diluent = figure(self.total_ml - self.weigh_value, "mL")
            first = f"Measure {weigh} of {self.drug} ({k} x {figure(self.needed_value, 'mL')})."
            second = f"Add {diluent} of {self.solvent}: {total} of dilution ({k} x {aliquot})."
            made = "the dilution"
        else:
            strength = figure(self.weigh_value / self.total_ml, self.drug_unit)
            first = (
                f"Weigh {weigh} of {self.drug} ({k} x {figure(self.needed_value, self.drug_unit)})."
            )
            second = (
                f"Dissolve it in enough {self.solvent} to make {total} ({k} x {aliquot}): "
                f"{strength}/mL."
            )
            made = "the solution"
        return numbered(
            [
                first,
                second,
                f"Measure {aliquot} of {made} (1/{k}): it holds {held} of {self.drug} "
                f"({aliquot} x {weigh} / {total}).",
            ]
        )


def liquid_aliquot(
    needed: object,
    aliquot: object,
    *,
    weigh: object = None,
    factor: float | None = None,
    minimum: object = None,
    minimum_volume: object = None,
    drug: str = "the drug",
    solvent: str = "the solvent",
) -> LiquidAliquot:
    """The liquid aliquot method for ``needed`` of a drug too small to weigh or measure.

    Take ``weigh`` of the drug (a mass of a solid, or a volume of a liquid; or ``factor``
    x ``needed``; default: ``minimum``, the least the balance or graduate measures),
    dissolve or dilute it to factor x ``aliquot`` and measure ``aliquot`` (a volume),
    which holds ``needed``. ``minimum`` and ``minimum_volume`` (the smallest volume the
    graduate measures) are checked when given.

    >>> plan = liquid_aliquot("0.5 mL", "2 mL", factor=4)
    >>> plan.weigh, plan.total, plan.diluent
    (<Quantity(2.0, 'milliliter')>, <Quantity(8.0, 'milliliter')>, <Quantity(6.0, 'milliliter')>)
    """
    needed_value, unit = mass_or_volume(needed, "needed", _MASS)
    aliquot_ml = positive_amount(aliquot, "milliliter", field="aliquot")
    minimum_value = None if minimum is None else positive_amount(minimum, unit, field="minimum")
    if weigh is not None and factor is not None:
        raise CalculationError("give weigh or factor, not both")
    if weigh is not None:
        weigh_value = positive_amount(weigh, unit, field="weigh")
    elif factor is not None:
        if isinstance(factor, bool) or not isinstance(factor, int | float) or not factor > 1:
            raise CalculationError(f"factor: {factor!r} must be a number above 1")
        weigh_value = needed_value * float(factor)
    elif minimum_value is not None:
        weigh_value = minimum_value
    else:
        raise CalculationError(
            "give weigh (the drug to take), factor, or minimum (the least you can measure)"
        )
    if not weigh_value > needed_value:
        raise CalculationError(
            f"weigh: {figure(weigh_value, unit)} must be more than the "
            f"{figure(needed_value, unit)} needed (otherwise measure it directly)"
        )
    if minimum_value is not None and weigh_value < minimum_value * (1 - 1e-12):
        raise CalculationError(
            f"weigh: {figure(weigh_value, unit)} is below the minimum "
            f"{figure(minimum_value, unit)} that can be measured"
        )
    total_ml = aliquot_ml * weigh_value / needed_value
    if unit == "milliliter" and not total_ml > weigh_value:
        raise CalculationError(
            f"aliquot: {figure(aliquot_ml, 'mL')} must be more than the "
            f"{figure(needed_value, 'mL')} of drug it holds (the rest is diluent)"
        )
    if minimum_volume is not None:
        least = positive_amount(minimum_volume, "milliliter", field="minimum_volume")
        if aliquot_ml < least * (1 - 1e-12):
            raise CalculationError(
                f"aliquot: {figure(aliquot_ml, 'mL')} is below the smallest volume the "
                f"graduate measures, {figure(least, 'mL')}"
            )
    return LiquidAliquot(
        needed_value,
        weigh_value,
        unit,
        total_ml,
        aliquot_ml,
        drug,
        solvent,
    )


# --------------------------------------------------------------------------- density


@frozen
class DensityMeasurement:
    """Density and specific gravity from a weighed volume: mass / volume."""

    mass_g: float
    """The mass weighed, in grams."""
    volume_ml: float
    """The volume it occupies, in mL."""

    @property
    def density_value(self) -> float:
        """The density, in g/mL."""
        return self.mass_g / self.volume_ml

    density = QuantityOf("density_value", "gram / milliliter")
    """The density, in g/mL."""

    @property
    def specific_gravity(self) -> pint.Quantity[Any]:
        """Specific gravity against 1.000 g/mL (the pharmacy convention; see
        :data:`~compoundkit.calc.WATER_DENSITY_G_PER_ML`), dimensionless."""
        return quantity(self.density_value / WATER_DENSITY_G_PER_ML, "dimensionless")

    def steps(self) -> list[str]:
        """The calculation as sentences a second person can check.

        >>> print("\\n".join(density_from_weighing("8.5 g", "10 mL").steps()))
        1. Density = 8.5 g / 10 mL = 0.85 g/mL.
        2. Specific gravity = 0.85 g/mL / 1 g/mL (water) = 0.85.
        """
        density = plain(self.density_value)
        return numbered(
            [
                f"Density = {figure(self.mass_g, 'gram')} / {figure(self.volume_ml, 'mL')} = "
                f"{density} g/mL.",
                f"Specific gravity = {density} g/mL / {plain(WATER_DENSITY_G_PER_ML)} g/mL "
                f"(water) = {plain(self.density_value / WATER_DENSITY_G_PER_ML)}.",
            ]
        )


def density_from_weighing(mass: object, volume: object) -> DensityMeasurement:
    """Density (g/mL) and specific gravity of a liquid from the mass of a measured volume.

    >>> m = density_from_weighing("810 g", "1000 mL")
    >>> m.density, m.specific_gravity
    (<Quantity(0.81, 'gram / milliliter')>, <Quantity(0.81, 'dimensionless')>)
    """
    grams = positive_amount(mass, "gram", field="mass")
    millilitres = positive_amount(volume, "milliliter", field="volume")
    return DensityMeasurement(grams, millilitres)
