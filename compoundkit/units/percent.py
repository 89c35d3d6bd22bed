"""What a percent means: the basis of a strength and the USP rule for a bare percent.

USP General Notices, "Percentage Measurements": a bare percent is w/w in mixtures
of solids and semisolids, w/v for solids (or gases) in liquids, and v/v for
liquids in liquids (:func:`resolve_basis`).
"""

from __future__ import annotations

import enum
from typing import Final

from compoundkit.errors import DosageFormError

__all__ = ["Basis", "Notation", "resolve_basis"]


class Basis(enum.Enum):
    """What a strength is a proportion of, following from its units' dimensions."""

    W_W = "w/w"
    W_V = "w/v"
    V_V = "v/v"
    PER_UNIT = "per unit"
    UNRESOLVED = "unresolved"


class Notation(enum.Enum):
    """How a strength is written: ``10 %``, ``1:1000`` or ``20 mg/g``."""

    PERCENT = "percent"
    RATIO = "ratio"
    UNITS = "units"


#: (dimension of the amount, dimension of the whole) -> basis.
BASIS_OF: Final[dict[tuple[str, str], Basis]] = {
    ("mass", "mass"): Basis.W_W,
    ("mass", "volume"): Basis.W_V,
    ("volume", "volume"): Basis.V_V,
    ("mass", "count"): Basis.PER_UNIT,
    ("volume", "count"): Basis.PER_UNIT,
}
#: basis -> the unit symbols of a percent or ratio on that basis.
UNITS_OF: Final[dict[str, tuple[str, str]]] = {
    "w/w": ("g", "g"),
    "w/v": ("g", "mL"),
    "v/v": ("mL", "mL"),
}

#: Dosage forms in which a bare percent is w/w (mixtures of solids and semisolids).
_SEMISOLID_OR_SOLID: Final = frozenset(
    {
        "cream", "ointment", "gel", "paste", "powder", "stick", "suppository", "troche",
        "lozenge", "capsule", "tablet", "solid", "semisolid", "organogel", "emollient",
    }
)  # fmt: skip
_LIQUID: Final = frozenset(
    {
        "solution", "suspension", "lotion", "emulsion", "liquid", "spray", "drops", "syrup",
        "elixir", "wash", "rinse", "mouthwash", "enema", "liniment", "tincture",
    }
)  # fmt: skip
_SOLUTES: Final = ("solid", "liquid", "gas")


def resolve_basis(dosage_form: str, solute: str = "solid") -> Basis:
    """The basis a bare percent means in ``dosage_form`` (USP General Notices).

    >>> resolve_basis("cream"), resolve_basis("solution"), resolve_basis("solution", "liquid")
    (<Basis.W_W: 'w/w'>, <Basis.W_V: 'w/v'>, <Basis.V_V: 'v/v'>)
    """
    form = " ".join(str(dosage_form).lower().replace("_", " ").replace("-", " ").split())
    if solute not in _SOLUTES:
        raise DosageFormError(f"solute state {solute!r} unknown; allowed: {', '.join(_SOLUTES)}")
    if form in _SEMISOLID_OR_SOLID:
        return Basis.W_W
    if form in _LIQUID:
        return Basis.V_V if solute == "liquid" else Basis.W_V
    allowed = ", ".join(sorted(_SEMISOLID_OR_SOLID | _LIQUID))
    raise DosageFormError(f"dosage form {dosage_form!r} unknown; allowed: {allowed}")
