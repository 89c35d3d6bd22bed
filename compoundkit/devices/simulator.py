"""A simulated MT-SICS balance: in-process (``sim://``), on TCP, or on a pseudo-terminal.

:class:`SimulatedBalance` is the balance: a load on the pan, tare, zero, a settling
time, drift, a capacity, and a fault it can be told to show. It answers the MT-SICS
commands of :mod:`compoundkit.devices.mtsics` (``S``, ``SI``, ``T``, ``Z``, ``I2``,
``I4``, ``@``, ``TAC``) as a real balance does, including the wait for stability:
``S``, ``T`` and ``Z`` are answered once the load has settled, or with status ``I``
after ``stability_timeout`` seconds. Anything else gets ``ES``.

It is reached three ways, all speaking the same bytes:

- ``open_balance("sim://?settle=0.5&drift=0.001&unit=g")``: in the same process, no
  extra needed (the URL's options are the fields below);
- :class:`SimulatorServer`: a TCP server on 127.0.0.1 (never another address), also
  runnable as ``python -m compoundkit.devices.simulator --port 0``, which prints its
  ``tcp://127.0.0.1:PORT`` URL and serves until stopped;
- :class:`PtySimulator`: the balance behind a pseudo-terminal (POSIX), whose
  ``port`` is a serial device name for ``serial:///dev/pts/N``.

Faults (``fault=``): ``overload`` and ``underload`` (``S +``/``S -``), ``busy``
(``S I``), ``garbage`` (bytes that are no reply), ``drop`` (the connection is closed
on the next command), ``silent`` (no reply at all), ``ES``, ``ET``, ``EL`` (that
error reply to every command).

>>> sim = SimulatedBalance(load=12.345, clock=lambda: 0.0)
>>> session = Session(sim)
>>> session.feed(b"S\\r\\nI4\\r\\n", now=0.0)
>>> session.due(now=0.0)
[b'S S      12.345 g\\r\\n', b'I4 A "SIM-0001"\\r\\n']
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import select
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Final

import attrs

from compoundkit.devices.errors import BalanceConnectionError, BalanceURLError
from compoundkit.devices.mtsics import PINT_UNITS, format_weight_line

__all__ = [
    "FAULTS",
    "PtySimulator",
    "Session",
    "SimTransport",
    "SimulatedBalance",
    "SimulatorServer",
    "main",
]

#: The faults a simulated balance can be told to show.
FAULTS: Final = ("overload", "underload", "busy", "garbage", "drop", "silent", "ES", "ET", "EL")

#: What the ``garbage`` fault sends: line noise, as a wrong baud rate gives.
GARBAGE: Final = b"\x13\xfe\x9bS S 1#2,3\xff g\r\n"

_DROP: Final = b""  # a "reply" that closes the connection


def _checked_fault(
    instance: object, attribute: attrs.Attribute[str | None], value: str | None
) -> None:
    if value is not None and value not in FAULTS:
        raise ValueError(
            f"fault {value!r} is not one the simulator knows; allowed: {', '.join(FAULTS)}"
        )


def _checked_unit(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in PINT_UNITS:
        raise ValueError(f"unit {value!r} is not an MT-SICS unit; allowed: {', '.join(PINT_UNITS)}")


def _non_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value >= 0:
        raise ValueError(f"{attribute.name} must be 0 or more, not {value!r}")


@attrs.define(eq=False)
class SimulatedBalance:
    """A simulated balance; thread-safe, shared by every connection to it.

    ``load`` is the gross load on the pan in ``unit``; ``settle`` the seconds a new
    load takes to settle (``math.inf``: never); ``drift`` how fast a settled reading
    creeps, in ``unit`` per second; ``decimals`` its readability.
    """

    load: float = 0.0
    unit: str = attrs.field(default="g", validator=_checked_unit)
    decimals: int = attrs.field(default=3, validator=attrs.validators.in_(range(7)))
    capacity: float = attrs.field(default=220.0, validator=_non_negative)
    settle: float = attrs.field(default=0.0, validator=_non_negative)
    drift: float = 0.0
    stability_timeout: float = attrs.field(default=2.0, validator=_non_negative)
    fault: str | None = attrs.field(default=None, validator=_checked_fault)
    model: str = "compoundkit-sim MT-SICS"
    serial_number: str = "SIM-0001"
    clock: Callable[[], float] = attrs.field(default=time.monotonic, repr=False)
    _lock: threading.RLock = attrs.field(factory=threading.RLock, init=False, repr=False)
    _tare: float = attrs.field(default=0.0, init=False, repr=False)
    _zero: float = attrs.field(default=0.0, init=False, repr=False)
    _changed_at: float = attrs.field(default=0.0, init=False, repr=False)
    _shown_before: float = attrs.field(default=0.0, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # the initial load has just settled (or, with settle=never, never will)
        self._changed_at = self.clock() - (self.settle if math.isfinite(self.settle) else 0.0)
        self._shown_before = self.load

    @classmethod
    def from_options(cls, options: Mapping[str, str], *, where: str = "sim://") -> SimulatedBalance:
        """A balance from text options, as in ``sim://?settle=0.5&unit=mg`` (names = fields)."""
        numbers = {"load", "capacity", "settle", "drift", "stability_timeout"}
        texts = {"unit", "fault", "model", "serial_number"}
        allowed = [*sorted(numbers), "decimals", *sorted(texts)]
        kwargs: dict[str, object] = {}
        for name, text in options.items():
            if name in numbers:
                kwargs[name] = _number(name, text, where)
            elif name == "decimals":
                if not text.isdigit():
                    raise BalanceURLError(f"{where}: decimals must be a whole number, not {text!r}")
                kwargs[name] = int(text)
            elif name in texts:
                kwargs[name] = text.upper() if name == "fault" and text.upper() in FAULTS else text
            else:
                raise BalanceURLError(
                    f"{where}: unknown simulator option {name!r}; allowed: {', '.join(allowed)}"
                )
        try:
            return cls(**kwargs)  # type: ignore[arg-type]
        except ValueError as exc:
            raise BalanceURLError(f"{where}: {exc}") from None

    # ------------------------------------------------------------- the pan

    def place(self, amount: float) -> None:
        """Put ``amount`` (in ``unit``) on the pan; a negative amount takes it off."""
        with self._lock:
            now = self.clock()
            self._shown_before = self._net(now)
            self.load += amount
            self._changed_at = now

    def clear(self) -> None:
        """Take everything off the pan."""
        self.place(-self.load)

    def _settled_at(self) -> float:
        return self._changed_at + self.settle

    def _target(self) -> float:
        return self.load - self._zero - self._tare

    def _net(self, now: float) -> float:
        settled_at = self._settled_at()
        if now >= settled_at:
            return self._target() + self.drift * (now - settled_at)
        progress = (now - self._changed_at) / self.settle if math.isfinite(self.settle) else 0.0
        return self._shown_before + (self._target() - self._shown_before) * progress

    def _stable(self, now: float) -> bool:
        return now >= self._settled_at()

    def _range(self) -> str | None:
        if self.fault in ("overload", "underload"):
            return "+" if self.fault == "overload" else "-"
        gross = self.load - self._zero
        if gross > self.capacity:
            return "+"
        if gross < -0.02 * self.capacity:
            return "-"
        return None

    def _value(self, number: float) -> Decimal:
        value = Decimal(repr(number)).quantize(Decimal(1).scaleb(-self.decimals))
        return value if value else abs(value)  # never "-0.000"

    # ------------------------------------------------------------- commands

    def respond(self, command: str, now: float) -> tuple[float, Callable[[], bytes]]:
        """When the reply to ``command`` is ready, and how to make it (then, not now)."""
        with self._lock:
            if self.fault == "silent":
                return math.inf, lambda: b""
            if self.fault == "drop":
                return now, lambda: _DROP
            if self.fault == "garbage":
                return now, lambda: GARBAGE
            if self.fault in ("ES", "ET", "EL"):
                reply = self.fault
                return now, lambda: _line(reply)
            if command in ("@", "I4"):
                return now, lambda: _line(f'I4 A "{self.serial_number}"')
            if command == "I2":
                capacity = f"{self.capacity:.{self.decimals}f}"
                return now, lambda: _line(f'I2 A "{self.model} {capacity} {self.unit}"')
            if command == "TAC":
                return now, self._clear_tare
            if command == "SI":
                return now, self._weight_reply
            if command in ("S", "T", "Z"):
                return self._when_stable(command, now)
            return now, lambda: _line("ES")

    def _when_stable(self, command: str, now: float) -> tuple[float, Callable[[], bytes]]:
        status = self._range()
        if status is not None:
            return now, lambda: _line(f"{command} {status}")
        if self.fault == "busy":
            return now, lambda: _line(f"{command} I")
        settled_at = self._settled_at()
        if settled_at - now > self.stability_timeout:
            return now + self.stability_timeout, lambda: _line(f"{command} I")
        action = {"S": self._weight_reply, "T": self._do_tare, "Z": self._do_zero}[command]
        return max(now, settled_at), action

    def _weight_reply(self) -> bytes:
        with self._lock:
            status = self._range()
            if status is not None:
                return _line(f"S {status}")
            if self.fault == "busy":
                return _line("S I")
            now = self.clock()
            stable = "S" if self._stable(now) else "D"
            return _line(format_weight_line(stable, self._value(self._net(now)), self.unit))

    def _do_tare(self) -> bytes:
        with self._lock:
            self._tare = self.load - self._zero
            self._shown_before = 0.0
            tare = self._value(self._tare)
            return _line(format_weight_line("S", tare, self.unit, command="T"))

    def _do_zero(self) -> bytes:
        with self._lock:
            if abs(self.load) > 0.02 * self.capacity:  # outside the zero-setting range
                return _line("Z +" if self.load > 0 else "Z -")
            self._zero = self.load
            self._tare = 0.0
            self._shown_before = 0.0
            return _line("Z A")

    def _clear_tare(self) -> bytes:
        with self._lock:
            self._tare = 0.0
            return _line("TAC A")


