"""Field rules of records: one-line text, free text, dates, masses, lists and hashes.

The MFR and CR classes (and their parts) check every field with these validators, so a
record built in Python and one read from a file obey the same rules. Converters only
normalise what already has the right type; validators check it and name the field
(:func:`field_label`), so a wrong type reaches a validator unchanged.

>>> check_name("  Acme Labs ", "vendor")
'Acme Labs'
>>> check_name("line one\\nline two", "vendor")
Traceback (most recent call last):
...
compoundkit.errors.RecordError: vendor must be one line without control characters: ...
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import types
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from attrs.validators import optional

from compoundkit.documents import calendar_date
from compoundkit.errors import RecordError

if TYPE_CHECKING:
    import attrs

__all__ = [
    "MAX_GRAMS",
    "MAX_ITEMS",
    "MAX_NAME",
    "MAX_TEXT",
    "check_date",
    "check_grams",
    "check_name",
    "check_text",
    "clean_line",
    "clean_text",
    "field_label",
    "shown",
    "to_float",
    "to_lines",
    "to_signatures",
    "to_texts",
    "to_tuple",
    "valid_date",
    "valid_grams",
    "valid_hash",
    "valid_instances",
    "valid_line",
    "valid_lines",
    "valid_optional_date",
    "valid_optional_grams",
    "valid_optional_line",
    "valid_optional_text",
    "valid_signatures",
    "valid_text",
    "valid_texts",
]

MAX_NAME: Final = 200
"""Longest one-line text (a name, lot number, piece of equipment), in characters."""
MAX_TEXT: Final = 10_000
"""Longest free text (a step, a description, a note), in characters."""
MAX_ITEMS: Final = 500
"""Most entries in any list of a record (steps, checks, labels, notes...)."""
MAX_GRAMS: Final = 1e7
"""Largest mass a record holds, in grams (10 tonnes)."""

_LINE_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
_TEXT_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_HASH_RE: Final = re.compile(r"[0-9a-f]{64}")


def shown(value: object) -> str:
    """``value``'s repr for a message, shortened to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _no_surrogates(value: str, field: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RecordError(f"{field}: text contains an unpaired surrogate") from None


def _printable(text: str, field: str, *, lines: bool) -> None:
    """C1 controls and bidi overrides too (:func:`compoundkit.names.check_printable`)."""
    from compoundkit.names import check_printable

    try:
        check_printable(text, field, lines=lines)
    except ValueError as exc:
        raise RecordError(str(exc)) from None


def check_name(value: object, field: str) -> str:
    """One line of text (a name, a lot, a person): stripped, 1-200 characters, no controls."""
    if not isinstance(value, str):
        raise RecordError(f"{field} must be text, got {shown(value)}")
    text = value.strip()
    if not text:
        raise RecordError(f"{field} must not be empty")
    if len(text) > MAX_NAME:
        raise RecordError(f"{field} is longer than {MAX_NAME} characters")
    if _LINE_CONTROL.search(text):
        raise RecordError(f"{field} must be one line without control characters: {shown(text)}")
    _printable(text, field, lines=False)
    _no_surrogates(text, field)
    return text


def check_text(value: object, field: str) -> str:
    """Free text (a step, a note): not blank, at most 10,000 characters, newlines allowed.

    Line endings are normalised to ``\\n``.
    """
    if not isinstance(value, str):
        raise RecordError(f"{field} must be text, got {shown(value)}")
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise RecordError(f"{field} must not be blank")
    if len(text) > MAX_TEXT:
        raise RecordError(f"{field} is longer than {MAX_TEXT} characters")
    if _TEXT_CONTROL.search(text):
        raise RecordError(f"{field} contains a control character: {shown(text)}")
    _printable(text, field, lines=True)
    _no_surrogates(text, field)
    return text


def check_date(value: object, field: str) -> _dt.date:
    """A calendar date (a datetime is refused: which day it is depends on a time zone)."""
    return calendar_date(value, field, RecordError)


