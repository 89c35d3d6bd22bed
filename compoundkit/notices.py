"""The disclaimer every output of compoundkit carries (CLI help, worksheets, catalog exports).

>>> DISCLAIMER.startswith("compoundkit supports a licensed pharmacist")
True
"""

from __future__ import annotations

from typing import Final

__all__ = ["CATALOG_DISCLAIMER", "DISCLAIMER"]

DISCLAIMER: Final = (
    "compoundkit supports a licensed pharmacist's calculations and documentation; "
    "it does not replace professional judgment."
)

#: The disclaimer of catalog exports: what the data is, and is not.
CATALOG_DISCLAIMER: Final = (
    f"{DISCLAIMER} Its ingredient data is not medical advice. Facts carry their sources; "
    "claims graded 'unsupported' are recorded so the gap is visible, not as indications."
)


def __dir__() -> list[str]:
    """The public names only (no imported helpers or submodules)."""
    return sorted(__all__)
