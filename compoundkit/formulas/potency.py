"""Potency (assay) of a raw material, and when to correct a weighed quantity for it.

Two policies:

- ``certificate`` (default, the IJPC convention): correct only for a potency the
  certificate states for use (e.g. ``"98.5%"``), or for an assay outside its
  normal specification; an assay within specification is not corrected.
- ``always``: always correct with the as-is potency.

An assay on the dried or anhydrous basis becomes an as-is potency with the water
content or loss on drying: ``as_is = assay x (1 - water)``.

>>> Potency.parse("98.5%").as_is
0.985
>>> p = Potency(0.992, basis="dried", water=0.003, stated=False, specification=(0.985, 1.01))
>>> round(p.as_is, 6), p.decide("certificate")[0], p.decide("always")[0]
(0.989024, False, True)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

from attrs import field, frozen

from compoundkit.errors import BatchError
from compoundkit.units.grammar import Scanner, check_length

if TYPE_CHECKING:
    import attrs

__all__ = ["POLICIES", "Potency", "potency_from"]

POLICIES: Final = ("certificate", "always")
_BASES: Final = ("as-is", "dried", "anhydrous")


def _fraction(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, float) and math.isfinite(value) and value > 0.0):
        raise BatchError(f"potency {attribute.name} must be above 0 %, not {value * 100:g} %")


def _water(instance: object, attribute: attrs.Attribute[float | None], value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and 0.0 <= value < 1.0):
        raise BatchError(f"water content must be from 0 % to below 100 %, not {value * 100:g} %")


@frozen
class Potency:
    """An assay result as a fraction (0.985 = 98.5 %), its basis and specification."""

    assay: float = field(converter=float, validator=_fraction)
    basis: str = field(default="as-is")
    water: float | None = field(default=None, validator=_water)
    stated: bool = True
    specification: tuple[float, float] | None = None

    def __attrs_post_init__(self) -> None:
        if self.basis not in _BASES:
            raise BatchError(f"potency basis {self.basis!r} unknown; allowed: {', '.join(_BASES)}")
        if self.basis != "as-is" and self.water is None:
            raise BatchError(
                f"an assay on the {self.basis} basis needs the water content or loss on drying"
            )
        # A dried-basis assay may exceed 100 % (100.5 % dried, 1 % water = 99.5 % as is);
        # what is weighed, the as-is potency, may not.
        if self.as_is > 1.0:
            what = "potency" if self.basis == "as-is" else "as-is potency (assay x (1 - water))"
            raise BatchError(
                f"the {what} must be above 0 % and at most 100 %, not {self.as_is * 100:g} %"
            )

    @classmethod
    def parse(cls, text: str) -> Potency:
        """A stated as-is potency from text such as ``98.5%`` (strict grammar)."""
        scanner = Scanner(check_length(text, "potency"))
        value = scanner.number("the potency")
        if not scanner.accept("%") or not scanner.at_end():
            raise BatchError(f"potency {text!r}: write a percent such as 98.5%")
        return cls(value / 100.0)

    @property
    def as_is(self) -> float:
        """The fraction of the material, as weighed, that is the stated substance."""
        if self.basis == "as-is":
            return self.assay
        assert self.water is not None
        return self.assay * (1.0 - self.water)

    def decide(self, policy: str) -> tuple[bool, str]:
        """(correct?, why) under ``policy``."""
        if policy not in POLICIES:
            raise BatchError(f"potency policy {policy!r} unknown; allowed: {', '.join(POLICIES)}")
        text = f"{self.as_is * 100:.4g} % as is"
        if policy == "always":
            return True, f"corrected: {text} (policy: always)"
        if self.stated:
            return True, f"corrected: {text} stated on the certificate"
        if self.specification is not None:
            low, high = self.specification
            if not low <= self.assay <= high:
                return True, f"corrected: assay outside specification {low:.2%}-{high:.2%}"
            return False, f"not corrected: assay within specification {low:.2%}-{high:.2%}"
        return True, f"corrected: {text} (no specification given to judge it)"


def potency_from(value: Any, name: str) -> Potency:
    """A Potency from a Potency, text (``"98.5%"``) or a pint Quantity in percent."""
    if isinstance(value, Potency):
        return value
    if isinstance(value, str):
        try:
            return Potency.parse(value)
        except ValueError as exc:
            raise BatchError(f"potency for {name}: {str(exc).splitlines()[0]}") from None
    if hasattr(value, "to") and hasattr(value, "magnitude"):
        from compoundkit.units import magnitude

        fraction = float(magnitude(value, "dimensionless", field=f"potency for {name}"))
        return Potency(fraction)
    raise BatchError(
        f"potency for {name}: give a percent such as '98.5%' or a Potency, not {value!r}"
    )