_LABELS: Final = types.MappingProxyType(
    {
        "MasterFormulationRecord": "MFR",
        "CompoundingRecord": "CR",
        "CompoundingStep": "step",
        "QualityCheck": "QC check",
        "MfrBud": "MFR BUD",
        "ComponentRecord": "component",
        "QcResult": "QC result",
        "BatchSpec": "batch",
        "CrBud": "BUD",
        "Lot": "lot",
        "Signoff": "signoff",
        "LineDeviation": "deviation",
    }
)


def field_label(instance: object, attribute: attrs.Attribute[Any]) -> str:
    """How errors name a field: ``MFR author``, ``component lot``..."""
    name = type(instance).__name__
    return f"{_LABELS.get(name, name)} {attribute.name}"


def clean_line(value: object) -> Any:
    """Strip one-line text."""
    return value.strip() if isinstance(value, str) else value


def clean_text(value: object) -> Any:
    """Normalise line endings of free text to ``\\n``."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def to_tuple(value: object) -> Any:
    """A list (any iterable but text) as a tuple."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        return value
    return tuple(value)


def to_lines(value: object) -> Any:
    """A list of one-line texts as a tuple of stripped texts."""
    items = to_tuple(value)
    return tuple(clean_line(v) for v in items) if isinstance(items, tuple) else items


def to_texts(value: object) -> Any:
    """A list of free texts as a tuple of normalised texts."""
    items = to_tuple(value)
    return tuple(clean_text(v) for v in items) if isinstance(items, tuple) else items


def valid_line(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_name(value, field_label(instance, attribute))


def valid_text(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_text(value, field_label(instance, attribute))


def valid_date(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_date(value, field_label(instance, attribute))


valid_optional_line: Final = optional(valid_line)
valid_optional_text: Final = optional(valid_text)
valid_optional_date: Final = optional(valid_date)


def _items(
    instance: object, attribute: attrs.Attribute[Any], value: object
) -> tuple[str, tuple[Any, ...]]:
    where = field_label(instance, attribute)
    if not isinstance(value, tuple):
        raise RecordError(f"{where} must be a list, got {shown(value)}")
    if len(value) > MAX_ITEMS:
        raise RecordError(f"{where} has more than {MAX_ITEMS} entries")
    return where, value


def valid_lines(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    where, items = _items(instance, attribute, value)
    for index, item in enumerate(items):
        check_name(item, f"{where}[{index}]")


def valid_texts(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    where, items = _items(instance, attribute, value)
    for index, item in enumerate(items):
        check_text(item, f"{where}[{index}]")


def valid_instances(cls: type[Any]) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """A validator for a list of ``cls`` instances."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        where, items = _items(instance, attribute, value)
        for index, item in enumerate(items):
            if not isinstance(item, cls):
                raise RecordError(f"{where}[{index}] must be a {cls.__name__}, got {shown(item)}")

    return check


def valid_hash(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not _HASH_RE.fullmatch(value)):
        raise RecordError(
            f"{field_label(instance, attribute)} must be a SHA-256 in lower-case hex, "
            f"got {shown(value)}"
        )


def check_grams(value: object, field: str) -> float:
    """A mass in grams, from 0 to :data:`MAX_GRAMS` (whole numbers become floats)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(f"{field} must be a number of grams, got {value!r:.60}")
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        number = math.inf
    if not math.isfinite(number) or not 0 <= number <= MAX_GRAMS:
        raise RecordError(f"{field} must be from 0 to {MAX_GRAMS:g} g, got {value!r:.60}")
    return number


def to_float(value: object) -> Any:
    """Whole numbers as floats (everything else unchanged, for the validator to judge)."""
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:  # too large: the validator refuses it
            return value
    return value


def valid_grams(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check_grams(value, field_label(instance, attribute))


valid_optional_grams: Final = optional(valid_grams)


def to_signatures(value: object) -> Any:
    """Signatures as a tuple; None (no signature kept) stays None."""
    return None if value is None else to_tuple(value)


def valid_signatures(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """None, or a list of :class:`~compoundkit.records.signing.Signature`."""
    from compoundkit.records.signing import Signature

    if value is not None:
        valid_instances(Signature)(instance, attribute, value)
