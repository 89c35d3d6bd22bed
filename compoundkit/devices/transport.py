"""Byte transports under a balance driver: a pyserial port (serial or TCP) or the simulator.

A driver sees a :class:`Transport`: send bytes, receive one line within a time limit,
discard stale input, close. :class:`SerialTransport` wraps any pyserial port object
(``serial.serial_for_url`` gives one for a device name and for ``socket://host:port``),
so the driver never touches pyserial itself. A lost connection becomes
:class:`~compoundkit.devices.BalanceConnectionError`.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Protocol

from compoundkit.devices.errors import BalanceConnectionError

if TYPE_CHECKING:
    import serial

__all__ = ["MAX_LINE", "SerialTransport", "Transport"]

#: Longest reply line read; a longer one is garbage (an MT-SICS line is well under 100).
MAX_LINE = 256


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

    def _lost(self, exc: Exception) -> BalanceConnectionError:
        if self._lost_because is None:
            self._lost_because = str(exc)
            self.close()
        return BalanceConnectionError(f"{self._where}: connection lost ({self._lost_because})")

    def send(self, data: bytes) -> None:
        import serial

        if self._lost_because is not None:
            raise BalanceConnectionError(f"{self._where}: connection lost ({self._lost_because})")
        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError) as exc:
            raise self._lost(exc) from None

    def receive_line(self, timeout: float) -> bytes:
        import serial

        if self._lost_because is not None:
            raise BalanceConnectionError(f"{self._where}: connection lost ({self._lost_because})")
        if not self._port.is_open:
            raise BalanceConnectionError(f"{self._where}: the connection is closed")
        try:
            if self._port.timeout != timeout:
                self._port.timeout = timeout
            return bytes(self._port.read_until(self.eol, MAX_LINE))
        except (serial.SerialException, OSError) as exc:
            raise self._lost(exc) from None

    def discard_input(self) -> None:
        import serial

        try:
            self._port.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise self._lost(exc) from None

    def close(self) -> None:
        with contextlib.suppress(OSError):  # already gone
            self._port.close()
