"""MT-SICS replies: the line parser (with properties) and the driver on a scripted line.

The reply layout ``<ID> <status> <value> <unit>``, with the value right-aligned in a
padded field, follows METTLER TOLEDO's MT-SICS reference manual; the parser splits on
white space, so it does not depend on the field's width.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compoundkit.devices import (
    BalanceCommandError,
    BalanceError,
    BalanceReplyError,
    BalanceTimeoutError,
)
from compoundkit.devices.mtsics import (
    PINT_UNITS,
    MtSicsDriver,
    Reply,
    WeightLine,
    format_weight_line,
    parse_reply,
    parse_weight_line,
)

# --------------------------------------------------------------------------- parser


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("S S      12.345 g", WeightLine("S", Decimal("12.345"), "g")),
        ("S S     100.00 g", WeightLine("S", Decimal("100.00"), "g")),
        ("S D       -0.4 mg", WeightLine("D", Decimal("-0.4"), "mg")),
        ("S S 129.09 kg", WeightLine("S", Decimal("129.09"), "kg")),  # any padding
        ("T S      25.000 g", WeightLine("S", Decimal("25.000"), "g")),
    ],
)
def test_weight_lines(line: str, expected: WeightLine) -> None:
    assert parse_weight_line(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("S +", Reply("S", "+")),
        ("S -", Reply("S", "-")),
        ("S I", Reply("S", "I")),
        ("Z A", Reply("Z", "A")),
        ("ES", Reply("ES", "")),
        ("ET", Reply("ET", "")),
        ("EL", Reply("EL", "")),
        ('I4 A "B207696838"', Reply("I4", "A", ("B207696838",))),
        (
            'I2 A "WXS205SDU WXA-Bridge 220.00900 g"',
            Reply("I2", "A", ("WXS205SDU WXA-Bridge 220.00900 g",)),
        ),
        ('I1 A "0123" "2.00" "2.20"', Reply("I1", "A", ("0123", "2.00", "2.20"))),
    ],
)
def test_replies(line: str, expected: Reply) -> None:
    assert parse_reply(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "",
        "   ",
        "12.345 g",  # no ID
        "s S 1 g",  # IDs are uppercase
        "S X 1 g",  # no such status
        'I4 A "B2076',  # unbalanced quote
        "S S 1\x00 g",  # control character
        "S S 1.2 g é",  # not ASCII
        "ES extra",
    ],
)
def test_not_replies(line: str) -> None:
    with pytest.raises(BalanceReplyError):
        parse_reply(line)


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("S S 12,345 g", "not a weight value"),
        ("S S 1.2.3 g", "not a weight value"),
        ("S S 12.3", "not a weight reply"),
        ("S S 12.3 stone", "host unit"),
        ("S A 12.3 g", "not a weight reply"),
        ("S S Error 2t", "weighing error: Error 2t"),
    ],
)
def test_bad_weight_lines(line: str, error: str) -> None:
    with pytest.raises(BalanceError, match=error):
        parse_weight_line(line)


# a reading as a balance shows it: up to 6 decimals, up to about a tonne in g
values = st.builds(
    lambda digits, places: Decimal(digits).scaleb(-places),
    st.integers(min_value=-(10**10), max_value=10**12),
    st.integers(min_value=0, max_value=6),
)


@given(
    status=st.sampled_from(["S", "D"]),
    value=values,
    unit=st.sampled_from(sorted(PINT_UNITS)),
    pad=st.integers(min_value=0, max_value=4),
)
def test_any_formatted_reading_parses_back(
    status: str, value: Decimal, unit: str, pad: int
) -> None:
    line = format_weight_line(status, value, unit) + " " * pad
    parsed = parse_weight_line(line)
    assert parsed.status == status
    assert parsed.unit == unit
    assert str(parsed.value) == str(value)  # the same digits, trailing zeros kept


# --------------------------------------------------------------------------- driver


class Scripted:
    """A transport whose balance answers from a script: command -> reply lines."""

    eol = b"\r\n"

    def __init__(self, script: dict[str, list[bytes]], *, greeting: bytes = b"") -> None:
        self.script = {command: list(lines) for command, lines in script.items()}
        self.sent: list[str] = []
        self.pending = greeting

    def send(self, data: bytes) -> None:
        command = data.decode().strip()
        self.sent.append(command)
        replies = self.script.get(command, [b"ES\r\n"])
        self.pending += replies.pop(0) if len(replies) > 1 else replies[0]

    def receive_line(self, timeout: float) -> bytes:
        cut = self.pending.find(b"\r\n")
        if cut < 0:
            time.sleep(timeout)
            partial, self.pending = self.pending, b""
            return partial
        line, self.pending = self.pending[: cut + 2], self.pending[cut + 2 :]
        return line

    def discard_input(self) -> None:
        self.pending = b""

    def close(self) -> None:
        pass


def driver(script: dict[str, list[bytes]], **kw: bytes) -> tuple[MtSicsDriver, Scripted]:
    line = Scripted(script, **kw)
    return MtSicsDriver(line, where="test://"), line


def test_unsolicited_lines_are_skipped() -> None:
    # some balances send 'I4 A' at power-on; a reply with another ID is not ours
    balance, _ = driver({"S": [b"S S 1.000 g\r\n"]}, greeting=b'I4 A "X1"\r\n')
    assert balance.weigh(1).value == Decimal("1.000")


def test_transmission_error_is_resent_once() -> None:
    balance, line = driver({"S": [b"ET\r\n", b"S S 2.000 g\r\n"]})
    assert balance.weigh(1).value == Decimal("2.000")
    assert line.sent == ["S", "S"]


def test_transmission_error_twice_is_an_error() -> None:
    balance, line = driver({"S": [b"ET\r\n"]})
    with pytest.raises(BalanceCommandError, match="ET, transmission error") as caught:
        balance.weigh(1)
    assert caught.value.code == "ET"
    assert line.sent == ["S", "S"]


def test_logical_error_status() -> None:
    balance, _ = driver({"Z": [b"Z L\r\n"]})
    with pytest.raises(BalanceCommandError, match="logical error") as caught:
        balance.zero(1)
    assert caught.value.code == "L"


def test_weigh_module_error_value() -> None:
    balance, _ = driver({"S": [b"S S Error 2t\r\n"]})
    with pytest.raises(BalanceError, match="weighing error: Error 2t"):
        balance.weigh(1)


def test_line_without_end_of_line_is_garbage_within_the_timeout() -> None:
    balance, _ = driver({"SI": [b"\x00\x13 S S 1"]})
    start = time.monotonic()
    with pytest.raises(BalanceReplyError, match="no end of line"):
        balance.read(0.3)
    assert time.monotonic() - start < 0.6


def test_unexpected_reply_to_identify() -> None:
    balance, _ = driver({"I2": [b"I2 B\r\n"]})
    with pytest.raises(BalanceReplyError, match="unexpected reply to I2"):
        balance.identify(1)


def test_balance_data_read_from_the_right() -> None:
    balance, _ = driver(
        {"I2": [b'I2 A "WXS205SDU WXA-Bridge 220.00900 g"\r\n'], "I4": [b'I4 A "B207696838"\r\n']}
    )
    info = balance.identify(1)
    assert (info.model, info.capacity, info.unit) == ("WXS205SDU WXA-Bridge", "220.00900", "g")
    assert info.id == "WXS205SDU WXA-Bridge SN B207696838"


def test_after_a_timeout_at_sign_resynchronises() -> None:
    # 'S' gets no reply in time; the next command first sends '@', drops the late
    # 'S S 9.000 g' and everything up to the 'I4 A' that answers '@'
    balance, line = driver(
        {"SI": [b""], "@": [b'S S 9.000 g\r\nI4 A "X1"\r\n'], "S": [b"S S 1.000 g\r\n"]}
    )
    with pytest.raises(BalanceTimeoutError):
        balance.read(0.2)
    assert balance.weigh(1).value == Decimal("1.000")
    assert line.sent == ["SI", "@", "S"]
