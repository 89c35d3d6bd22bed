"""Balances: :func:`open_balance` from a URL, and the :class:`Balance` it returns.

Three kinds of URL:

- ``serial:///dev/ttyUSB0?baudrate=9600&parity=N&bytesize=8&stopbits=1&timeout=2``
  (``serial://COM3?...`` on Windows): a balance on a serial port, through pyserial.
  Options: ``baudrate`` (9600), ``bytesize`` 7 or 8 (8), ``parity`` N, E, O, M or S
  (N), ``stopbits`` 1, 1.5 or 2 (1), ``xonxoff`` and ``rtscts`` 0 or 1 (0);
- ``tcp://host:port``: a balance with an Ethernet interface, or a serial-to-Ethernet
  server, as a raw TCP byte stream (pyserial's ``socket://``);
- ``sim://``: the built-in simulator (:mod:`compoundkit.devices.simulator`), its
  settings as options: ``sim://?load=12.345&settle=0.5&drift=0.001&unit=g``.

Every kind also takes ``timeout`` (seconds each call may take, 5 by default),
``eol`` (``crlf``, ``cr`` or ``lf``: the end of line the balance sends, CR LF by
default) and ``protocol`` (``mt-sics``, the only one so far). A driver for another
protocol (Sartorius SBI, OHAUS) implements :class:`BalanceDriver`.

>>> with open_balance("sim://?load=12.345") as balance:
...     balance.weigh()
<Quantity(12.345, 'gram')>
>>> open_balance("http://balance.local")
Traceback (most recent call last):
...
compoundkit.devices.errors.BalanceURLError: balance URL 'http://balance.local': unknown scheme
'http'; allowed: serial:///dev/ttyUSB0?baudrate=9600 (or serial://COM3), tcp://HOST:PORT, sim://
"""

from __future__ import annotations

import math
import threading
import urllib.parse
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Protocol

import attrs

from compoundkit.devices._extras import require
from compoundkit.devices.errors import BalanceConnectionError, BalanceURLError
from compoundkit.devices.mtsics import PINT_UNITS, MtSicsDriver

if TYPE_CHECKING:
    import pint

    from compoundkit.devices.simulator import SimulatedBalance
    from compoundkit.devices.transport import Transport

__all__ = [
    "DEFAULT_TIMEOUT",
    "Balance",
    "BalanceDriver",
    "BalanceInfo",
    "Reading",
    "open_balance",
]

#: Seconds a balance call may take unless the URL or the call says otherwise.
DEFAULT_TIMEOUT: Final = 5.0

_SCHEMES: Final = "serial:///dev/ttyUSB0?baudrate=9600 (or serial://COM3), tcp://HOST:PORT, sim://"
_EOLS: Final = {"crlf": b"\r\n", "cr": b"\r", "lf": b"\n"}
_PROTOCOLS: Final = ("mt-sics",)
_COMMON: Final = ("timeout", "eol", "protocol")
_SERIAL: Final = ("baudrate", "bytesize", "parity", "stopbits", "xonxoff", "rtscts")


@attrs.frozen
class Reading:
    """One reading: ``value`` in the balance's ``unit`` symbol, ``stable`` or not, and when.

    >>> from datetime import UTC, datetime
    >>> reading = Reading(Decimal("12.345"), "g", True, datetime(2026, 5, 4, tzinfo=UTC))
    >>> str(reading), reading.quantity
    ('12.345 g', <Quantity(12.345, 'gram')>)
    """

    value: Decimal
    unit: str
    stable: bool
    at: datetime

    @property
    def quantity(self) -> pint.Quantity[Any]:
        """The reading as a Quantity in the balance's unit."""
        from compoundkit.units import quantity

        return quantity(float(self.value), PINT_UNITS[self.unit])

    def __str__(self) -> str:
        return f"{self.value} {self.unit}"


@attrs.frozen
class BalanceInfo:
    """What a balance says about itself: its type (``model``) and ``serial_number``.

    ``capacity`` and ``unit`` are as the balance reports them, when it does.

    >>> info = BalanceInfo("XS205", "B207696838", "220.00900", "g")
    >>> info.id
    'XS205 SN B207696838'
    """

    model: str
    serial_number: str
    capacity: str | None = None
    unit: str | None = None
    protocol: str = "MT-SICS"

    @property
    def id(self) -> str:
        """The balance's identity for a record: type and serial number."""
        return f"{self.model} SN {self.serial_number}"

    def to_dict(self) -> dict[str, str | None]:
        """The fields as a dict (for JSON and records)."""
        return {
            "model": self.model,
            "serial_number": self.serial_number,
            "capacity": self.capacity,
            "unit": self.unit,
            "protocol": self.protocol,
        }


