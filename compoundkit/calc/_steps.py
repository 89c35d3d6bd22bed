"""What the calculations share: how a figure is written in a step, numbering, reading input.

Every result's ``steps()`` writes its figures with :func:`figure` (6 significant figures
and the unit's symbol) and numbers its sentences with :func:`numbered`, so all the
calculations read alike and a second person can check each line by hand.

>>> figure(33.333333, "gram"), numbered(["Weigh.", "Mix."])
('33.3333 g', ['1. Weigh.', '2. Mix.'])
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Final

from compoundkit.errors import CalculationError, DimensionError
from compoundkit.units import Strength, magnitude

__all__ = [
    "SYMBOL",
    "figure",
    "mass_or_volume",
    "numbered",
    "plain",
    "positive_amount",
    "strength_of",
]

#: pint unit name -> the symbol a step shows.
SYMBOL: Final[dict[str, str]] = {
    "gram": "g",
    "milligram": "mg",
    "milliliter": "mL",
    "millimole": "mmol",
    "milliequivalent": "mEq",
    "milliosmole": "mOsm",
    "dosage_unit": "dosage units",
    "percent": "%",
}


def plain(value: float) -> str:
    """A number to 6 significant figures, as steps show it (``33.3333``, ``0.6``)."""
    return f"{value:.6g}"


def figure(value: float, unit: str) -> str:
    """A figure with its symbol: ``figure(120, "milligram")`` -> ``'120 mg'``."""
    return f"{plain(value)} {SYMBOL.get(unit, unit)}"


def numbered(sentences: Iterable[str]) -> list[str]:
    """Sentences numbered from 1, as every ``steps()`` returns them."""
    return [f"{number}. {sentence}" for number, sentence in enumerate(sentences, 1)]


def positive_amount(value: object, unit: str, *, field: str, allow_zero: bool = False) -> float:
    """The magnitude of ``value`` in ``unit`` as a float, refusing nan, inf and <= 0.

    ``value`` is a pint Quantity from any registry, or strict text such as ``"6 mg"``.

    >>> positive_amount("6 mg", "milligram", field="sensitivity")
    6.0
    """
    number = float(magnitude(value, unit, field=field))
    if not math.isfinite(number):
        raise CalculationError(f"{field}: {value} is not a finite quantity")
    if number < 0 or (number == 0 and not allow_zero):
        least = "zero or more" if allow_zero else "greater than zero"
        raise CalculationError(f"{field}: {value} must be {least}")
    return number


def mass_or_volume(value: object, field: str, mass_unit: str = "gram") -> tuple[float, str]:
    """A positive mass (in ``mass_unit``) or volume (in mL): ``(magnitude, unit)``.

    >>> mass_or_volume("250 mg", "quantity"), mass_or_volume("2 fl oz", "quantity")
    ((0.25, 'gram'), (59.147059125, 'milliliter'))
    """

    try:
        return positive_amount(value, mass_unit, field=field), mass_unit
    except DimensionError:
        pass
    try:
        return positive_amount(value, "milliliter", field=field), "milliliter"
    except DimensionError:
        raise DimensionError(
            f"{field}: {value!r} is not a mass or a volume; give a quantity such as "
            "'120 mg' or '5 mL'"
        ) from None


def strength_of(value: object, field: str) -> Strength:
    """A :class:`~compoundkit.Strength`, or its text parsed; anything else is refused."""
    strength = Strength.parse(value) if isinstance(value, str) else value
    if not isinstance(strength, Strength):
        raise CalculationError(
            f"{field}: {value!r} is not a strength; give a Strength or text such as '10 % w/w'"
        )
    return strength
