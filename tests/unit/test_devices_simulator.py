"""The simulator itself: timing of replies, '@', options, and its command line."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compoundkit.devices import BalanceURLError, open_balance
from compoundkit.devices.simulator import Session, SimulatedBalance

ROOT = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_replies_wait_for_stability_and_at_sign_cancels() -> None:
    clock = Clock()
    sim = SimulatedBalance(load=0.0, settle=2.0, clock=clock)
    sim.place(5.0)
    session = Session(sim)
    session.feed(b"SI\r\n", clock.now)
    assert session.due(clock.now)[0].startswith(b"S D ")
    session.feed(b"S\r\n", clock.now)
    assert session.due(clock.now) == []  # 'S' waits for stability
    assert session.next_due() == 102.0
    session.feed(b"@\r\n", clock.now + 0.5)  # cancelled: only '@' is answered
    assert session.due(clock.now + 3) == [b'I4 A "SIM-0001"\r\n']


def test_balance_times_out_waiting_for_stability() -> None:
    clock = Clock()
    sim = SimulatedBalance(settle=math.inf, stability_timeout=1.5, clock=clock)
    session = Session(sim)
    session.feed(b"T\r\n", clock.now)
    assert session.next_due() == 101.5
    assert session.due(101.5) == [b"T I\r\n"]


def test_unknown_command_is_a_syntax_error() -> None:
    session = Session(SimulatedBalance())
    session.feed(b"XYZ\r\n", 0.0)
    assert session.due(math.inf) == [b"ES\r\n"]


def test_replies_come_in_order() -> None:
    clock = Clock()
    sim = SimulatedBalance(load=1.0, clock=clock)
    session = Session(sim)
    session.feed(b"S\r\nI4\r\nI2\r\n", clock.now)
    replies = session.due(clock.now)
    assert [r.split()[0] for r in replies] == [b"S", b"I4", b"I2"]


@given(
    load=st.floats(min_value=-2, max_value=220, allow_nan=False),
    decimals=st.integers(min_value=0, max_value=5),
)
def test_a_simulated_reading_is_the_load_rounded(load: float, decimals: int) -> None:
    with open_balance(f"sim://?load={load!r}&decimals={decimals}") as balance:
        reading = balance.reading()
    assert reading.value == Decimal(repr(load)).quantize(Decimal(1).scaleb(-decimals))
    assert not reading.value.is_signed() or reading.value < 0  # never "-0.000"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sim://?fault=wobble", "fault 'wobble' is not one the simulator knows; allowed: overload"),
        ("sim://?unit=stone", "unit 'stone' is not an MT-SICS unit"),
        ("sim://?settle=-1", "settle must be 0 or more"),
        ("sim://?decimals=x", "decimals must be a whole number"),
        ("sim://?decimals=9", "decimals"),
        ("sim://?load=nan", "load must be a number"),
        ("sim://?colour=red", "unknown simulator option 'colour'; allowed: capacity, drift"),
    ],
)
def test_bad_simulator_options(url: str, message: str) -> None:
    with pytest.raises(BalanceURLError, match=re.escape(message)):
        open_balance(url)


def test_fault_names_are_case_insensitive_for_error_replies() -> None:
    with open_balance("sim://?fault=es") as balance:
        assert balance.simulator is not None
        assert balance.simulator.fault == "ES"


def test_command_line_server_prints_its_url_and_serves() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "compoundkit.devices.simulator", "--port", "0", "--load", "4.2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert re.fullmatch(r"tcp://127\.0\.0\.1:\d+", url), url
        pytest.importorskip("serial")
        with open_balance(url, timeout=2) as balance:
            assert balance.weigh().magnitude == pytest.approx(4.2)
    finally:
        process.terminate()
        process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()
        if process.stderr is not None:
            process.stderr.close()


def test_command_line_refuses_bad_options() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "compoundkit.devices.simulator", "--fault", "wobble"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "fault 'wobble' is not one the simulator knows" in done.stderr
