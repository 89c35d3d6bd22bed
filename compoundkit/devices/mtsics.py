"""MT-SICS (METTLER TOLEDO Standard Interface Command Set), levels 0 and 1.

Written from METTLER TOLEDO's public *MT-SICS Interface Commands* reference manual. A
command is uppercase ASCII ended by CR LF; the balance answers with one line
``<ID> <status> [data...]`` ended by CR LF, where the ID echoes the command (``SI``
answers as ``S``, ``@`` as ``I4``). The protocol is half-duplex: one command, then
its reply. The commands used here:

- ``S``: stable weight, sent once the balance is stable: ``S S <value> <unit>``, or
  ``S I`` (busy, or not stable before the balance's own time limit), ``S +``
  (overload), ``S -`` (underload);
- ``SI``: the weight now, stable (``S S ...``) or dynamic (``S D ...``);
- ``T``: tare once stable: ``T S <tare> <unit>``; ``Z``: zero once stable: ``Z A``;
  both answer ``I``, ``+`` or ``-`` as ``S`` does (the manual's general statuses;
  confirm on your model);
- ``I2``: type, capacity and unit in one quoted text, ``I2 A "<type> <cap> <unit>"``
  (the type may hold spaces, so it is read from the right); ``I4``: serial number,
  ``I4 A "<number>"``;
- ``@``: cancel anything pending; answers ``I4 A "<number>"``.

Other statuses: ``A`` done, ``L`` logical error (a parameter not allowed), ``B`` more
lines follow. Replies without a status: ``ES`` syntax error (command not known),
``ET`` transmission error (parity, break), ``EL`` logical error (cannot execute).

The weight value is right-aligned in a padded field, so a line is split on white
space, never on columns:

>>> parse_weight_line("S S      12.345 g")
WeightLine(status='S', value=Decimal('12.345'), unit='g')
>>> parse_weight_line("S D     -0.002 mg")
WeightLine(status='D', value=Decimal('-0.002'), unit='mg')
>>> format_weight_line("S", Decimal("12.345"), "g")
'S S      12.345 g'
>>> parse_reply('I4 A "B207696838"')
Reply(id='I4', status='A', fields=('B207696838',))
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Final

import attrs

from compoundkit.devices.errors import (
    BalanceCommandError,
    BalanceError,
    BalanceReplyError,
    BalanceTimeoutError,
    OverloadError,
    UnderloadError,
    UnstableReadingError,
)

if TYPE_CHECKING:
    from compoundkit.devices.balance import BalanceInfo, Reading
    from compoundkit.devices.transport import Transport

__all__ = [
    "PINT_UNITS",
    "MtSicsDriver",
    "Reply",
    "WeightLine",
    "format_weight_line",
    "parse_reply",
    "parse_weight_line",
]

#: MT-SICS unit symbols -> pint unit names. Set the balance's host unit to one of these.
PINT_UNITS: Final = {
    "g": "gram",
    "mg": "milligram",
    "kg": "kilogram",
    "ug": "microgram",
    "ct": "carat",
    "lb": "pound",
    "oz": "ounce",
    "ozt": "troy_ounce",
    "dwt": "pennyweight",
    "GN": "grain",
}

#: Width of the right-aligned weight field in the replies this module writes.
VALUE_WIDTH: Final = 10

#: What each reply without a status means, and what to do about it.
_ERROR_REPLIES: Final = {
    "ES": "syntax error: the balance does not know the command (check the MT-SICS level it "
    "implements)",
    "ET": "transmission error: the balance received garbled data (check baud rate, parity, "
    "data bits and the cable)",
    "EL": "logical error: the balance cannot execute the command now",
}

_TOKEN = re.compile(r'"[^"]*"|[^\s"]+')
_LINE = re.compile(r'(?:"[^"]*"|[^\s"]+)(?: +(?:"[^"]*"|[^\s"]+))*')
_ID = re.compile(r"[A-Z][A-Z0-9]{0,7}|@")
_STATUSES: Final = frozenset("ABSDIL+-")
_NUMBER = re.compile(r"-?\d+(\.\d+)?|-?\.\d+")


@attrs.frozen
class Reply:
    """One reply line: ``id`` (the command it answers), ``status`` and data ``fields``.

    ``status`` is ``""`` for the error replies ``ES``, ``ET``, ``EL``; quoted fields
    are given without their quotes.
    """

    id: str
    status: str
    fields: tuple[str, ...] = ()


@attrs.frozen
class WeightLine:
    """A weight reply: ``status`` ``S`` (stable) or ``D`` (dynamic), value and unit symbol."""

    status: str
    value: Decimal
    unit: str


def _shown(line: str) -> str:
    return repr(line if len(line) <= 60 else line[:57] + "...")


def parse_reply(line: str) -> Reply:
    """One MT-SICS reply line (without its CR LF), or :class:`BalanceReplyError`.

    >>> parse_reply("ES")
    Reply(id='ES', status='', fields=())
    >>> parse_reply("S +")
    Reply(id='S', status='+', fields=())
    >>> parse_reply("12,3 g ??")
    Traceback (most recent call last):
    ...
    compoundkit.devices.errors.BalanceReplyError: not an MT-SICS reply: '12,3 g ??'
    """
    text = line.rstrip("\r\n")
    if not text.isascii() or not text.isprintable():
        raise BalanceReplyError(f"not an MT-SICS reply (unexpected characters): {_shown(text)}")
    if not _LINE.fullmatch(text.strip(" ")):
        raise BalanceReplyError(f"not an MT-SICS reply: {_shown(text)}")
    tokens = _TOKEN.findall(text)
    if not _ID.fullmatch(tokens[0]):
        raise BalanceReplyError(f"not an MT-SICS reply: {_shown(text)}")
    if tokens[0] in _ERROR_REPLIES:
        if len(tokens) > 1:
            raise BalanceReplyError(f"not an MT-SICS reply: {_shown(text)}")
        return Reply(tokens[0], "")
    if len(tokens) < 2 or tokens[1] not in _STATUSES:
        raise BalanceReplyError(f"not an MT-SICS reply: {_shown(text)}")
    fields = tuple(t[1:-1] if t.startswith('"') else t for t in tokens[2:])
    return Reply(tokens[0], tokens[1], fields)


def parse_weight_line(line: str) -> WeightLine:
    """A weight reply (``S S``/``S D``/``T S`` ...), value and unit checked.

    >>> parse_weight_line("S S     100.00 g").value
    Decimal('100.00')
    >>> parse_weight_line("S S  12.3 furlong")
    Traceback (most recent call last):
    ...
    compoundkit.devices.errors.BalanceReplyError: the balance reports its weight in 'furlong'; ...
    """
    reply = parse_reply(line)
    return _weight(reply, line)


def _weight(reply: Reply, line: str) -> WeightLine:
    if reply.fields and reply.fields[0] == "Error":  # a weigh module's hardware fault
        raise BalanceError(
            f"the balance reports a weighing error: {' '.join(reply.fields)} "
            "(see the error codes in its manual)"
        )
    if reply.status not in ("S", "D") or len(reply.fields) != 2:
        raise BalanceReplyError(f"not a weight reply: {_shown(line.rstrip())}")
    value, unit = reply.fields
    if not _NUMBER.fullmatch(value):
        raise BalanceReplyError(f"not a weight value: {value!r} in {_shown(line.rstrip())}")
    if unit not in PINT_UNITS:
        raise BalanceReplyError(
            f"the balance reports its weight in {unit!r}; set its host unit to one of "
            f"{', '.join(PINT_UNITS)} (reply {_shown(line.rstrip())})"
        )
    try:
        number = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise BalanceReplyError(f"not a weight value: {value!r}") from None
    return WeightLine(reply.status, number, unit)


def format_weight_line(status: str, value: Decimal, unit: str, *, command: str = "S") -> str:
    """A weight reply as a balance writes it (value right-aligned in its field), no CR LF.

    >>> format_weight_line("D", Decimal("-1.5"), "mg")
    'S D       -1.5 mg'
    """
    return f"{command} {status} {value:>{VALUE_WIDTH}} {unit}"


# --------------------------------------------------------------------------- driver


def _now() -> datetime:
    return datetime.now(UTC)


class MtSicsDriver:
    """The MT-SICS level 0/1 driver, over any :class:`~compoundkit.devices.transport.Transport`.

    Every method takes a ``timeout`` in seconds and raises a
    :class:`~compoundkit.devices.BalanceError` when it runs out; nothing waits longer.
    When a command goes unanswered, the next one first cancels it with ``@`` and
    discards what is left on the line, so a late reply is never taken for a new one.
    """

    protocol: Final = "MT-SICS"

    def __init__(self, transport: Transport, *, where: str) -> None:
        self._transport = transport
        self._where = where
        self._lock = threading.Lock()
        self._stale = False  # a command may still be pending on the balance
        self._sleep: Callable[[float], None] = time.sleep

    # ------------------------------------------------------------- public commands

    def weigh(self, timeout: float) -> Reading:
        """A stable reading (``S``, repeated while the balance answers ``S I``)."""
        line = self._until_stable("S", timeout, what="stable reading")
        return self._reading(line, "S")

    def read(self, timeout: float) -> Reading:
        """The reading now, stable or not (``SI``)."""
        deadline = time.monotonic() + timeout
        reply, line = self._exchange("SI", ("S",), deadline)
        self._check_range(reply, "SI")
        if reply.status == "I":
            raise UnstableReadingError(
                f"{self._where}: the balance is busy and gives no reading now (SI: 'S I')"
            )
        return self._reading(line, "S")

    def tare(self, timeout: float) -> Reading:
        """Tare once stable (``T``); the tare weight."""
        line = self._until_stable("T", timeout, what="stable load to tare")
        return self._reading(line, "T")

    def zero(self, timeout: float) -> None:
        """Zero once stable (``Z``)."""
        self._until_stable("Z", timeout, what="stable load to zero")

    def identify(self, timeout: float) -> BalanceInfo:
        """Type, capacity (``I2``) and serial number (``I4``)."""
        from compoundkit.devices.balance import BalanceInfo

        deadline = time.monotonic() + timeout
        data = self._ask("I2", deadline)
        serial = self._ask("I4", deadline)
        model, capacity, unit = _split_balance_data(data)
        return BalanceInfo(
            model=model,
            serial_number=serial,
            capacity=capacity,
            unit=unit,
            protocol=self.protocol,
        )

    def close(self) -> None:
        """Close the connection."""
        self._transport.close()

    # ------------------------------------------------------------- the exchange

    def _ask(self, command: str, deadline: float) -> str:
        reply, line = self._exchange(command, (command,), deadline)
        if reply.status != "A" or len(reply.fields) != 1:
            raise BalanceReplyError(f"{self._where}: unexpected reply to {command}: {line!r}")
        return reply.fields[0].strip()

    def _until_stable(self, command: str, timeout: float, *, what: str) -> str:
        """Send ``command`` until it succeeds; busy (``I``) is retried until the deadline."""
        start = time.monotonic()
        deadline = start + timeout
        # keep time to cancel a command the balance is still working on (``@``)
        grace = min(1.0, timeout * 0.25)
        busy = False
        while True:
            try:
                reply, line = self._exchange(command, (command,), deadline - grace)
            except BalanceTimeoutError:
                if self._cancel(deadline):  # alive: it was waiting for stability
                    raise UnstableReadingError(
                        f"{self._where}: no {what} within {timeout:g} s (the balance was still "
                        "waiting for stability; check for draughts, vibration or a moving load)"
                    ) from None
                raise BalanceTimeoutError(
                    f"{self._where}: no reply to {command} within {timeout:g} s (check the "
                    "cable or network, the serial settings and that the balance is on)"
                ) from None
            self._check_range(reply, command)
            if reply.status == "I":
                busy = True
                if time.monotonic() + 0.1 >= deadline - grace:
                    raise UnstableReadingError(
                        f"{self._where}: no {what} within {timeout:g} s (the balance answered "
                        f"'{command} I': busy, or not stable; check for draughts and vibration)"
                    )
                self._sleep(0.1)
                continue
            if reply.status in ("S", "A"):
                return line
            raise BalanceReplyError(
                f"{self._where}: unexpected reply to {command}: {line!r}"
                + (" (after 'I')" if busy else "")
            )

    def _check_range(self, reply: Reply, command: str) -> None:
        if reply.status == "+":
            raise OverloadError(
                f"{self._where}: overload ({command}: '{reply.id} +'): the load is above "
                "the balance's capacity; take weight off the pan"
            )
        if reply.status == "-":
            raise UnderloadError(
                f"{self._where}: underload ({command}: '{reply.id} -'): the load is below "
                "the balance's range; is the pan in place?"
            )

    def _exchange(self, command: str, ids: tuple[str, ...], deadline: float) -> tuple[Reply, str]:
        """Send ``command``; its reply (lines with other IDs, left over, are skipped)."""
        with self._lock:
            if self._stale:
                self._resync(deadline)
            resent = False
            self._send(command)
            while True:
                line = self._line(command, deadline)
                try:
                    reply = parse_reply(line)
                except BalanceReplyError as exc:
                    self._stale = True
                    raise BalanceReplyError(
                        f"{self._where}: garbage on the line in reply to {command} ({exc}); "
                        "check the baud rate, parity and data bits on both sides"
                    ) from None
                if reply.id == "ET" and not resent:  # garbled on the way: resend once
                    resent = True
                    self._send(command)
                    continue
                if reply.id in _ERROR_REPLIES:
                    raise BalanceCommandError(
                        f"{self._where}: {command}: {reply.id}, {_ERROR_REPLIES[reply.id]}",
                        reply.id,
                    )
                if reply.status == "L":
                    raise BalanceCommandError(
                        f"{self._where}: {command}: '{reply.id} L', logical error "
                        "(a parameter or unit the balance does not allow)",
                        "L",
                    )
                if reply.id in ids:
                    return reply, line
                # a reply to something else: left from a cancelled command, or sent
                # unprompted (some balances send 'I4 A' at power-on); skip it

    def _send(self, command: str) -> None:
        self._transport.send(command.encode("ascii") + b"\r\n")

    def _line(self, command: str, deadline: float) -> str:
        remaining = deadline - time.monotonic()
        raw = self._transport.receive_line(max(remaining, 0.0)) if remaining > 0 else b""
        if not raw.endswith(self._transport.eol):
            self._stale = True
            if raw:
                raise BalanceReplyError(
                    f"{self._where}: garbage on the line in reply to {command}: {raw[:60]!r} "
                    "has no end of line (check the baud rate and the balance's end-of-line "
                    "setting)"
                )
            raise BalanceTimeoutError(
                f"{self._where}: no reply to {command} in time (check the cable or network, "
                "the serial settings and that the balance is on)"
            )
        try:
            return raw[: -len(self._transport.eol)].decode("ascii")
        except UnicodeDecodeError:
            self._stale = True
            raise BalanceReplyError(
                f"{self._where}: garbage on the line in reply to {command}: {raw[:60]!r} "
                "(check the baud rate, parity and data bits on both sides)"
            ) from None

    def _cancel(self, deadline: float) -> bool:
        """Send ``@`` and wait for its ``I4 A``; True when the balance answered."""
        with self._lock:
            try:
                self._resync(deadline)
            except BalanceError:
                return False
        return True

    def _resync(self, deadline: float) -> None:
        """Cancel anything pending (``@``) and drop every line up to its ``I4`` reply."""
        self._transport.discard_input()
        self._send("@")
        while True:
            line = self._line("@", deadline)
            if line.startswith("I4 A"):
                self._stale = False
                return

    def _reading(self, line: str, command: str) -> Reading:
        from compoundkit.devices.balance import Reading

        reply = parse_reply(line)
        weight = _weight(reply, line)
        return Reading(value=weight.value, unit=weight.unit, stable=weight.status == "S", at=_now())


def _split_balance_data(text: str) -> tuple[str, str | None, str | None]:
    """``"WXS205SDU WXA-Bridge 220.00900 g"`` -> type, capacity, unit (read from the right).

    >>> _split_balance_data("WXS205SDU WXA-Bridge 220.00900 g")
    ('WXS205SDU WXA-Bridge', '220.00900', 'g')
    >>> _split_balance_data("XS205")
    ('XS205', None, None)
    """
    parts = text.rsplit(maxsplit=2)
    if len(parts) == 3 and _NUMBER.fullmatch(parts[1]) and parts[2] in PINT_UNITS:
        return parts[0], parts[1], parts[2]
    return text, None, None
