"""Bench devices: balances (MT-SICS), GS1 labels on containers, the pharmacy's stock file.

- :func:`open_balance` connects to a balance by URL (``serial:///dev/ttyUSB0?baudrate=9600``,
  ``tcp://host:port`` or the simulator ``sim://``) and returns a :class:`Balance`:
  ``weigh()`` a stable reading as a Quantity, ``tare()``, ``zero()``, ``identify()``.
- :func:`parse_label` reads a scanned GS1 element string (GTIN, lot, expiry, serial).
- :func:`load_stock` reads the stock file that maps GTINs to catalog ingredients, so
  :meth:`StockFile.identify` names the substance in a scanned container.

Importing this package loads neither pyserial, biip nor textual (the ``station``
extra, ``pip install 'compoundkit[station]'``); a call that needs one of them and
does not find it raises :class:`~compoundkit.errors.MissingDependencyError`. The
simulator (``sim://``) needs none of them.

>>> from compoundkit.devices import open_balance
>>> with open_balance("sim://?load=12.345") as balance:
...     print(balance.weigh())
12.345 gram
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from compoundkit.devices.errors import (
    BalanceCommandError,
    BalanceConnectionError,
    BalanceError,
    BalanceReplyError,
    BalanceTimeoutError,
    BalanceURLError,
    ExpiredLotError,
    LabelError,
    OverloadError,
    StationError,
    StockError,
    ToleranceError,
    UnderloadError,
    UnstableReadingError,
    WrongSubstanceError,
)
from compoundkit.errors import MissingDependencyError

if TYPE_CHECKING:
    from compoundkit.devices.balance import (
        Balance,
        BalanceDriver,
        BalanceInfo,
        Reading,
        open_balance,
    )
    from compoundkit.devices.labels import Label, parse_label
    from compoundkit.devices.mtsics import MtSicsDriver
    from compoundkit.devices.simulator import SimulatedBalance, SimulatorServer
    from compoundkit.devices.station import Step, WeighSession
    from compoundkit.devices.stock import StockFile, StockItem, load_stock, loads_stock

__all__ = [
    "Balance",
    "BalanceCommandError",
    "BalanceConnectionError",
    "BalanceDriver",
    "BalanceError",
    "BalanceInfo",
    "BalanceReplyError",
    "BalanceTimeoutError",
    "BalanceURLError",
    "ExpiredLotError",
    "Label",
    "LabelError",
    "MissingDependencyError",
    "MtSicsDriver",
    "OverloadError",
    "Reading",
    "SimulatedBalance",
    "SimulatorServer",
    "StationError",
    "Step",
    "StockError",
    "StockFile",
    "StockItem",
    "ToleranceError",
    "UnderloadError",
    "UnstableReadingError",
    "WeighSession",
    "WrongSubstanceError",
    "load_stock",
    "loads_stock",
    "open_balance",
    "parse_label",
]

# Name -> module that defines it; imported on first attribute access (PEP 562).
_LAZY = {
    "Balance": "compoundkit.devices.balance",
    "BalanceDriver": "compoundkit.devices.balance",
    "BalanceInfo": "compoundkit.devices.balance",
    "Reading": "compoundkit.devices.balance",
    "open_balance": "compoundkit.devices.balance",
    "MtSicsDriver": "compoundkit.devices.mtsics",
    "SimulatedBalance": "compoundkit.devices.simulator",
    "SimulatorServer": "compoundkit.devices.simulator",
    "Label": "compoundkit.devices.labels",
    "parse_label": "compoundkit.devices.labels",
    "StockFile": "compoundkit.devices.stock",
    "StockItem": "compoundkit.devices.stock",
    "load_stock": "compoundkit.devices.stock",
    "loads_stock": "compoundkit.devices.stock",
    "WeighSession": "compoundkit.devices.station",
    "Step": "compoundkit.devices.station",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'compoundkit.devices' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
