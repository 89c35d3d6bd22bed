"""GS1 labels on containers, as a barcode scanner types them: GTIN, lot, expiry, serial.

A GS1 DataMatrix or GS1-128 on a container holds *element strings*: an Application
Identifier (AI) followed by its data (GS1 General Specifications, section 3). The
ones used here:

=====  ==========================  ==========  ==========================================
AI     content                     format      note
=====  ==========================  ==========  ==========================================
01     GTIN                        N2+N14      check digit as in section 7.9
10     batch or lot                N2+X..20    variable length: FNC1 after it unless last
17     expiration date             N2+N6       YYMMDD; day 00 is the last day of the month
21     serial number               N2+X..20    variable length, like 10
=====  ==========================  ==========  ==========================================

A scanner in keyboard-wedge mode types FNC1 as the ASCII group separator (GS, 29,
``"\\x1d"``), and may put an AIM symbology identifier such as ``]d2`` (GS1 DataMatrix)
or ``]C1`` (GS1-128) in front. The text printed under the code (the HRI) puts each AI
in parentheses: ``(01)09501101530003(17)261200(10)AB-123``. Both are read here with
biip (a maintained GS1 parser): ``pip install 'compoundkit[station]'``.

>>> label = parse_label("]d2010950110153000317261200" "10AB-123\\x1d" "21XYZ987")
>>> label.gtin, label.lot, label.expiry, label.serial
('09501101530003', 'AB-123', datetime.date(2026, 12, 31), 'XYZ987')
>>> parse_label("(01)09501101530003(17)270315(10)K2291").expiry
datetime.date(2027, 3, 15)
>>> parse_label("0109501101530004")
Traceback (most recent call last):
...
compoundkit.devices.errors.LabelError: GTIN 09501101530004 has a wrong check digit ...
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs

from compoundkit.devices._extras import require
from compoundkit.devices.errors import LabelError

if TYPE_CHECKING:
    from biip.gs1_element_strings import GS1ElementString
    from biip.gs1_messages import GS1Message

__all__ = ["GROUP_SEPARATOR", "Label", "parse_label"]

#: The group separator (ASCII 29) a scanner types for FNC1.
GROUP_SEPARATOR = "\x1d"

_MAX_TEXT = 512
# an expiry element string (17YYMMDD) inside a lot or serial: a separator was lost
_SWALLOWED_EXPIRY = re.compile(r"17(\d\d)(0[1-9]|1[0-2])(0\d|[12]\d|3[01])")


@attrs.frozen
class Label:
    """What a container's GS1 code says: ``gtin`` (14 digits) and, when present,
    ``lot`` (AI 10), ``expiry`` (AI 17) and ``serial`` (AI 21).

    >>> label = Label("09501101530003", "AB-123", dt.date(2026, 12, 31))
    >>> label.hri
    '(01)09501101530003(17)261231(10)AB-123'
    >>> label.expired(on=dt.date(2027, 1, 1)), label.expired(on=dt.date(2026, 12, 31))
    (True, False)
    """

    gtin: str
    lot: str | None = None
    expiry: dt.date | None = None
    serial: str | None = None
    symbology: str | None = None

    def expired(self, on: dt.date) -> bool:
        """True when the expiry date is before ``on`` (the label's date is still usable)."""
        return self.expiry is not None and self.expiry < on

    @property
    def hri(self) -> str:
        """The label in the bracketed human-readable form (expiry as a full date)."""
        out = f"(01){self.gtin}"
        if self.expiry is not None:
            out += f"(17){self.expiry:%y%m%d}"
        if self.lot is not None:
            out += f"(10){self.lot}"
        if self.serial is not None:
            out += f"(21){self.serial}"
        return out


def _shown(text: str) -> str:
    visible = text.replace(GROUP_SEPARATOR, "<GS>")
    return repr(visible if len(visible) <= 80 else visible[:77] + "...")


def parse_label(text: str, *, separators: Iterable[str] = (GROUP_SEPARATOR,)) -> Label:
    """The :class:`Label` in a scanned GS1 element string, or :class:`LabelError`.

    ``text`` is what the scanner typed: FNC1 as the group separator (or, when the
    scanner is set to send another character for it, that character, given in
    ``separators``), an optional AIM symbology identifier such as ``]d2``, or the
    bracketed form ``(01)...(17)...(10)...``. A GTIN (AI 01) with a valid check digit
    is required. A label without AI 17 whose lot holds ``17`` and a date is refused:
    the separator after the lot was lost, so the lot swallowed the expiry.
    """
    biip = require("biip", "reading a GS1 label")
    if len(text) > _MAX_TEXT:
        raise LabelError(f"a label of {len(text)} characters is too long for a GS1 code")
    separators = tuple(separators)
    if any(len(s) != 1 for s in separators):
        raise LabelError(f"each separator must be one character, not {separators!r}")
    stripped = text.strip()
    if not stripped:
        raise LabelError("the scan is empty")
    config = biip.ParseConfig(separator_chars=separators)
    symbology: str | None = None
    if stripped.startswith("("):
        from biip.gs1_messages import GS1Message

        try:
            message = GS1Message.parse_hri(stripped, config=config)
        except biip.ParseError as exc:
            raise LabelError(f"not a GS1 label {_shown(text)}: {exc}") from None
    else:
        result = biip.parse(stripped, config=config)
        if result.symbology_identifier is not None:
            symbology = str(result.symbology_identifier.value)
        if result.gs1_message is None:
            if result.gtin is not None:  # a plain GTIN (EAN-13, ITF-14...): no lot, no expiry
                return Label(gtin=result.gtin.as_gtin_14(), symbology=symbology)
            reason = result.gs1_message_error or result.gtin_error or "not a GS1 code"
            raise LabelError(f"not a GS1 label {_shown(text)}: {reason}")
        message = result.gs1_message
    return _label(message, text, symbology)


def _label(message: GS1Message, text: str, symbology: str | None) -> Label:
    strings = message.element_strings
    gtin = strings.get(ai="01")
    if gtin is None:
        raise LabelError(f"the label {_shown(text)} has no GTIN (AI 01)")
    if gtin.gtin is None:
        raise LabelError(
            f"GTIN {gtin.value} has a wrong check digit ({gtin.gtin_error}): rescan, or type "
            "the code under the barcode"
        )
    lot = _value(strings.get(ai="10"))
    serial = _value(strings.get(ai="21"))
    expiry_string = strings.get(ai="17")
    expiry = expiry_string.date if expiry_string is not None else None
    if expiry_string is not None and expiry is None:  # pragma: no cover - biip raises first
        raise LabelError(f"the expiry {expiry_string.value!r} is not a date")
    if expiry is None:
        for name, value in (("lot", lot), ("serial number", serial)):
            if value is not None and _SWALLOWED_EXPIRY.search(value):
                raise LabelError(
                    f"the {name} {value!r} seems to hold an expiry date (17YYMMDD): the "
                    "group separator after it was lost between scanner and computer; set the "
                    "scanner to send GS (ASCII 29) for FNC1, or another character given as "
                    "separators"
                )
    return Label(
        gtin=gtin.gtin.as_gtin_14(), lot=lot, expiry=expiry, serial=serial, symbology=symbology
    )


def _value(element: GS1ElementString | None) -> str | None:
    return None if element is None else str(element.value)
