"""The one rule for comparing names typed by people: ingredients, forms, vehicles, lots, signers,
and the one rule for what a name may hold.

Two names are the same when their :func:`name_key` is: Unicode NFKC (full-width
and compatibility characters folded), case folded, with white space, hyphens,
dashes and underscores dropped.

>>> name_key(" Magnesium-Chloride ") == name_key("magnesium chloride")
True
>>> name_key("A.Chen") == name_key("a. chen")
True
>>> name_key("ＫＥＴＯＰＲＯＦＥＮ")
'ketoprofen'

A name is printed text: :func:`check_printable` refuses control characters (NUL,
C0, DEL, C1: they clear screens and set window titles on a terminal, or forge lines
of a worksheet) and bidirectional formatting characters (a right-to-left override
shows ``9.0 g`` as ``g 0.9``); free text (``lines=True``) may hold line breaks and tabs.

>>> check_printable("Lot K\\u202e123", "--lot")
Traceback (most recent call last):
...
ValueError: --lot contains U+202E (RIGHT-TO-LEFT OVERRIDE) at character 6; only printable ...
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

__all__ = ["check_printable", "name_key", "same_name", "unprintable"]

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


#: Characters no name holds: C0 controls, DEL, C1 controls, line and paragraph
#: separators, and the bidirectional formatting characters (embeddings, overrides,
#: isolates and marks).
_UNPRINTABLE: Final = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
#: The same, but free text keeps its line breaks and tabs.
_UNPRINTABLE_TEXT: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_CONTROL_NAMES: Final = {
    "\x00": "NUL",
    "\t": "TAB",
    "\n": "LINE FEED",
    "\r": "CARRIAGE RETURN",
    "\x1b": "ESCAPE",
    "\x7f": "DELETE",
    "\x9b": "CONTROL SEQUENCE INTRODUCER",
}


def unprintable(text: str, *, lines: bool = False) -> tuple[int, str] | None:
    """The first character ``text`` may not hold, as (index, description), or None.

    >>> unprintable("Acme\\x1b]0;owned\\x07")
    (4, 'U+001B (ESCAPE)')
    >>> unprintable("line one\\nline two", lines=True) is None
    True
    """
    found = (_UNPRINTABLE_TEXT if lines else _UNPRINTABLE).search(text)
    if found is None:
        return None
    char = found.group()
    name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "control character")
    return found.start(), f"U+{ord(char):04X} ({name})"


def check_printable(text: str, what: str = "", *, lines: bool = False) -> str:
    """``text`` unchanged when it is printable text, else :class:`ValueError` naming ``what``.

    Names, lot numbers and people's names use the default; free text (a step, a note)
    passes ``lines=True`` to keep its line breaks and tabs.

    >>> check_printable("Cyclobenzaprine HCl", "name")
    'Cyclobenzaprine HCl'
    """
    bad = unprintable(text, lines=lines)
    if bad is not None:
        allowed = "printable text" if lines else "printable text on one line"
        raise ValueError(
            f"{what} contains {bad[1]} at character {bad[0] + 1}; only {allowed} is "
            "allowed (no control characters or bidirectional overrides)".lstrip()
        )
    return text


def __dir__() -> list[str]:
    """The public names only (no imported helpers or submodules)."""
    return sorted(__all__)