def _line(text: str) -> bytes:
    return text.encode("ascii") + b"\r\n"


def _number(name: str, text: str, where: str) -> float:
    if text.lower() in ("never", "inf"):
        return math.inf
    try:
        value = float(text)
    except ValueError:
        raise BalanceURLError(f"{where}: {name} must be a number, not {text!r}") from None
    if math.isnan(value):
        raise BalanceURLError(f"{where}: {name} must be a number, not {text!r}")
    return value


# --------------------------------------------------------------------------- sessions


class Session:
    """One connection to a :class:`SimulatedBalance`: commands in, timed replies out.

    Half-duplex as a balance is: a reply waits for the one before it. ``@`` cancels
    every reply not yet due, then answers ``I4 A``.
    """

    def __init__(self, balance: SimulatedBalance) -> None:
        self.balance = balance
        self.dropped = False
        self._buffer = b""
        self._pending: list[tuple[float, Callable[[], bytes]]] = []

    def feed(self, data: bytes, now: float) -> None:
        """Take bytes from the client; each complete command gets its reply scheduled."""
        self._buffer += data
        while True:
            cut = min(
                (i for i in (self._buffer.find(b"\r"), self._buffer.find(b"\n")) if i >= 0),
                default=-1,
            )
            if cut < 0:
                break
            raw, self._buffer = self._buffer[:cut], self._buffer[cut + 1 :]
            command = raw.decode("ascii", "replace").strip()
            if not command:
                continue  # the LF after a CR
            if command == "@":
                self._pending = [(at, make) for at, make in self._pending if at <= now]
            at, make = self.balance.respond(command, now)
            after = max((due for due, _ in self._pending), default=now)
            self._pending.append((max(at, after), make))

    def next_due(self) -> float | None:
        """When the next reply is due (``None``: nothing pending)."""
        return self._pending[0][0] if self._pending else None

    def due(self, now: float) -> list[bytes]:
        """The replies due by ``now``, in order; sets ``dropped`` at a dropped connection."""
        out: list[bytes] = []
        while self._pending and self._pending[0][0] <= now and not self.dropped:
            _, make = self._pending.pop(0)
            reply = make()
            if reply == _DROP:
                self.dropped = True
                self._pending.clear()
                break
            out.append(reply)
        return out


