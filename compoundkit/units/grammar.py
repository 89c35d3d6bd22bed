"""compoundkit's own strict grammar for numbers and units in user text.

Nothing here calls pint: user text never reaches pint's expression evaluator
(which would happily compute ``9**9**9``). Only plain decimals and a closed
list of pharmacy units are accepted.

>>> parse_amount("120g")
(120.0, 'g')
>>> parse_amount("0.5 kg")
(0.5, 'kg')
>>> parse_amount("8 mL", allowed=("volume",))
(8.0, 'mL')
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from compoundkit.errors import StrengthParseError

__all__ = [
    "AVOIRDUPOIS_OUNCE_G",
    "AVOIRDUPOIS_POUND_G",
    "DIMENSION",
    "FACTOR",
    "MAX_TEXT",
    "PINT_NAME",
    "US_FLUID_OUNCE_ML",
    "Scanner",
    "amount_as_given",
    "format_number",
    "parse_amount",
    "unit_symbol",
]

#: Longest user text (strength, amount) accepted, in characters.
MAX_TEXT: Final = 100

#: Largest magnitude accepted anywhere in user text (1e9: a billion grams is 1,000 t).
MAX_NUMBER: Final = 1e9

#: The avoirdupois pound in grams, exactly (1959 international yard and pound agreement;
#: NIST Handbook 44, Appendix C).
AVOIRDUPOIS_POUND_G: Final = 453.59237
#: The avoirdupois ounce, 1/16 lb, in grams (exactly 28.349523125 g).
AVOIRDUPOIS_OUNCE_G: Final = 28.349523125
#: The US fluid ounce, 1/128 US gallon of 231 cubic inches of 2.54 cm, in millilitres
#: (exactly 29.5735295625 mL; NIST Handbook 44, Appendix C).
US_FLUID_OUNCE_ML: Final = 29.5735295625
#: The grain (1/7000 lb), in milligrams, exactly: only to say what to write instead.
GRAIN_MG: Final = 64.79891

#: Canonical unit symbol -> physical dimension.
DIMENSION: Final[dict[str, str]] = {
    "mcg": "mass",
    "mg": "mass",
    "g": "mass",
    "kg": "mass",
    "oz": "mass",
    "lb": "mass",
    "mL": "volume",
    "L": "volume",
    "fl oz": "volume",
    "mmol": "substance",
    "mol": "substance",
    "mEq": "charge",
    "mOsm": "osmoles",
    "unit": "count",
    "dose": "count",
    "capsule": "count",
    "tablet": "count",
    "suppository": "count",
    "troche": "count",
}

#: Canonical unit symbol -> factor to the dimension's base unit (g, mL, mmol, mEq, mOsm, unit).
FACTOR: Final[dict[str, float]] = {
    "mcg": 1e-6,
    "mg": 1e-3,
    "g": 1.0,
    "kg": 1e3,
    "oz": AVOIRDUPOIS_OUNCE_G,
    "lb": AVOIRDUPOIS_POUND_G,
    "mL": 1.0,
    "L": 1e3,
    "fl oz": US_FLUID_OUNCE_ML,
    "mmol": 1.0,
    "mol": 1e3,
    "mEq": 1.0,
    "mOsm": 1.0,
    "unit": 1.0,
    "dose": 1.0,
    "capsule": 1.0,
    "tablet": 1.0,
    "suppository": 1.0,
    "troche": 1.0,
}

#: Canonical unit symbol -> the pint unit name used at the API boundary.
PINT_NAME: Final[dict[str, str]] = {
    "mcg": "microgram",
    "mg": "milligram",
    "g": "gram",
    "kg": "kilogram",
    "oz": "avoirdupois_ounce",
    "lb": "avoirdupois_pound",
    "mL": "milliliter",
    "L": "liter",
    "fl oz": "US_fluid_ounce",
    "mmol": "millimole",
    "mol": "mole",
    "mEq": "milliequivalent",
    "mOsm": "milliosmole",
    "unit": "dosage_unit",
    "dose": "dosage_unit",
    "capsule": "dosage_unit",
    "tablet": "dosage_unit",
    "suppository": "dosage_unit",
    "troche": "dosage_unit",
}

# Spellings accepted in user text -> canonical symbol. "mcg" is canonical rather
# than "µg", as ISMP recommends, since a handwritten µ is misread as m.
_ALIASES: Final[dict[str, str]] = {
    "mcg": "mcg",
    "µg": "mcg",
    "μg": "mcg",
    "ug": "mcg",
    "microgram": "mcg",
    "micrograms": "mcg",
    "mg": "mg",
    "milligram": "mg",
    "milligrams": "mg",
    "g": "g",
    "gm": "g",
    "gram": "g",
    "grams": "g",
    "kg": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "oz": "oz",
    "ounce": "oz",
    "ounces": "oz",
    "lb": "lb",
    "lbs": "lb",
    "pound": "lb",
    "pounds": "lb",
    "ml": "mL",
    "milliliter": "mL",
    "milliliters": "mL",
    "millilitre": "mL",
    "millilitres": "mL",
    "l": "L",
    "liter": "L",
    "liters": "L",
    "litre": "L",
    "litres": "L",
    "floz": "fl oz",
    "mmol": "mmol",
    "millimole": "mmol",
    "millimoles": "mmol",
    "mol": "mol",
    "mole": "mol",
    "moles": "mol",
    "meq": "mEq",
    "milliequivalent": "mEq",
    "milliequivalents": "mEq",
    "mosm": "mOsm",
    "mosmol": "mOsm",
    "milliosmole": "mOsm",
    "milliosmoles": "mOsm",
    "unit": "unit",
    "units": "unit",
    "dose": "dose",
    "doses": "dose",
    "capsule": "capsule",
    "capsules": "capsule",
    "cap": "capsule",
    "tablet": "tablet",
    "tablets": "tablet",
    "tab": "tablet",
    "suppository": "suppository",
    "suppositories": "suppository",
    "troche": "troche",
    "troches": "troche",
}

# Case matters for metric mass units (mg is not Mg); volume and count words, and the US
# customary ounce and pound (no SI prefix to confuse), are case-free.
_CASE_FREE: Final = frozenset(
    {"ml", "l", "liter", "litre", "liters", "litres"}
    | {"oz", "ounce", "ounces", "lb", "lbs", "pound", "pounds", "floz"}
)

# "fl oz", "fl. oz", "fluid ounces": the words after "fl" or "fluid" that make a fluid ounce.
_FLUID_OUNCE_RE: Final = re.compile(r"\.?[ \t]*(?:oz|ounces?)(?![A-Za-z])", re.IGNORECASE)
_FLUID_DRAM_RE: Final = re.compile(r"\.?[ \t]*(?:dr|drams?|drachms?)(?![A-Za-z])", re.IGNORECASE)

_APOTHECARY: Final = (
    "the apothecary system is no longer used (USP); ISMP lists apothecary units among "
    "error-prone abbreviations"
)
# Apothecary and ambiguous spellings -> why they are refused and what to write instead.
# Every number follows from the grain (64.79891 mg) and the US fluid ounce (29.5735295625 mL).
_GRAIN = (
    "grain",
    "ISMP warns 'gr' is misread as gram (0.5 gr of phenobarbital given as 0.5 g); "
    f"write the amount in mg (1 gr = {GRAIN_MG!r} mg)",
)
_DRAM = (
    "dram",
    f"{_APOTHECARY}, and a dram is ambiguous (apothecary dram 60 gr = 3.8879346 g, "
    "avoirdupois dram 1/16 oz = 1.7718451953125 g, fluid dram 1/8 fl oz = "
    "3.6966911953125 mL); write the amount in g or mL",
)
_SCRUPLE = ("scruple", f"{_APOTHECARY}; write the amount in g (1 scruple = 20 gr = 1.2959782 g)")
_MINIM = (
    "minim",
    f"{_APOTHECARY}; write the volume in mL (1 minim = 1/480 fl oz = 0.061611519921875 mL)",
)
_APOTHECARY_OUNCE = (
    "apothecary ounce",
    f"{_APOTHECARY}; write the amount in g (1 apothecary ounce = 480 gr = 31.1034768 g), "
    "or oz for the avoirdupois ounce of 28.349523125 g",
)
_REFUSED: Final[dict[str, tuple[str, str]]] = {
    "gr": _GRAIN,
    "grain": _GRAIN,
    "grains": _GRAIN,
    "dr": _DRAM,
    "dram": _DRAM,
    "drams": _DRAM,
    "drachm": _DRAM,
    "drachms": _DRAM,
    "fldr": _DRAM,
    "scruple": _SCRUPLE,
    "scruples": _SCRUPLE,
    "minim": _MINIM,
    "minims": _MINIM,
    "\u2108": _SCRUPLE,  # SCRUPLE sign
    "\u0292": _DRAM,  # LATIN SMALL LETTER EZH, written for the dram
    "\u2125": _APOTHECARY_OUNCE,  # OUNCE SIGN
}

# ASCII digits only: Unicode digits such as '৪' (Bengali four, which looks like 8) are refused.
_NUMBER_RE: Final = re.compile(r"[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30}")
_WORD_RE: Final = re.compile(r"[A-Za-zµμ]{1,20}")
_SIGNS: Final = frozenset("\u2108\u0292\u2125")


def unit_symbol(word: str) -> str | None:
    """The canonical symbol for a unit spelling, or None if it is not a known unit.

    >>> unit_symbol("ML"), unit_symbol("µg"), unit_symbol("furlongs")
    ('mL', 'mcg', None)
    """
    if word in _ALIASES:
        return _ALIASES[word]
    lowered = word.lower()
    if lowered in _CASE_FREE or (lowered in _ALIASES and DIMENSION[_ALIASES[lowered]] != "mass"):
        return _ALIASES[lowered]
    return None


def unit_choices(dimensions: Iterable[str]) -> str:
    """The canonical symbols of the given dimensions, for error messages."""
    wanted = set(dimensions)
    return ", ".join(sym for sym, dim in DIMENSION.items() if dim in wanted)


def format_number(value: float) -> str:
    """Shortest decimal text (no exponent) that parses back to exactly ``value``.

    >>> format_number(10.0), format_number(0.1), format_number(1e-05)
    ('10', '0.1', '0.00001')
    """
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class Scanner:
    """A cursor over user text that reports errors with the position of the bad character."""

    __slots__ = ("pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, reason: str, position: int | None = None) -> StrengthParseError:
        """An error pointing at ``position`` (default: the cursor)."""
        return StrengthParseError(self.text, self.pos if position is None else position, reason)

    def skip_spaces(self) -> None:
        """Move past blanks."""
        text, pos = self.text, self.pos
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        self.pos = pos

    def at_end(self) -> bool:
        """True once only blanks remain."""
        self.skip_spaces()
        return self.pos >= len(self.text)

    def peek(self) -> str:
        """The next character, or '' at the end."""
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def accept(self, char: str) -> bool:
        """Consume ``char`` if it is next (after blanks)."""
        self.skip_spaces()
        if self.peek() == char:
            self.pos += 1
            return True
        return False

    def number(self, what: str = "a number", *, allow_zero: bool = False) -> float:
        """A plain positive decimal; a clear error for signs, exponents, nan, inf, powers.

        Zero is refused unless ``allow_zero``.
        """
        self.skip_spaces()
        start = self.pos
        rest = self.text[start:]
        match = _NUMBER_RE.match(rest)
        if match is None:
            lowered = rest[:3].lower()
            if rest.startswith("-"):
                raise self.fail(f"{what} must be positive; a '-' sign is not allowed")
            if rest.startswith("+"):
                raise self.fail(f"write {what} without a '+' sign")
            if lowered in ("nan", "inf"):
                raise self.fail(
                    f"{what} must be a finite decimal such as 10 or 0.5, not {rest[:3]!r}"
                )
            if not rest:
                raise self.fail(f"expected {what} here, but the text ends")
            raise self.fail(f"expected {what} (a decimal such as 10 or 0.5), found {rest[0]!r}")
        self.pos = start + match.end()
        nxt = self.peek()
        if nxt in ("e", "E") and self.text[self.pos + 1 : self.pos + 2] in set("0123456789+-"):
            raise self.fail("exponents are not allowed; write the number out in full")
        if self.text.startswith("**", self.pos) or nxt == "^":
            raise self.fail("powers and expressions are not allowed; write one plain number")
        if nxt in ("*", "+", "(", ")") or (nxt == "-" and self.text[self.pos + 1 : self.pos + 2]):
            raise self.fail("expressions are not allowed; write one plain number")
        value = float(match.group())
        if value == 0.0 and not allow_zero:
            raise self.fail(f"{what} must be greater than zero", start)
        if not math.isfinite(value) or value > MAX_NUMBER:
            raise self.fail(f"{what} is out of range (at most {MAX_NUMBER:g})", start)
        return value

    def unit(self, dimensions: Iterable[str]) -> str:
        """A unit word from the closed list for ``dimensions``; an error lists what is allowed.

        ``fl oz`` (also ``fl. oz``, ``floz``, ``fluid ounces``) is the US fluid ounce;
        apothecary spellings (``gr``, ``dr``, ``scruple``, ``minim``, ``℈ ʒ ℥``) are
        refused with the metric unit to write instead.
        """
        self.skip_spaces()
        start = self.pos
        wanted = tuple(dimensions)
        if self.peek() in _SIGNS:
            raise self._refused(self.peek(), start)
        match = _WORD_RE.match(self.text, start)
        if match is None:
            found = repr(self.peek()) if self.peek() else "the end of the text"
            raise self.fail(f"expected a unit ({unit_choices(wanted)}), found {found}")
        word, end = match.group(), match.end()
        if word.lower() in ("fl", "fluid"):
            rest = _FLUID_OUNCE_RE.match(self.text, end)
            if rest is None:
                if _FLUID_DRAM_RE.match(self.text, end):
                    raise self._refused("fl dr", start)
                raise self.fail(f"expected 'oz' after {word!r} (fl oz, the US fluid ounce)", end)
            symbol: str | None = "fl oz"
            end = rest.end()
        else:
            symbol = unit_symbol(word)
        if symbol is None:
            if word.lower() in _REFUSED:
                raise self._refused(word, start)
            raise self.fail(f"unknown unit {word!r}; allowed: {unit_choices(wanted)}", start)
        if DIMENSION[symbol] not in wanted:
            raise self.fail(
                f"unit {word!r} is a {DIMENSION[symbol]}; expected {' or '.join(wanted)} "
                f"({unit_choices(wanted)})",
                start,
            )
        self.pos = end
        return symbol

    def _refused(self, word: str, start: int) -> StrengthParseError:
        name, why = _REFUSED[word.lower().replace(" ", "")]
        return self.fail(f"{word!r} ({name}) is not accepted: {why}", start)


def check_length(text: object, what: str) -> str:
    """Reject non-text, empty and over-long input before any parsing work."""
    if not isinstance(text, str):
        raise StrengthParseError(
            repr(text), None, f"{what} must be text, not {type(text).__name__}"
        )
    stripped = text.strip()
    if not stripped:
        raise StrengthParseError(text, None, f"empty {what}")
    if len(stripped) > MAX_TEXT:
        raise StrengthParseError(
            stripped, None, f"{what} is {len(stripped)} characters long; at most {MAX_TEXT} allowed"
        )
    return stripped


def parse_amount(
    text: str, allowed: Iterable[str] = ("mass", "volume"), what: str = "amount"
) -> tuple[float, str]:
    """Parse ``'120 g'``-style text into (magnitude, canonical symbol), strictly."""
    scanner = Scanner(check_length(text, what))
    value = scanner.number(what)
    symbol = scanner.unit(tuple(allowed))
    if not scanner.at_end():
        raise scanner.fail(f"unexpected text after the {what}")
    return value, symbol


def amount_as_given(text: str, allowed: Iterable[str] = ("mass", "volume")) -> str | None:
    """An amount as the user wrote it, tidied, to show beside its grams; None for grams.

    >>> amount_as_given("2oz"), amount_as_given("1 LB"), amount_as_given("120g")
    ('2 oz', '1 lb', None)
    """
    value, symbol = parse_amount(text, allowed)
    return None if symbol == "g" else f"{format_number(value)} {symbol}"
