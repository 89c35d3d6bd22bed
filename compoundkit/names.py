"""The one rule for comparing names typed by people: ingredients, forms, vehicles, lots, signers,
and the one rule for what a name may hold.

Two names are the same when their :func:`name_key` is: Unicode NFKC (full-width
and compatibility characters folded), Cyrillic and Greek letters that look like Latin
ones folded to those (:data:`LOOKALIKES`), case folded, with white space, hyphens,
dashes and underscores dropped.

>>> name_key(" Magnesium-Chloride ") == name_key("magnesium chloride")
True
>>> name_key("A.Chen") == name_key("a. chen") == name_key("\\u0410. Chen")  # Cyrillic A
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

Why a table and not Unicode's full confusables skeleton (UTS #39, section 4): no
maintained Python package computes the skeleton (``confusable_homoglyphs`` detects
mixed scripts but has no skeleton; ``confusables`` has not been released since 2021),
and the names compoundkit compares are short Latin-script names where the spoofs that
matter are the Cyrillic and Greek capitals and small letters drawn like Latin ones.
The table takes its pairs from the Unicode confusables data
(https://www.unicode.org/Public/security/latest/confusables.txt), keeping only letters
whose prototype is one ASCII letter.
"""

from __future__ import annotations

import re
import types
import unicodedata
from typing import Final

__all__ = ["LOOKALIKES", "check_printable", "name_key", "same_name", "unprintable"]

#: Characters that never distinguish two names (spaces, hyphens and dashes, underscore).
_IGNORED: Final = frozenset("-_\u2010\u2011\u2012\u2013\u2014\u2212")

LOOKALIKES: Final = types.MappingProxyType(
    {
        # Cyrillic capitals
        "\u0405": "S",  # DZE
        "\u0406": "I",  # BYELORUSSIAN-UKRAINIAN I
        "\u0408": "J",  # JE
        "\u0410": "A",
        "\u0412": "B",  # VE
        "\u0415": "E",  # IE
        "\u041a": "K",  # KA
        "\u041c": "M",  # EM
        "\u041d": "H",  # EN
        "\u041e": "O",
        "\u0420": "P",  # ER
        "\u0421": "C",  # ES
        "\u0422": "T",  # TE
        "\u0423": "Y",  # U
        "\u0425": "X",  # HA
        "\u04ae": "Y",  # STRAIGHT U
        "\u04c0": "I",  # PALOCHKA
        # Cyrillic small letters
        "\u0430": "a",
        "\u0435": "e",  # ie
        "\u043e": "o",
        "\u0440": "p",  # er
        "\u0441": "c",  # es
        "\u0443": "y",  # u
        "\u0445": "x",  # ha
        "\u0455": "s",  # dze
        "\u0456": "i",  # byelorussian-ukrainian i
        "\u0458": "j",  # je
        "\u04bb": "h",  # shha
        "\u04cf": "l",  # palochka
        "\u0501": "d",  # komi de
        "\u051b": "q",  # qa
        "\u051d": "w",  # we
        # Greek capitals
        "\u0391": "A",  # ALPHA
        "\u0392": "B",  # BETA
        "\u0395": "E",  # EPSILON
        "\u0396": "Z",  # ZETA
        "\u0397": "H",  # ETA
        "\u0399": "I",  # IOTA
        "\u039a": "K",  # KAPPA
        "\u039c": "M",  # MU
        "\u039d": "N",  # NU
        "\u039f": "O",  # OMICRON
        "\u03a1": "P",  # RHO
        "\u03a4": "T",  # TAU
        "\u03a5": "Y",  # UPSILON
        "\u03a7": "X",  # CHI
        # Greek small letters
        "\u03b1": "a",  # alpha
        "\u03b3": "y",  # gamma
        "\u03b9": "i",  # iota
        "\u03bd": "v",  # nu
        "\u03bf": "o",  # omicron
        "\u03c1": "p",  # rho
        "\u03c5": "u",  # upsilon
        "\u03f3": "j",  # yot
    }
)
"""Cyrillic and Greek letters drawn like a Latin letter, and that letter (same case).

Applied after NFKC and before case folding, so a capital folds to the capital it looks
like (Greek capital upsilon to Y) and a small letter to the small one (upsilon to u).
"""

_FOLD: Final = str.maketrans(dict(LOOKALIKES))


def name_key(name: str) -> str:
    """The comparison key of ``name`` (see the module docstring)."""
    text = unicodedata.normalize("NFKC", name).translate(_FOLD).casefold()
    return "".join(ch for ch in text if not ch.isspace() and ch not in _IGNORED)


def same_name(first: str, second: str) -> bool:
    """True when two names are the same by :func:`name_key`.

    >>> same_name("Cyclobenzaprine HCl", "cyclobenzaprine-hcl")
    True
    >>> same_name("B. Osei", "\\u0392. \\u039fsei")  # Greek capitals beta and omicron
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
