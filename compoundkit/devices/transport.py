"""Byte transports under a balance driver: a pyserial port (serial or TCP) or the simulator.

A driver sees a :class:`Transport`: send bytes, receive one line within a time limit,
discard stale input, close. :class:`SerialTransport` wraps any pyserial port object
(``serial.serial_for_url`` gives one for a device name and for ``socket://host:port``),
so the driver never touches pyserial itself. A lost connection becomes
:class:`~compoundkit.devices.BalanceConnectionError`.

The port's own read timeout stays fixed at :data:`POLL` seconds (changing it makes
pyserial re-apply every terminal setting, which some ports refuse); a line is
gathered until its end of line or the caller's deadline.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Protocol

from compoundkit.devices.errors import BalanceConnectionError

if TYPE_CHECKING:
    import serial

__all__ = ["MAX_LINE", "POLL", "SerialTransport", "Transport", "port_errors"]

#: Longest reply line read; a longer one is garbage (an MT-SICS line is well under 100).
MAX_LINE = 256

#: The read timeout to open a pyserial port with: how often a waiting read looks at the clock.
POLL = 0.05


def port_errors() -> tuple[type[Exception], ...]:
    """What a pyserial port raises when the line fails (``termios.error`` too, on POSIX)."""
    import serial

    errors: list[type[Exception]] = [serial.SerialException, OSError]
    try:
        import termios
    except ImportError:  # Windows
        pass
    else:
        errors.append(termios.error)
    return tuple(errors)


class Transport(Protocol):
    """What a driver needs from a connection."""

    #: The end of line the balance sends (``b"\\r\\n"`` unless the balance is set otherwise).
    eol: bytes

    def send(self, data: bytes) -> None:
        """Write ``data``."""

    def receive_line(self, timeout: float) -> bytes:
        """One line with its ``eol``; what arrived so far (maybe ``b""``) at the timeout."""

    def discard_input(self) -> None:
        """Drop whatever has arrived and not been read."""

    def close(self) -> None:
        """Close the connection (closing twice is harmless)."""


class SerialTransport:
    """A pyserial port (``serial.Serial`` or a ``serial_for_url`` object) as a transport."""

    def __init__(self, port: serial.Serial, *, eol: bytes = b"\r\n", where: str) -> None:
        self._port = port
        self.eol = eol
        self._where = where
        self._lost_because: str | None = None
        self._buffer = b""

    def _lost(self, exc: Exception) -> BalanceConnectionError:
        if self._lost_because is None:
            self._lost_because = str(exc)
            self.close()
        return BalanceConnectionError(f"{self._where}: connection lost ({self._lost_because})")

    def send(self, data: bytes) -> None:
        if self._lost_because is not None:
            raise BalanceConnectionError(f"{self._where}: connection lost ({self._lost_because})")
        try:
            self._port.write(data)
            self._port.flush()
        except port_errors() as exc:
            raise self._lost(exc) from None

    def receive_line(self, timeout: float) -> bytes:
        if self._lost_because is not None:
            raise BalanceConnectionError(f"{self._where}: connection lost ({self._lost_because})")
        if not self._port.is_open:
            raise BalanceConnectionError(f"{self._where}: the connection is closed")
        deadline = time.monotonic() + timeout
        while True:
            cut = self._buffer.find(self.eol)
            if cut >= 0:
                end = cut + len(self.eol)
                line, self._buffer = self._buffer[:end], self._buffer[end:]
                return line
            if len(self._buffer) >= MAX_LINE or time.monotonic() >= deadline:
                partial, self._buffer = self._buffer, b""
                return partial
            try:
                # returns at the end of line, or after the port's POLL timeout
                self._buffer += bytes(self._port.read_until(self.eol, MAX_LINE))
            except port_errors() as exc:
                raise self._lost(exc) from None

    def discard_input(self) -> None:
        self._buffer = b""
        try:
            self._port.reset_input_buffer()
        except port_errors() as exc:
            raise self._lost(exc) from None

    def close(self) -> None:
        with contextlib.suppress(OSError):  # already gone
            self._port.close()
