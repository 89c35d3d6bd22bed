"""Chemistry of the amounts: mmol, mEq, elemental content, density and specific gravity.

Moles count the ingredient's moiety (the parent ion or molecule the catalog converts
between forms by): 1 g of magnesium chloride hexahydrate (MW 203.295 g/mol, from the
catalog's formula) holds 4.919 mmol of Mg, 9.84 mEq (valence 2) and 0.1196 g of
elemental Mg. Molecular weights are the catalog's computed ones, the same values its
form conversion factors use.

>>> round(millimoles("1 g", "magnesium chloride", "hexahydrate").magnitude, 3)
4.919
>>> round(milliequivalents("1 g", "magnesium chloride", "hexahydrate").magnitude, 2)
9.84
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from compoundkit.calc._steps import positive_amount
from compoundkit.errors import CalculationError, CatalogError, DimensionError
from compoundkit.units import density_g_per_ml, magnitude, per_magnitude, quantity

if TYPE_CHECKING:
    import pint

    from compoundkit.ingredients import Form, Ingredient

__all__ = [
    "WATER_DENSITY_G_PER_ML",
    "Species",
    "amount_for_elemental",
    "density_from_specific_gravity",
    "elemental_content",
    "mass_from_volume",
    "milliequivalents",
    "millimoles",
    "mmol_from_grams",
    "species",
    "specific_gravity",
    "volume_from_mass",
]

#: The reference density specific gravity is taken against, in g/mL. Pharmacy
#: calculations (USP <1160>, and the pharmaceutical calculations texts) treat specific
#: gravity as numerically equal to the density in g/mL, i.e. relative to 1.000 g/mL;
#: compoundkit follows that convention. (USP <841> measures specific gravity against
#: water at 25 °C, whose density is 0.99705 g/mL: a strict USP <841> value is about
#: 0.3 % above the density in g/mL.)
WATER_DENSITY_G_PER_ML: Final = 1.0


# --------------------------------------------------------------------------- pure math


def mmol_from_grams(grams: float, molecular_weight: float, moiety_count: int = 1) -> float:
    """Millimoles of the moiety in ``grams`` of a form of ``molecular_weight`` g/mol.

    ``moiety_count`` is the moles of moiety per mole of the form (2 for a salt with two
    of the ion). Plain floats: the core of :func:`millimoles`.

    >>> round(mmol_from_grams(1.0, 203.295), 3)
    4.919
    """
    if not (math.isfinite(molecular_weight) and molecular_weight > 0):
        raise CalculationError(f"molecular_weight: {molecular_weight!r} must be above zero")
    if moiety_count < 1:
        raise CalculationError(f"moiety_count: {moiety_count!r} must be 1 or more")
    return grams * 1000.0 * moiety_count / molecular_weight


# --------------------------------------------------------------------------- catalog


def _resolve(ingredient: Ingredient | str, form: Form | str | None) -> tuple[Ingredient, Form]:
    """The catalog Ingredient and Form (names are looked up, objects used as they are).

    ``form`` None is the ingredient's default form (the one the catalog weighs).
    """
    from compoundkit import ingredients

    item = ingredients.get(ingredient) if isinstance(ingredient, str) else ingredient
    if form is None or isinstance(form, str):
        return item, item.form(form)
    if form.ingredient_id and form.ingredient_id != item.id:
        raise CatalogError(
            f"form {form.id!r} belongs to {form.ingredient_id!r}, not {item.id!r}", field="form"
        )
    return item, form


def _element_form(item: Ingredient, element: str) -> Form:
    """The form of ``item`` that is the element itself (formula ``Mg``, or its alias)."""
    for candidate in item.forms:
        if candidate.formula.strip() == element.strip():
            return candidate
    elemental = [f.formula for f in item.forms if f.formula.isalpha() and len(f.formula) <= 2]
    allowed = ", ".join(elemental) if elemental else "none"
    raise CalculationError(
        f"element: {item.name} has no elemental form {element!r} in the catalog; "
        f"elemental forms: {allowed}"
    )


@frozen
class Species:
    """What is weighed, for mmol, mEq and mOsm arithmetic: a catalog form, or a compound
    described by the molecular weight a published problem gives.

    ``moiety_count`` is the moles of the counted moiety in one mole of what is weighed;
    ``valence`` the moiety's charge (None: not an ion, so no mEq).
    """

    name: str
    """What the steps call it (``Magnesium chloride hexahydrate``, or ``the compound``)."""
    molecular_weight: float
    """Molecular weight of what is weighed, in g/mol (= mg/mmol)."""
    moiety_count: int = 1
    """Moles of the counted moiety per mole of what is weighed."""
    valence: int | None = None
    """Charge of the moiety: mEq = mmol of moiety x valence."""
    ingredient: str | None = None
    """The catalog ingredient's name, when it comes from the catalog."""

    def milligrams_per_mmol(self) -> float:
        """mg of what is weighed holding 1 mmol of the moiety: MW / moiety count."""
        return self.molecular_weight / self.moiety_count

    def milligrams_per_meq(self) -> float:
        """mg of what is weighed holding 1 mEq: MW / (moiety count x valence)."""
        if self.valence is None:
            if self.ingredient is not None:
                raise CalculationError(
                    f"ingredient: {self.ingredient} has no valence in the catalog, so "
                    "milliequivalents are undefined (only ions have them); use millimoles(), "
                    "or give valence= for an ion"
                )
            raise CalculationError(
                f"valence: {self.name} has no valence (only ions have milliequivalents); "
                "give valence= (the ion's charge, e.g. 2 for Ca2+) or use millimoles"
            )
        return self.molecular_weight / (self.moiety_count * self.valence)