class SimTransport:
    """The in-process connection of ``sim://`` (a transport, as pyserial's ports are)."""

    eol = b"\r\n"

    def __init__(self, balance: SimulatedBalance, *, where: str = "sim://") -> None:
        self.balance = balance
        self._session = Session(balance)
        self._where = where
        self._received = b""
        self._closed = False

    def _check(self) -> None:
        if self._session.dropped:
            raise BalanceConnectionError(
                f"{self._where}: connection lost (the simulator dropped it)"
            )
        if self._closed:
            raise BalanceConnectionError(f"{self._where}: the connection is closed")

    def send(self, data: bytes) -> None:
        self._check()
        self._session.feed(data, self.balance.clock())

    def receive_line(self, timeout: float) -> bytes:
        clock = self.balance.clock
        deadline = clock() + timeout
        while True:
            for reply in self._session.due(clock()):
                self._received += reply
            cut = self._received.find(self.eol)
            if cut >= 0:
                line, self._received = self._received[: cut + 2], self._received[cut + 2 :]
                return line
            self._check()
            due = self._session.next_due()
            now = clock()
            if due is None or due > deadline:
                time.sleep(max(0.0, deadline - now))
                partial, self._received = self._received, b""
                return partial
            time.sleep(max(0.0, due - now))

    def discard_input(self) -> None:
        self._session.due(self.balance.clock())
        self._received = b""

    def close(self) -> None:
        self._closed = True


