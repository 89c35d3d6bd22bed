"""The one rule for comparing names typed by people: ingredients, forms, vehicles, lots, signers.

Two names are the same when their :func:`name_key` is: Unicode NFKC (full-width
and compatibility characters folded), case folded, with white space, hyphens,
dashes and underscores dropped.

>>> name_key(" Magnesium-Chloride ") == name_key("magnesium chloride")
True
>>> name_key("A.Chen") == name_key("a. chen")
True
>>> name_key("ＫＥＴＯＰＲＯＦＥＮ")
'ketoprofen'
"""

from __future__ import annotations

import unicodedata
from typing import Final

__all__ = ["name_key", "same_name"]

#: Characters that never distinguish two names (spaces, hyphens and dashes, underscore).
_IGNORED: Final = frozenset("-_\u2010\u2011\u2012\u2013\u2014\u2212")


def name_key(name: str) -> str:
    """The comparison key of ``name`` (see the module docstring)."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in text if not ch.isspace() and ch not in _IGNORED)


def same_name(first: str, second: str) -> bool:
    """True when two names are the same by :func:`name_key`.

    >>> same_name("Cyclobenzaprine HCl", "cyclobenzaprine-hcl")
    True
    """
    return name_key(first) == name_key(second)


def __dir__() -> list[str]:
    """The public names only (no imported helpers or submodules)."""
    return sorted(__all__)