class BalanceDriver(Protocol):
    """One balance protocol (MT-SICS; Sartorius SBI or OHAUS could follow).

    Each call takes a ``timeout`` in seconds and raises a
    :class:`~compoundkit.devices.BalanceError` once it runs out.
    """

    @property
    def protocol(self) -> str:
        """The protocol's name, e.g. ``"MT-SICS"``."""

    def weigh(self, timeout: float) -> Reading:
        """A stable reading."""

    def read(self, timeout: float) -> Reading:
        """The reading now, stable or not."""

    def tare(self, timeout: float) -> Reading:
        """Tare once stable; the tare weight."""

    def zero(self, timeout: float) -> None:
        """Zero once stable."""

    def identify(self, timeout: float) -> BalanceInfo:
        """Model and serial number."""

    def close(self) -> None:
        """Close the connection."""


class Balance:
    """A connected balance. Open one with :func:`open_balance`; close it when done.

    Calls take ``timeout`` seconds at most (the URL's ``timeout`` by default) and
    raise a :class:`~compoundkit.devices.BalanceError` on overload, underload, a
    reading that does not settle, garbage on the line or a lost connection.
    Calls from several threads are served one at a time, as the balance needs.

    >>> balance = open_balance("sim://?load=100&unit=mg&decimals=1")
    >>> balance.read()
    Reading(value=Decimal('100.0'), unit='mg', stable=True, at=datetime.datetime(...))
    >>> balance.identify().id
    'compoundkit-sim MT-SICS SN SIM-0001'
    >>> balance.close()
    """

    def __init__(
        self,
        driver: BalanceDriver,
        *,
        url: str,
        timeout: float = DEFAULT_TIMEOUT,
        simulator: SimulatedBalance | None = None,
    ) -> None:
        self.driver = driver
        self.url = url
        self.timeout = timeout
        #: The simulated balance behind a ``sim://`` URL (``None`` for a real one).
        self.simulator = simulator
        self._info: BalanceInfo | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Balance {self.url!r} ({self.driver.protocol})>"

    def _call(self, method: Callable[[float], Any], timeout: float | None) -> Any:
        with self._lock:
            return method(self.timeout if timeout is None else timeout)

    def weigh(self, timeout: float | None = None) -> pint.Quantity[Any]:
        """A stable reading as a Quantity in the balance's unit."""
        reading: Reading = self._call(self.driver.weigh, timeout)
        return reading.quantity

    def reading(self, timeout: float | None = None) -> Reading:
        """A stable reading with its time (what a record keeps)."""
        result: Reading = self._call(self.driver.weigh, timeout)
        return result

    def read(self, timeout: float | None = None) -> Reading:
        """The reading now, stable or not (for a live display; never record it)."""
        result: Reading = self._call(self.driver.read, timeout)
        return result

    def tare(self, timeout: float | None = None) -> pint.Quantity[Any]:
        """Tare once stable; the tare weight as a Quantity."""
        reading: Reading = self._call(self.driver.tare, timeout)
        return reading.quantity

    def zero(self, timeout: float | None = None) -> None:
        """Zero the balance once stable (the pan should be empty)."""
        self._call(self.driver.zero, timeout)

    def identify(self, timeout: float | None = None) -> BalanceInfo:
        """The balance's model and serial number (asked once, then remembered)."""
        if self._info is None:
            self._info = self._call(self.driver.identify, timeout)
        return self._info

    def close(self) -> None:
        """Close the connection."""
        self.driver.close()

    def __enter__(self) -> Balance:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- URLs