# --------------------------------------------------------------------------- TCP and pty


def _serve(
    balance: SimulatedBalance,
    read: Callable[[], bytes],
    write: Callable[[bytes], None],
    fileno: int,
    stop: threading.Event,
) -> None:
    """The loop of one connection: replies when due, commands when they come."""
    session = Session(balance)
    while not stop.is_set():
        for reply in session.due(balance.clock()):
            write(reply)
        if session.dropped:
            return
        due = session.next_due()
        wait = 0.05 if due is None else min(0.05, max(0.0, due - balance.clock()))
        readable, _, _ = select.select([fileno], [], [], wait)
        if readable:
            data = read()
            if not data:
                return
            session.feed(data, balance.clock())


class SimulatorServer:
    """A simulated balance on a TCP port of 127.0.0.1 (``port=0``: any free port).

    Each connection is served by its own thread; all share one balance. Use it as a
    context manager, or call :meth:`close`.
    """

    def __init__(self, balance: SimulatedBalance | None = None, *, port: int = 0) -> None:
        self.balance = balance if balance is not None else SimulatedBalance()
        self._socket = socket.create_server(("127.0.0.1", port))
        self.port: int = self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    @property
    def url(self) -> str:
        """The balance URL to give :func:`~compoundkit.devices.open_balance`."""
        return f"tcp://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            readable, _, _ = select.select([self._socket], [], [], 0.05)
            if not readable:
                continue
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._connection, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _connection(self, connection: socket.socket) -> None:
        with connection, contextlib.suppress(OSError):
            _serve(
                self.balance,
                lambda: connection.recv(4096),
                connection.sendall,
                connection.fileno(),
                self._stop,
            )

    def close(self) -> None:
        """Stop serving and close every connection."""
        self._stop.set()
        self._accepting.join(timeout=1)
        for thread in self._threads:
            thread.join(timeout=1)
        self._socket.close()

    def __enter__(self) -> SimulatorServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PtySimulator:
    """A simulated balance behind a pseudo-terminal (POSIX only).

    ``port`` is the terminal's device name: open it as ``serial://<port>``. The
    simulator reads and writes the other side; ``fault="drop"`` closes it.
    """

    def __init__(self, balance: SimulatedBalance | None = None) -> None:
        import tty

        self.balance = balance if balance is not None else SimulatedBalance()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line editing before the client sets it up
        self.port: str = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """The balance URL to give :func:`~compoundkit.devices.open_balance`."""
        return f"serial://{self.port}"

    def _run(self) -> None:
        with contextlib.suppress(OSError):
            _serve(
                self.balance,
                lambda: os.read(self._master, 4096),
                lambda data: _write_all(self._master, data),
                self._master,
                self._stop,
            )
        self._close_fds()

    def _close_fds(self) -> None:
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._master = self._slave = -1

    def close(self) -> None:
        """Stop the simulator and close the terminal."""
        self._stop.set()
        self._thread.join(timeout=1)

    def __enter__(self) -> PtySimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """``python -m compoundkit.devices.simulator --port 0``: serve a simulated balance."""
    parser = argparse.ArgumentParser(
        prog="python -m compoundkit.devices.simulator",
        description="A simulated MT-SICS balance on 127.0.0.1. Prints its URL, then serves "
        "until interrupted.",
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port (0: any free port)")
    parser.add_argument("--load", default="0", help="load on the pan, in --unit")
    parser.add_argument("--unit", default="g", help=f"one of {', '.join(PINT_UNITS)}")
    parser.add_argument("--decimals", default="3", help="readability (digits after the point)")
    parser.add_argument("--capacity", default="220", help="capacity, in --unit")
    parser.add_argument("--settle", default="0", help="seconds a new load takes to settle (never)")
    parser.add_argument("--drift", default="0", help="creep of a settled reading, --unit per s")
    parser.add_argument("--stability-timeout", default="2", help="seconds S waits before 'S I'")
    parser.add_argument("--fault", default=None, help=f"one of {', '.join(FAULTS)}")
    parser.add_argument("--model", default=None, help="the type I2 reports")
    parser.add_argument("--serial-number", default=None, help="the serial number I4 reports")
    args = parser.parse_args(argv)
    options = {
        name: value for name, value in vars(args).items() if name != "port" and value is not None
    }
    try:
        balance = SimulatedBalance.from_options(options, where="simulator")
    except BalanceURLError as exc:
        parser.error(str(exc))
    with SimulatorServer(balance, port=args.port) as server:
        print(server.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
