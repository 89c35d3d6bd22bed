"""GS1 labels as a keyboard-wedge scanner types them, built by hand in each test.

Rules used to build the strings (GS1 General Specifications):
- element strings are an Application Identifier then its data (section 3); AI 01 GTIN
  N14, AI 10 lot X..20, AI 17 expiry N6 (YYMMDD), AI 21 serial X..20;
- a variable-length field (10, 21) is ended by FNC1 unless it is last; a scanner
  types FNC1 as the group separator GS, ASCII 29 (section 7.8.6 and the GS1
  DataMatrix Guideline);
- the check digit (section 7.9): from the rightmost data digit, weights 3, 1, 3, ...;
  the check digit takes the sum up to the next multiple of ten;
- expiry YYMMDD: day 00 means the last day of the month; a two-digit year lies
  between 49 years back and 50 years ahead (section 7.12);
- the X character set of AIs 10 and 21 is the 82 characters of figure 7.11-1;
- AIM symbology identifiers (ISO/IEC 15424, GS1 figure 5.1.2-2): ]d2 GS1 DataMatrix,
  ]C1 GS1-128, ]Q3 GS1 QR Code, ]E0 EAN-13.
"""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compoundkit.devices import Label, LabelError, parse_label

pytest.importorskip("biip")

GS = "\x1d"
# GS1 General Specifications figure 7.11-1 (GS1 AI encodable character set 82)
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def check_digit(digits: str) -> str:
    """The GS1 check digit of ``digits`` (section 7.9), computed here independently."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def gtin14(body13: str) -> str:
    return body13 + check_digit(body13)


def test_check_digit_of_the_gs1_example() -> None:
    # GS1's published example: 0950110153000 -> 3 (GTIN-13 9501101530003)
    assert check_digit("0950110153000") == "3"
    assert check_digit("629104150021") == "3"  # a GTIN-13 of the GS1 check digit calculator


GTIN = gtin14("0950110153000")  # 09501101530003


def test_fnc1_as_group_separator() -> None:
    label = parse_label(f"01{GTIN}1727033110LOT-42{GS}21SN0001")
    assert label == Label(GTIN, "LOT-42", dt.date(2027, 3, 31), "SN0001")


def test_aim_prefix_and_lot_last() -> None:
    label = parse_label(f"]d201{GTIN}1726111510AB/12")
    assert (label.symbology, label.lot, label.expiry) == ("]d2", "AB/12", dt.date(2026, 11, 15))
    assert parse_label(f"]C101{GTIN}10X1").symbology == "]C1"
    assert parse_label(f"]Q301{GTIN}10X1").lot == "X1"


def test_leading_fnc1_and_enter_key_are_ignored() -> None:
    label = parse_label(f"{GS}01{GTIN}1726120010K7\r\n")
    assert (label.lot, label.expiry) == ("K7", dt.date(2026, 12, 31))


@pytest.mark.parametrize(
    ("yymmdd", "expected"),
    [
        ("260200", dt.date(2026, 2, 28)),  # day 00: last day of the month
        ("280200", dt.date(2028, 2, 29)),  # ... leap years included
        ("261100", dt.date(2026, 11, 30)),
        ("261231", dt.date(2026, 12, 31)),
    ],
)
def test_expiry_day_00_is_the_last_day_of_the_month(yymmdd: str, expected: dt.date) -> None:
    assert parse_label(f"01{GTIN}17{yymmdd}10L1").expiry == expected


def test_bracketed_human_readable_form() -> None:
    label = parse_label(f"(01){GTIN}(17)270331(10)LOT-42(21)SN1")
    assert label == Label(GTIN, "LOT-42", dt.date(2027, 3, 31), "SN1")
    assert parse_label(label.hri) == label


def test_plain_gtin_scan_has_no_lot_or_expiry() -> None:
    ean13 = "950110153000" + check_digit("950110153000")
    label = parse_label(f"]E0{ean13}")
    assert label == Label("0" + ean13, symbology="]E0")


def test_scanner_set_to_send_another_separator() -> None:
    label = parse_label(f"01{GTIN}10AB1|17270101", separators=["|"])
    assert (label.lot, label.expiry) == ("AB1", dt.date(2027, 1, 1))


def test_bad_check_digit() -> None:
    wrong = GTIN[:-1] + str((int(GTIN[-1]) + 1) % 10)
    with pytest.raises(LabelError, match=f"GTIN {wrong} has a wrong check digit"):
        parse_label(f"01{wrong}1727010110L1")


def test_lost_group_separator_is_refused() -> None:
    # without GS after the lot, '17270101' and the serial become part of the lot
    with pytest.raises(LabelError, match="group separator after it was lost"):
        parse_label(f"01{GTIN}10AB-1231727010121XYZ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the scan is empty"),
        ("   \r\n", "the scan is empty"),
        ("hello", "not a GS1 label 'hello'"),
        (f"01{GTIN[:-1]}", "not a GS1 label"),  # 13 digits for AI 01
        (f"01{GTIN}17271301", "not a GS1 label"),  # month 13
        (f"01{GTIN}17270230", "not a GS1 label"),  # 30 February
        (f"01{GTIN}10{'L' * 21}", "not a GS1 label"),  # lot over 20 characters
        (f"10LOT1{GS}17270101", "has no GTIN (AI 01)"),
        ("(01)123(10)x", "not a GS1 label"),
        ("(99X)1", "not a GS1 label"),
        (f"01{GTIN}" + "9" * 600, "too long"),
    ],
)
def test_malformed_labels(text: str, message: str) -> None:
    with pytest.raises(LabelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_label(text)


def test_expired() -> None:
    label = parse_label(f"01{GTIN}1726050010L1")
    assert label.expiry == dt.date(2026, 5, 31)
    assert not label.expired(on=dt.date(2026, 5, 31))
    assert label.expired(on=dt.date(2026, 6, 1))


# --------------------------------------------------------------------------- properties

TODAY = dt.date.today()


@st.composite
def labels(draw: st.DrawFn, *, hri: bool = False) -> tuple[str, str, dt.date, bool, str]:
    body = draw(st.text("0123456789", min_size=13, max_size=13))
    lot_chars = CSET82.replace("(", "").replace(")", "") if hri else CSET82
    lot = draw(st.text(lot_chars, min_size=1, max_size=20))
    # within the two-digit-year window of section 7.12, kept off its edges
    year = draw(st.integers(min_value=TODAY.year - 40, max_value=TODAY.year + 40))
    month = draw(st.integers(min_value=1, max_value=12))
    last = calendar.monthrange(year, month)[1]
    day = draw(st.integers(min_value=0, max_value=last))  # 0: "day not specified"
    expiry = dt.date(year, month, day or last)
    yymmdd = f"{year % 100:02d}{month:02d}{day:02d}"
    lot_first = draw(st.booleans())
    return gtin14(body), lot, expiry, lot_first, yymmdd


@given(labels())
def test_any_valid_gtin_lot_expiry_round_trips(case: tuple[str, str, dt.date, bool, str]) -> None:
    gtin, lot, expiry, lot_first, yymmdd = case
    # a lot in the middle is ended by GS; a lot at the end needs none
    text = f"01{gtin}10{lot}{GS}17{yymmdd}" if lot_first else f"01{gtin}17{yymmdd}10{lot}"
    label = parse_label(text)
    assert (label.gtin, label.lot, label.expiry) == (gtin, lot, expiry)


@given(labels(hri=True))
def test_any_valid_label_round_trips_in_bracketed_form(
    case: tuple[str, str, dt.date, bool, str],
) -> None:
    gtin, lot, expiry, _, yymmdd = case
    label = parse_label(f"(01){gtin}(17){yymmdd}(10){lot}")
    assert (label.gtin, label.lot, label.expiry) == (gtin, lot, expiry)
