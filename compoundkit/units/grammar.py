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
from typing import Any, Final

from compoundkit.errors import StrengthParseError

__all__ = [
    "AVOIRDUPOIS_OUNCE_G",
    "AVOIRDUPOIS_POUND_G",
    "DIMENSION",
    "FACTOR",
    "MAX_TEXT",
    "PINT_NAME",
    "SIGNIFICANT_DIGITS",
    "US_FLUID_OUNCE_ML",
    "Scanner",
    "amount_as_given",
    "format_number",
    "parse_amount",
    "presented",
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

# Canonical unit symbol -> (physical dimension, factor to the dimension's base unit,
# pint unit name used at the API boundary). The base units: g, mL, mmol, mEq, mOsm, unit.
_UNITS: Final[dict[str, tuple[str, float, str]]] = {
    "mcg": ("mass", 1e-6, "microgram"),
    "mg": ("mass", 1e-3, "milligram"),
    "g": ("mass", 1.0, "gram"),
    "kg": ("mass", 1e3, "kilogram"),
    "oz": ("mass", AVOIRDUPOIS_OUNCE_G, "avoirdupois_ounce"),
    "lb": ("mass", AVOIRDUPOIS_POUND_G, "avoirdupois_pound"),
    "mL": ("volume", 1.0, "milliliter"),
    "L": ("volume", 1e3, "liter"),
    "fl oz": ("volume", US_FLUID_OUNCE_ML, "US_fluid_ounce"),
    "mmol": ("substance", 1.0, "millimole"),
    "mol": ("substance", 1e3, "mole"),
    "mEq": ("charge", 1.0, "milliequivalent"),
    "mOsm": ("osmoles", 1.0, "milliosmole"),
    "unit": ("count", 1.0, "dosage_unit"),
    "dose": ("count", 1.0, "dosage_unit"),
    "capsule": ("count", 1.0, "dosage_unit"),
    "tablet": ("count", 1.0, "dosage_unit"),
    "suppository": ("count", 1.0, "dosage_unit"),
    "troche": ("count", 1.0, "dosage_unit"),
}
#: Canonical unit symbol -> physical dimension.
DIMENSION: Final = {symbol: unit[0] for symbol, unit in _UNITS.items()}
#: Canonical unit symbol -> factor to the dimension's base unit (g, mL, mmol, mEq, mOsm, unit).
FACTOR: Final = {symbol: unit[1] for symbol, unit in _UNITS.items()}
#: Canonical unit symbol -> the pint unit name used at the API boundary.
PINT_NAME: Final = {symbol: unit[2] for symbol, unit in _UNITS.items()}

# Spellings accepted in user text, by canonical symbol (the symbol itself is accepted too).
# "mcg" is canonical rather than "µg", as ISMP recommends, since a handwritten µ is misread as m.
_SPELLINGS: Final[dict[str, tuple[str, ...]]] = {
    "mcg": ("µg", "μg", "ug", "microgram", "micrograms"),
    "mg": ("milligram", "milligrams"),
    "g": ("gm", "gram", "grams"),
    "kg": ("kilogram", "kilograms"),
    "oz": ("ounce", "ounces"),
    "lb": ("lbs", "pound", "pounds"),
    "mL": ("ml", "milliliter", "milliliters", "millilitre", "millilitres"),
    "L": ("l", "liter", "liters", "litre", "litres"),
    "fl oz": ("floz",),
    "mmol": ("millimole", "millimoles"),
    "mol": ("mole", "moles"),
    "mEq": ("meq", "milliequivalent", "milliequivalents"),
    "mOsm": ("mosm", "mosmol", "milliosmole", "milliosmoles"),
    "unit": ("units",),
    "dose": ("doses",),
    "capsule": ("capsules", "cap"),
    "tablet": ("tablets", "tab"),
    "suppository": ("suppositories",),
    "troche": ("troches",),
}
_ALIASES: Final = {
    spelling: symbol
    for symbol, spellings in _SPELLINGS.items()
    for spelling in (symbol, *spellings)
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
# The signs: \u2108 SCRUPLE, \u0292 LATIN SMALL LETTER EZH (written for the dram), \u2125 OUNCE.
_REFUSED: Final[dict[str, tuple[str, str]]] = {
    spelling: why
    for why, spellings in (
        (_GRAIN, ("gr", "grain", "grains")),
        (_DRAM, ("dr", "dram", "drams", "drachm", "drachms", "fldr", "\u0292")),
        (_SCRUPLE, ("scruple", "scruples", "\u2108")),
        (_MINIM, ("minim", "minims")),
        (_APOTHECARY_OUNCE, ("\u2125",)),
    )
    for spelling in spellings
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


#: Significant digits of the numbers in exports: enough for grams to 0.1 mg up to 999 kg,
#: far fewer than the 15 to 17 where binary noise (12.600000000000001) lives.
SIGNIFICANT_DIGITS: Final = 10


def presented(value: Any) -> Any:
    """``value`` as exports show it: a float rounded to :data:`SIGNIFICANT_DIGITS`
    significant digits (written in its shortest form); containers are walked and
    anything else is returned as it is.

    >>> presented(0.1 * 126), presented(0.1 + 0.2), presented(12.765957446808512)
    (12.6, 0.3, 12.76595745)
    >>> presented({"value": [6.300000000000001, 2, True, "x"]})
    {'value': [6.3, 2, True, 'x']}
    """
    if isinstance(value, float):
        if not math.isfinite(value) or value == 0:
            return value
        return float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    if isinstance(value, dict):
        return {key: presented(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [presented(item) for item in value]
    return value


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