def species(
    ingredient: Ingredient | str | None = None,
    form: Form | str | None = None,
    *,
    molecular_weight: object = None,
    valence: int | None = None,
    name: str | None = None,
) -> Species:
    """What is weighed: a catalog ingredient and form, or ``molecular_weight=`` (g/mol).

    The valence comes from the catalog when it records one; otherwise give ``valence=``.
    A ``molecular_weight`` is a Quantity or text in g/mol or mg/mmol (``"74.5 g/mol"``), or
    a plain number read as g/mol (as problems write "MW 74.5").

    >>> species("magnesium chloride", "hexahydrate").milligrams_per_meq()
    101.6475...
    >>> species(molecular_weight="147 g/mol", valence=2, name="CaCl2.2H2O").milligrams_per_meq()
    73.5
    """
    checked_valence = _whole(valence, "valence")
    if ingredient is None:
        if form is not None:
            raise CalculationError(f"form: {form!r} was given without its ingredient")
        if molecular_weight is None:
            raise CalculationError(
                "give a catalog ingredient (and form), or molecular_weight= (g/mol) "
                "for a compound the catalog does not hold"
            )
        return Species(
            name or "the compound", _molecular_weight(molecular_weight), 1, checked_valence
        )
    if molecular_weight is not None:
        raise CalculationError(
            "molecular_weight: the catalog gives the molecular weight of the form; "
            "give an ingredient or a molecular weight, not both"
        )
    item, chosen = _resolve(ingredient, form)
    recorded = item.valence
    if checked_valence is not None and recorded is not None and checked_valence != recorded:
        raise CalculationError(
            f"valence: {checked_valence} disagrees with the catalog's valence {recorded} "
            f"for {item.name}"
        )
    return Species(
        name or chosen.name,
        chosen.computed_molecular_weight,
        chosen.moiety_count,
        recorded if recorded is not None else checked_valence,
        item.name,
    )


