"""Balance URLs: every malformed one is refused with the URL and what is allowed."""

from __future__ import annotations

import builtins
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from compoundkit.devices import BalanceURLError, MissingDependencyError, open_balance

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/dev/ttyUSB0", "not a URL; allowed: serial:///dev/ttyUSB0"),
        ("http://balance.local", "unknown scheme 'http'; allowed: serial://"),
        ("serial://", "no device; e.g. serial:///dev/ttyUSB0 or serial://COM3"),
        (
            "serial:///dev/ttyUSB0?baud=9600",
            "unknown option 'baud' for serial://; allowed: baudrate",
        ),
        ("serial:///dev/ttyUSB0?baudrate=fast", "baudrate='fast' is not allowed"),
        ("serial:///dev/ttyUSB0?parity=X", "parity='X' is not allowed; allowed: N, E, O, M, S"),
        ("serial:///dev/ttyUSB0?bytesize=9", "bytesize='9' is not allowed; allowed: 5, 6, 7, 8"),
        ("serial:///dev/ttyUSB0?stopbits=3", "stopbits='3' is not allowed; allowed: 1, 1.5, 2"),
        ("serial:///dev/ttyUSB0?xonxoff=yes", "xonxoff='yes' is not allowed; allowed: 0, 1"),
        ("serial:///dev/ttyUSB0?timeout=soon", "timeout must be a number of seconds"),
        ("serial:///dev/ttyUSB0?timeout=-1", "timeout must be a number of seconds above 0"),
        ("serial:///dev/ttyUSB0?eol=crcr", "eol='crcr' is not allowed; allowed: crlf, cr, lf"),
        ("serial:///dev/ttyUSB0?protocol=sbi", "protocol='sbi' is not allowed; allowed: mt-sics"),
        ("serial:///dev/ttyUSB0?baudrate=1&baudrate=2", "option 'baudrate' is given twice"),
        ("serial:///dev/ttyUSB0?baudrate", "options must be NAME=VALUE"),
        ("tcp://balance.local", "give the host and port, e.g. tcp://192.168.0.20:8001"),
        ("tcp://balance.local:port", "give the host and port"),
        ("tcp://127.0.0.1:8001?baudrate=9600", "unknown option 'baudrate' for tcp://"),
        ("sim://host", "sim:// takes options only"),
        ("sim://?x=1#frag", "a URL fragment"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(BalanceURLError, match=re.escape(message)) as caught:
        open_balance(url)
    assert repr(url) in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_importing_devices_loads_no_optional_dependency() -> None:
    code = (
        "import sys, compoundkit.devices as d\n"
        "d.open_balance('sim://?load=1').weigh()\n"
        "print(sorted(m for m in ('serial', 'biip', 'textual') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "[]"


@pytest.fixture
def without(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make importing the given top-level modules fail, as if not installed."""

    def hide(*names: str) -> None:
        real_import = builtins.__import__

        def fake_import(name: str, *args: Any, **kwargs: Any) -> Any:
            if name.partition(".")[0] in names:
                raise ImportError(f"No module named {name!r}")
            return real_import(name, *args, **kwargs)

        for name in list(sys.modules):
            if name.partition(".")[0] in names:
                monkeypatch.delitem(sys.modules, name)
        monkeypatch.setattr(builtins, "__import__", fake_import)

    return hide


def test_serial_balance_without_pyserial(without: Any) -> None:
    without("serial")
    with pytest.raises(MissingDependencyError, match=r"needs pyserial.*compoundkit\[station\]"):
        open_balance("serial:///dev/ttyUSB0")
    with pytest.raises(MissingDependencyError, match="needs pyserial"):
        open_balance("tcp://127.0.0.1:8001")
    with open_balance("sim://?load=2") as balance:  # the simulator needs nothing
        assert balance.weigh().magnitude == 2


def test_labels_without_biip(without: Any) -> None:
    from compoundkit.devices import parse_label

    without("biip")
    with pytest.raises(MissingDependencyError, match=r"needs biip.*compoundkit\[station\]"):
        parse_label("0109501101530003")
