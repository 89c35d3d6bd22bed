"""`compoundkit weigh --balance URL`: one stable reading, or exit 2 with the balance's error."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from compoundkit.cli import main
from compoundkit.devices.simulator import SimulatedBalance, SimulatorServer

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "compoundkit", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_text_reading_through_the_real_entry_point() -> None:
    result = _run("weigh", "--balance", "sim://?load=12.345")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "12.345 g\n"


def test_json_reading() -> None:
    result = CliRunner().invoke(
        main, ["weigh", "--balance", "sim://?load=0.25&unit=mg&decimals=2", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["value"], data["unit"]) == (0.25, "milligram")
    assert data["balance"] == {
        "url": "sim://?load=0.25&unit=mg&decimals=2",
        "model": "compoundkit-sim MT-SICS",
        "serial_number": "SIM-0001",
        "capacity": "220.00",
        "unit": "mg",
        "protocol": "MT-SICS",
    }
    assert data["time"].endswith("+00:00")


@pytest.fixture
def tcp_balance() -> Iterator[SimulatorServer]:
    pytest.importorskip("serial")
    with SimulatorServer(SimulatedBalance(load=3.5, model="XS205", serial_number="B1")) as server:
        yield server


def test_reading_over_tcp(tcp_balance: SimulatorServer) -> None:
    result = CliRunner().invoke(main, ["weigh", "--balance", tcp_balance.url, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["value"] == 3.5
    assert (data["balance"]["model"], data["balance"]["serial_number"]) == ("XS205", "B1")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sim://?fault=overload", "overload"),
        ("sim://?fault=underload", "underload"),
        ("sim://?settle=never", "no stable reading within 0.5 s"),
        ("sim://?fault=garbage", "garbage on the line"),
        ("sim://?fault=drop", "connection lost"),
        ("sim://?fault=silent", "no reply to S within 0.5 s"),
        ("ftp://balance", "unknown scheme 'ftp'"),
    ],
)
def test_balance_errors_exit_2_with_one_line(url: str, message: str) -> None:
    result = _run("weigh", "--balance", url, "--timeout", "0.5")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("compoundkit: error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_timeout_must_be_positive() -> None:
    result = CliRunner().invoke(main, ["weigh", "--balance", "sim://", "--timeout", "0"])
    assert result.exit_code == 2
    assert "0<x<=3600" in result.output


def test_weigh_is_listed() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert "weigh" in result.output
