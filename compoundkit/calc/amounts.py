"""How much preparation holds a given amount of the active: amount / strength.

A w/w strength gives a mass of preparation, a w/v or v/v strength a volume (its mass
needs the preparation's density, never guessed), a strength per dosage unit a number of
dosage units.

>>> total_for_active("500 mg", "2.5 % w/w").total
<Quantity(20.0, 'gram')>
>>> total_for_active("1.26 g", "75 mg/mL", density="1.42 g/mL").mass
<Quantity(23.856, 'gram')>
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from attrs import frozen

from compoundkit.calc._steps import figure, numbered, plain, positive_amount, strength_of
from compoundkit.errors import CalculationError, DimensionError
from compoundkit.units import Basis, Strength, density_g_per_ml, quantity
from compoundkit.units.grammar import DIMENSION
from compoundkit.units.registry import QuantityOf

if TYPE_CHECKING:
    import pint

__all__ = ["ActiveTotal", "total_for_active"]

#: Basis -> (pint unit of the active, of the whole, the canonical value's unit as text).
_UNITS: Final[dict[Basis, tuple[str, str, str]]] = {
    Basis.W_W: ("gram", "gram", "g/g"),
    Basis.W_V: ("gram", "milliliter", "g/mL"),
    Basis.V_V: ("milliliter", "milliliter", "mL/mL"),
}


@frozen
class ActiveTotal:
    """The preparation that holds ``active`` of the drug at ``strength``.

    ``total_value`` is in ``total_unit`` (grams for w/w, millilitres for w/v and v/v,
    dosage units for a strength per unit); ``mass_g`` and ``volume_ml`` are both known
    when a density converts one into the other (None otherwise).
    """

    active_value: float
    """The amount of active, in ``active_unit``."""
    active_unit: str
    """``gram`` or ``milliliter`` (a liquid active in a v/v strength)."""
    strength: Strength
    """The preparation's strength."""
    total_value: float
    """The answer, in ``total_unit``."""
    total_unit: str
    """``gram``, ``milliliter`` or ``dosage_unit``."""
    mass_g: float | None = None
    """Mass of the preparation in grams, when known."""
    volume_ml: float | None = None
    """Volume of the preparation in millilitres, when known."""
    density: float | None = None
    """The preparation's density (g/mL) used, if any."""

    active = QuantityOf("active_value", unit_of="active_unit")
    """The amount of active."""

    total = QuantityOf("total_value", unit_of="total_unit")
    """The preparation that holds it (mass for w/w, volume for w/v and v/v)."""

    @property
    def mass(self) -> pint.Quantity[Any] | None:
        """The preparation's mass, when known (w/w, or with a density)."""
        return None if self.mass_g is None else quantity(self.mass_g, "gram")

    @property
    def volume(self) -> pint.Quantity[Any] | None:
        """The preparation's volume, when known (w/v and v/v, or with a density)."""
        return None if self.volume_ml is None else quantity(self.volume_ml, "milliliter")

    def steps(self) -> list[str]:
        """The calculation as sentences a second person can check.

        >>> print("\\n".join(total_for_active("1.26 g", "75 mg/mL", density="1.42 g/mL").steps()))
        1. Preparation = 1.26 g / 0.075 g/mL (75 mg/mL) = 16.8 mL.
        2. Its mass = 16.8 mL x 1.42 g/mL = 23.856 g.
        """
        basis = self.strength.basis
        per = _UNITS[basis][2] if basis in _UNITS else self._per_unit_text()
        active = figure(self.active_value, self.active_unit)
        out = [
            f"Preparation = {active} / {plain(self.strength.canonical)} {per} "
            f"({self.strength}) = {figure(self.total_value, self.total_unit)}."
        ]
        if self.density is not None and self.total_unit == "milliliter":
            assert self.mass_g is not None
            out.append(
                f"Its mass = {figure(self.total_value, 'milliliter')} x "
                f"{plain(self.density)} g/mL = {figure(self.mass_g, 'gram')}."
            )
        elif self.density is not None and self.volume_ml is not None:
            out.append(
                f"Its volume = {figure(self.total_value, 'gram')} / {plain(self.density)} g/mL "
                f"= {figure(self.volume_ml, 'milliliter')}."
            )
        return numbered(out)

    def _per_unit_text(self) -> str:
        return "g per unit" if self.active_unit == "gram" else "mL per unit"


def total_for_active(
    amount: object, strength: Strength | str, *, density: object = None
) -> ActiveTotal:
    """The preparation holding ``amount`` of the active at ``strength``: amount / strength.

    ``amount`` is a mass (a volume for a v/v strength, or a strength of mL per dosage
    unit). A w/w strength gives a mass of preparation; w/v and v/v give a volume, and
    with the preparation's ``density`` (``"1.05 g/mL"``) its mass too; a strength per
    dosage unit gives a number of units. A bare ``10 %`` must be resolved first.

    >>> total_for_active("12 g", "5 % w/v").total
    <Quantity(240.0, 'milliliter')>
    >>> total_for_active("100 mg", "5 mg/capsule").total
    <Quantity(20.0, 'dosage_unit')>
    """
    parsed = strength_of(strength, "strength")
    if not parsed.is_resolved:
        raise DimensionError(
            f"strength: {parsed} has no basis; write '{parsed} w/w' or '{parsed} w/v', or "
            "call .resolve(dosage_form) first"
        )
    basis = parsed.basis
    active_unit = "milliliter" if basis is Basis.V_V else "gram"
    if basis is Basis.PER_UNIT and DIMENSION[parsed.amount_unit] == "volume":
        active_unit = "milliliter"
    active = _active(amount, active_unit, parsed)
    grams_per_ml = None if density is None else density_g_per_ml(density)
    total = active / parsed.canonical
    if basis is Basis.PER_UNIT:
        if grams_per_ml is not None:
            raise CalculationError(
                f"density: {density} does not apply to {parsed}, a strength per dosage unit"
            )
        return ActiveTotal(active, active_unit, parsed, total, "dosage_unit")
    whole_unit = _UNITS[basis][1]
    if whole_unit == "gram":
        volume = None if grams_per_ml is None else total / grams_per_ml
        return ActiveTotal(active, active_unit, parsed, total, "gram", total, volume, grams_per_ml)
    mass = None if grams_per_ml is None else total * grams_per_ml
    return ActiveTotal(active, active_unit, parsed, total, "milliliter", mass, total, grams_per_ml)


def _active(amount: object, unit: str, strength: Strength) -> float:
    try:
        return positive_amount(amount, unit, field="amount")
    except DimensionError:
        other = "milliliter" if unit == "gram" else "gram"
        try:  # the other kind of amount: say what the strength needs
            positive_amount(amount, other, field="amount")
        except DimensionError:
            raise  # not an amount at all: the message says what is wrong
        kind = "mass" if unit == "gram" else "volume"
        raise DimensionError(
            f"amount: {amount} is not a {kind}, but {strength} needs the active as a {kind}"
            + (" (a liquid's volume times its density is its mass)" if kind == "mass" else "")
        ) from None
