"""Molecular weights from molecular formulas.

molmass parses the formula (hydrates and adducts written with ``.``, such as
``MgCl2.6H2O`` or ``C20H21N.HCl``) and gives the element counts. The masses
are IUPAC conventional (abridged) atomic weights for the elements the catalog
uses, the values the catalog's recorded molecular weights use; other elements fall back to
molmass's own masses (standard atomic weights, or isotope masses). molmass is
imported only here, on first use.

>>> round(molecular_weight("C20H21N"), 3)
275.395
>>> round(molecular_weight("MgCl2.6H2O"), 3)
203.295
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

__all__ = ["ATOMIC_WEIGHTS", "FormulaError", "molecular_weight"]

#: IUPAC conventional/abridged atomic weights (g/mol) (IUPAC CIAAW standard atomic
#: weights, conventional values).
ATOMIC_WEIGHTS: Final[dict[str, float]] = {
    "H": 1.008,
    "C": 12.011,
    "N": 14.007,
    "O": 15.999,
    "Na": 22.990,
    "Mg": 24.305,
    "Cl": 35.45,
}


class FormulaError(ValueError):
    """A molecular formula molmass cannot read."""


@lru_cache(maxsize=256)
def molecular_weight(formula: str) -> float:
    """Molecular weight in g/mol of ``formula`` (molmass syntax), as a float.

    >>> molecular_weight("Mg")
    24.305
    >>> molecular_weight("C2H5OH)")
    Traceback (most recent call last):
    ...
    compoundkit.ingredients._chem.FormulaError: cannot read formula 'C2H5OH)': missing opening ...
    """
    import molmass

    try:
        parsed = molmass.Formula(formula)
        composition = parsed.composition()
    except (molmass.FormulaError, ValueError, KeyError, IndexError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FormulaError(f"cannot read formula {formula!r}: {reason}") from None
    total = 0.0
    for symbol, item in composition.items():
        weight = ATOMIC_WEIGHTS.get(symbol)
        if weight is None:  # another element or an isotope: molmass's own mass
            total += float(item.mass)
        else:
            total += weight * int(item.count)
    if total <= 0:
        raise FormulaError(f"formula {formula!r} has no mass")
    return total
