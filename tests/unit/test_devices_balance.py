"""The MT-SICS driver against the simulator: over TCP (127.0.0.1) and a pseudo-terminal.

Every reply the driver must handle is produced by a real byte stream: the simulator
serves a loopback TCP port (``tcp://127.0.0.1:PORT``, pyserial's ``socket://``) or the
master side of ``os.openpty()`` while pyserial opens the slave as a serial port. No
test touches hardware or any address but 127.0.0.1; every call has a short timeout
and its duration is checked, so a hang fails instead of blocking the suite.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from compoundkit.devices import (
    Balance,
    BalanceCommandError,
    BalanceConnectionError,
    BalanceError,
    BalanceReplyError,
    BalanceTimeoutError,
    OverloadError,
    UnderloadError,
    UnstableReadingError,
    open_balance,
)
from compoundkit.devices.simulator import PtySimulator, SimulatedBalance, SimulatorServer

pytest.importorskip("serial")

TIMEOUT = 1.0  # seconds each balance call may take in these tests
SLACK = 0.6  # what a test may take beyond it (thread start, the first pint use)

Remote = Callable[..., Balance]

KINDS = [
    "tcp",
    pytest.param(
        "pty",
        marks=pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX"),
    ),
]


@pytest.fixture(params=KINDS)
def remote(request: pytest.FixtureRequest) -> Iterator[Remote]:
    """Open a balance on a fresh simulator, over TCP or a pty; closes both afterwards."""
    opened: list[tuple[Balance, SimulatorServer | PtySimulator]] = []

    def connect(**settings: object) -> Balance:
        simulator = SimulatedBalance(**settings)  # type: ignore[arg-type]
        server = SimulatorServer(simulator) if request.param == "tcp" else PtySimulator(simulator)
        balance = open_balance(server.url, timeout=TIMEOUT)
        balance.simulator = simulator  # the test's handle on the pan
        opened.append((balance, server))
        return balance

    yield connect
    for balance, server in opened:
        balance.close()
        server.close()


class Clock:
    """Asserts that a block ends within the test timeout (plus slack)."""

    def __init__(self, limit: float = TIMEOUT + SLACK) -> None:
        self.limit = limit

    def __enter__(self) -> Clock:
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed = time.monotonic() - self.start
        assert self.elapsed < self.limit, f"took {self.elapsed:.2f} s"


def test_stable_reading_s_s(remote: Remote) -> None:
    balance = remote(load=12.345)
    with Clock():
        weight = balance.weigh()
    assert str(weight.units) == "gram"
    assert weight.magnitude == pytest.approx(12.345)
    reading = balance.reading()
    assert (reading.value, reading.unit, reading.stable) == (Decimal("12.345"), "g", True)


def test_reading_in_the_balances_unit(remote: Remote) -> None:
    balance = remote(load=250.5, unit="mg", decimals=1, capacity=5000)
    weight = balance.weigh()
    assert (weight.magnitude, str(weight.units)) == (250.5, "milligram")


def test_dynamic_reading_s_d_then_stable(remote: Remote) -> None:
    balance = remote(load=0.0, settle=0.4)
    assert balance.simulator is not None
    balance.simulator.place(5.0)
    now = balance.read()
    assert not now.stable  # 'S D': shown live, never recorded
    with Clock():
        assert balance.weigh().magnitude == pytest.approx(5.0)  # waits for 'S S'


def test_overload_s_plus(remote: Remote) -> None:
    balance = remote(load=250.0, capacity=220.0)
    with Clock(), pytest.raises(OverloadError, match=r"overload .*'S \+'"):
        balance.weigh()
    with pytest.raises(OverloadError):
        balance.read()


def test_underload_s_minus(remote: Remote) -> None:
    balance = remote(fault="underload")
    with Clock(), pytest.raises(UnderloadError, match="is the pan in place"):
        balance.weigh()


def test_busy_s_i_until_the_timeout(remote: Remote) -> None:
    balance = remote(fault="busy")
    with Clock(), pytest.raises(UnstableReadingError, match="'S I'"):
        balance.weigh()


def test_never_settles_within_the_timeout(remote: Remote) -> None:
    balance = remote(load=3.0, settle=math.inf, stability_timeout=30)
    with (
        Clock() as clock,
        pytest.raises(UnstableReadingError, match="no stable reading within 1 s"),
    ):
        balance.weigh()
    assert clock.elapsed >= 0.5  # it did wait


def test_settles_slowly_within_the_timeout(remote: Remote) -> None:
    balance = remote(load=0.0, settle=0.3)
    assert balance.simulator is not None
    balance.simulator.place(7.5)
    with Clock():
        assert balance.weigh().magnitude == pytest.approx(7.5)


def test_balance_answers_s_i_itself_then_settles(remote: Remote) -> None:
    # the balance's own stability limit (0.2 s) is shorter than the settling (0.5 s):
    # 'S I' comes first, the driver asks again and gets the stable reading
    balance = remote(load=0.0, settle=0.5, stability_timeout=0.2)
    assert balance.simulator is not None
    balance.simulator.place(1.25)
    with Clock():
        assert balance.weigh(timeout=1.5).magnitude == pytest.approx(1.25)


def test_after_a_timeout_the_next_command_gets_its_own_reply(remote: Remote) -> None:
    balance = remote(load=2.0, settle=math.inf, stability_timeout=30)
    with pytest.raises(UnstableReadingError):
        balance.weigh(timeout=0.5)
    assert balance.simulator is not None
    balance.simulator.settle = 0.0
    balance.simulator.place(1.0)
    assert balance.weigh().magnitude == pytest.approx(3.0)


def test_drift_is_seen_in_readings(remote: Remote) -> None:
    balance = remote(load=10.0, drift=0.5)
    first = balance.reading().value
    time.sleep(0.1)
    assert balance.reading().value > first


def test_tare_and_zero(remote: Remote) -> None:
    balance = remote(load=0.0)
    sim = balance.simulator
    assert sim is not None
    balance.zero()
    sim.place(25.0)  # a container
    assert balance.tare().magnitude == pytest.approx(25.0)  # 'T S 25.000 g'
    assert balance.weigh().magnitude == pytest.approx(0.0)
    sim.place(1.2)
    assert balance.weigh().magnitude == pytest.approx(1.2)


def test_zero_out_of_range(remote: Remote) -> None:
    balance = remote(load=50.0)
    with pytest.raises(OverloadError, match=r"'Z \+'"):
        balance.zero()


def test_identify_i2_i4(remote: Remote) -> None:
    balance = remote(model="XS205 DualRange", serial_number="B207696838")
    info = balance.identify()
    assert (info.model, info.serial_number) == ("XS205 DualRange", "B207696838")
    assert (info.capacity, info.unit, info.protocol) == ("220.000", "g", "MT-SICS")


@pytest.mark.parametrize(
    ("code", "meaning"), [("ES", "syntax error"), ("ET", "transmission error"), ("EL", "logical")]
)
def test_error_replies(remote: Remote, code: str, meaning: str) -> None:
    balance = remote(fault=code)
    with Clock(), pytest.raises(BalanceCommandError, match=meaning) as caught:
        balance.weigh()
    assert caught.value.code == code


def test_garbage_on_the_line(remote: Remote) -> None:
    balance = remote(fault="garbage")
    with Clock(), pytest.raises(BalanceReplyError, match="garbage on the line"):
        balance.weigh()


def test_no_reply(remote: Remote) -> None:
    balance = remote(fault="silent")
    with Clock(), pytest.raises(BalanceTimeoutError, match="no reply to S within 1 s"):
        balance.weigh()


def test_dropped_connection(remote: Remote) -> None:
    balance = remote(fault="drop")
    with Clock(), pytest.raises(BalanceConnectionError, match="connection lost"):
        balance.weigh()
    with Clock(), pytest.raises(BalanceConnectionError):  # and stays lost, at once
        balance.weigh()


def test_every_failure_is_a_balance_error_and_a_builtin() -> None:
    for error in (OverloadError, UnderloadError, BalanceReplyError, BalanceCommandError):
        assert issubclass(error, BalanceError)
        assert issubclass(error, ValueError)
    for error in (BalanceConnectionError, BalanceTimeoutError, UnstableReadingError):
        assert issubclass(error, BalanceError)
        assert issubclass(error, OSError)


def test_connection_refused_is_clear() -> None:
    with SimulatorServer() as server:
        url = server.url
    with Clock(), pytest.raises(BalanceConnectionError, match="cannot connect"):
        open_balance(url)


def test_serial_settings_from_the_url() -> None:
    with PtySimulator(SimulatedBalance(load=1.0)) as pty:
        url = f"{pty.url}?baudrate=19200&parity=E&bytesize=8&stopbits=2&xonxoff=1&timeout=0.5"
        with open_balance(url) as balance:
            assert balance.timeout == 0.5
            assert balance.weigh().magnitude == pytest.approx(1.0)


def test_missing_serial_device_is_clear() -> None:
    with pytest.raises(BalanceConnectionError, match="/dev/no-such-balance"):
        open_balance("serial:///dev/no-such-balance")