def _whole(value: object, field: str) -> int | None:
    """A whole number of 1 or more (valence, particles), or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CalculationError(f"{field}: {value!r} must be a whole number, 1 or more")
    return value


def _molecular_weight(value: object) -> float:
    if isinstance(value, bool):
        raise CalculationError(f"molecular_weight: {value!r} is not a molecular weight")
    if isinstance(value, int | float):
        number = float(value)
        if not (math.isfinite(number) and number > 0):
            raise CalculationError(f"molecular_weight: {value!r} must be above zero (g/mol)")
        return number
    return per_magnitude(value, "gram / mole", field="molecular_weight")


def millimoles(
    amount: object,
    ingredient: Ingredient | str | None = None,
    form: Form | str | None = None,
    *,
    molecular_weight: object = None,
) -> pint.Quantity[Any]:
    """Millimoles of the ingredient's moiety in ``amount`` (a mass) of ``form``.

    ``ingredient`` is an :class:`~compoundkit.ingredients.Ingredient` or a catalog
    name; ``form`` a form (or its id or alias, such as ``"hexahydrate"``; default: the
    ingredient's usual form). For a compound the catalog does not hold, give
    ``molecular_weight=`` instead (g/mol).

    >>> round(millimoles("500 mg", "magnesium chloride", "anhydrous").magnitude, 3)
    5.252
    >>> millimoles("113.68 mg", molecular_weight=112)
    <Quantity(1.015, 'millimole')>
    """
    grams = positive_amount(amount, "gram", field="amount")
    what = species(ingredient, form, molecular_weight=molecular_weight)
    return quantity(grams * 1000.0 / what.milligrams_per_mmol(), "millimole")


def milliequivalents(
    amount: object,
    ingredient: Ingredient | str | None = None,
    form: Form | str | None = None,
    *,
    molecular_weight: object = None,
    valence: int | None = None,
) -> pint.Quantity[Any]:
    """Milliequivalents of the moiety ion in ``amount`` of ``form``: mmol x valence.

    Needs the ingredient's valence (2 for magnesium, from the catalog; or ``valence=``);
    the result is in the registry's ``milliequivalent`` unit, its own dimension so mEq
    and mmol are never mixed.

    >>> milliequivalents("1 g", "magnesium chloride", "hexahydrate")
    <Quantity(9.837920..., 'milliequivalent')>
    >>> milliequivalents("1.5 g", molecular_weight=74.5, valence=1)
    <Quantity(20.134..., 'milliequivalent')>
    """
    grams = positive_amount(amount, "gram", field="amount")
    what = species(ingredient, form, molecular_weight=molecular_weight, valence=valence)
    return quantity(grams * 1000.0 / what.milligrams_per_meq(), "milliequivalent")


def elemental_content(
    amount: object, ingredient: Ingredient | str, form: Form | str, element: str = "Mg"
) -> pint.Quantity[Any]:
    """Mass of the elemental moiety ``element`` in ``amount`` of ``form`` (in grams).

    The element must be one of the ingredient's catalog forms (e.g. magnesium
    chloride's ``elemental-magnesium``, formula ``Mg``).

    >>> elemental_content("1 g", "magnesium chloride", "hexahydrate")
    <Quantity(0.119555..., 'gram')>
    """
    grams = positive_amount(amount, "gram", field="amount")
    item, chosen = _resolve(ingredient, form)
    return quantity(grams * chosen.factor_to(_element_form(item, element)), "gram")


def amount_for_elemental(
    element_amount: object, ingredient: Ingredient | str, form: Form | str, element: str = "Mg"
) -> pint.Quantity[Any]:
    """Mass of ``form`` that holds ``element_amount`` of the element (in grams).

    >>> amount_for_elemental("1 g", "magnesium chloride", "hexahydrate")
    <Quantity(8.364328..., 'gram')>
    """
    grams = positive_amount(element_amount, "gram", field="element_amount")
    item, chosen = _resolve(ingredient, form)
    return quantity(grams * _element_form(item, element).factor_to(chosen), "gram")


# --------------------------------------------------------------------------- density


def mass_from_volume(volume: object, density: object) -> pint.Quantity[Any]:
    """Mass of ``volume`` at ``density`` (a mass per volume, e.g. ``"0.85 g/mL"``), in g.

    >>> mass_from_volume("8 mL", "0.85 g/mL")
    <Quantity(6.8, 'gram')>
    """
    millilitres = positive_amount(volume, "milliliter", field="volume")
    return quantity(millilitres * density_g_per_ml(density), "gram")


def volume_from_mass(mass: object, density: object) -> pint.Quantity[Any]:
    """Volume of ``mass`` at ``density``, in mL.

    >>> volume_from_mass("6.8 g", "0.85 g/mL")
    <Quantity(8.0, 'milliliter')>
    """
    grams = positive_amount(mass, "gram", field="mass")
    return quantity(grams / density_g_per_ml(density), "milliliter")


def specific_gravity(density: object) -> pint.Quantity[Any]:
    """Specific gravity of a density, relative to 1.000 g/mL (the pharmacy convention,
    see :data:`WATER_DENSITY_G_PER_ML`), as a dimensionless Quantity.

    >>> specific_gravity("1.05 g/mL")
    <Quantity(1.05, 'dimensionless')>
    """
    return quantity(density_g_per_ml(density) / WATER_DENSITY_G_PER_ML, "dimensionless")


def density_from_specific_gravity(sg: object) -> pint.Quantity[Any]:
    """The density in g/mL of a specific gravity (a number or a dimensionless Quantity),
    relative to 1.000 g/mL (see :data:`WATER_DENSITY_G_PER_ML`).

    >>> density_from_specific_gravity(1.05)
    <Quantity(1.05, 'gram / milliliter')>
    """
    if isinstance(sg, bool):
        raise CalculationError(f"sg: {sg!r} is not a specific gravity")
    if isinstance(sg, int | float):
        value = float(sg)
    elif hasattr(sg, "magnitude"):
        value = float(magnitude(sg, "dimensionless", field="sg"))
    else:
        raise DimensionError(
            f"sg: {sg!r} is not a specific gravity; give a number such as 1.05 "
            "or a dimensionless Quantity"
        )
    if not (math.isfinite(value) and value > 0):
        raise CalculationError(f"sg: {sg!r} must be a finite number above zero")
    return quantity(value * WATER_DENSITY_G_PER_ML, "gram / milliliter")