def open_balance(url: str, *, timeout: float | None = None) -> Balance:
    """Connect to the balance at ``url`` (see the module docstring for the forms).

    ``timeout`` overrides the URL's ``timeout`` option. A malformed URL raises
    :class:`~compoundkit.devices.BalanceURLError` naming it and what is allowed; a
    port or host that cannot be opened, :class:`~compoundkit.devices.BalanceConnectionError`.
    """
    where = f"balance URL {url!r}"
    if "://" not in url:
        raise BalanceURLError(f"{where}: not a URL; allowed: {_SCHEMES}")
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:
        raise BalanceURLError(f"{where}: {exc}; allowed: {_SCHEMES}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("serial", "tcp", "sim"):
        raise BalanceURLError(f"{where}: unknown scheme {parts.scheme!r}; allowed: {_SCHEMES}")
    if parts.fragment:
        raise BalanceURLError(f"{where}: a URL fragment ('#{parts.fragment}') is not allowed")
    options = _options(parts.query, where)
    common = {name: options.pop(name) for name in _COMMON if name in options}
    seconds = _timeout(common.get("timeout"), where) if timeout is None else timeout
    if not (seconds > 0 and math.isfinite(seconds)):
        raise BalanceURLError(f"{where}: timeout must be a number of seconds above 0")
    eol = _choice("eol", common.get("eol", "crlf").lower(), tuple(_EOLS), where)
    _choice("protocol", common.get("protocol", "mt-sics").lower(), _PROTOCOLS, where)

    simulator: SimulatedBalance | None = None
    transport: Transport
    if scheme == "sim":
        from compoundkit.devices.simulator import SimTransport, SimulatedBalance

        if parts.netloc or parts.path not in ("", "/"):
            raise BalanceURLError(f"{where}: sim:// takes options only, e.g. sim://?settle=0.5")
        simulator = SimulatedBalance.from_options(options, where=where)
        transport = SimTransport(simulator, where=url)
    elif scheme == "tcp":
        transport = _tcp(parts, options, url, where, eol=_EOLS[eol])
    else:
        transport = _serial(parts, options, url, where, eol=_EOLS[eol], timeout=seconds)
    transport.discard_input()  # e.g. the 'I4 A' some balances send at power-on
    return Balance(
        MtSicsDriver(transport, where=url), url=url, timeout=seconds, simulator=simulator
    )


def _options(query: str, where: str) -> dict[str, str]:
    try:
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise BalanceURLError(
            f"{where}: options must be NAME=VALUE joined by '&', e.g. ?baudrate=9600&parity=N"
        ) from None
    options: dict[str, str] = {}
    for name, value in pairs:
        if name in options:
            raise BalanceURLError(f"{where}: option {name!r} is given twice")
        options[name] = value
    return options


def _choice(name: str, value: str, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise BalanceURLError(
            f"{where}: {name}={value!r} is not allowed; allowed: {', '.join(allowed)}"
        )
    return value


def _timeout(text: str | None, where: str) -> float:
    if text is None:
        return DEFAULT_TIMEOUT
    try:
        return float(text)
    except ValueError:
        raise BalanceURLError(
            f"{where}: timeout must be a number of seconds, not {text!r}"
        ) from None


def _unknown(options: dict[str, str], allowed: tuple[str, ...], scheme: str, where: str) -> None:
    for name in options:
        if name not in allowed:
            raise BalanceURLError(
                f"{where}: unknown option {name!r} for {scheme}://; allowed: "
                f"{', '.join((*allowed, *_COMMON))}"
            )


def _tcp(
    parts: urllib.parse.SplitResult, options: dict[str, str], url: str, where: str, *, eol: bytes
) -> Transport:
    _unknown(options, (), "tcp", where)
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None or parts.path not in ("", "/"):
        raise BalanceURLError(f"{where}: give the host and port, e.g. tcp://192.168.0.20:8001")
    serial = require("serial", "a balance on tcp://")
    from compoundkit.devices.transport import POLL, SerialTransport, port_errors

    try:
        port_object = serial.serial_for_url(
            f"socket://{parts.netloc}", timeout=POLL, do_not_open=True
        )
        port_object.open()
    except port_errors() as exc:
        raise BalanceConnectionError(f"{url}: cannot connect: {exc}") from None
    return SerialTransport(port_object, eol=eol, where=url)


def _serial(
    parts: urllib.parse.SplitResult,
    options: dict[str, str],
    url: str,
    where: str,
    *,
    eol: bytes,
    timeout: float,
) -> Transport:
    _unknown(options, _SERIAL, "serial", where)
    device = urllib.parse.unquote(parts.netloc + parts.path)
    if not device:
        raise BalanceURLError(f"{where}: no device; e.g. serial:///dev/ttyUSB0 or serial://COM3")
    settings: dict[str, Any] = {
        "baudrate": _integer("baudrate", options.get("baudrate", "9600"), where),
        "bytesize": _integer("bytesize", options.get("bytesize", "8"), where, allowed=(5, 6, 7, 8)),
        "parity": _choice("parity", options.get("parity", "N").upper(), tuple("NEOMS"), where),
        "stopbits": _stopbits(options.get("stopbits", "1"), where),
        "xonxoff": _flag("xonxoff", options.get("xonxoff", "0"), where),
        "rtscts": _flag("rtscts", options.get("rtscts", "0"), where),
    }
    if settings["baudrate"] <= 0:
        raise BalanceURLError(f"{where}: baudrate must be above 0, e.g. 9600")
    serial = require("serial", "a balance on serial://")
    from compoundkit.devices.transport import POLL, SerialTransport, port_errors

    try:
        port_object = serial.serial_for_url(
            device, timeout=POLL, write_timeout=timeout, do_not_open=True, **settings
        )
        port_object.open()
    except ValueError as exc:
        raise BalanceURLError(f"{where}: {exc}") from None
    except port_errors() as exc:
        raise BalanceConnectionError(f"{url}: {exc}") from None
    except Exception as exc:  # e.g. termios.error: settings the port cannot take
        raise BalanceConnectionError(
            f"{url}: the port refused these settings ({type(exc).__name__}: {exc})"
        ) from None
    return SerialTransport(port_object, eol=eol, where=url)


def _integer(name: str, text: str, where: str, *, allowed: tuple[int, ...] = ()) -> int:
    if not text.isdigit() or (allowed and int(text) not in allowed):
        shown = ", ".join(map(str, allowed)) if allowed else "a whole number"
        raise BalanceURLError(f"{where}: {name}={text!r} is not allowed; allowed: {shown}")
    return int(text)


def _stopbits(text: str, where: str) -> float:
    allowed = {"1": 1, "1.5": 1.5, "2": 2}
    if text not in allowed:
        raise BalanceURLError(f"{where}: stopbits={text!r} is not allowed; allowed: 1, 1.5, 2")
    return allowed[text]


def _flag(name: str, text: str, where: str) -> bool:
    if text not in ("0", "1"):
        raise BalanceURLError(f"{where}: {name}={text!r} is not allowed; allowed: 0, 1")
    return text == "1"
