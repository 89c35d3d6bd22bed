"""Optional dependencies of the bench devices (the ``station`` extra).

pyserial (balances on a serial port or TCP), biip (GS1 labels) and textual (the station
application) are imported only when used; without them the call raises
:class:`~compoundkit.errors.MissingDependencyError` naming the extra to install.

>>> require("json", "reading JSON").__name__
'json'
>>> require("no_such_module_xyz", "this")
Traceback (most recent call last):
...
compoundkit.errors.MissingDependencyError: this needs no_such_module_xyz, ...[station]'
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType
from typing import Final

from compoundkit.errors import MissingDependencyError

__all__ = ["INSTALL", "require"]

#: How to install every optional dependency of the devices.
INSTALL: Final = "pip install 'compoundkit[station]'"

# import name -> distribution name, where they differ
_DISTRIBUTION: Final = {"serial": "pyserial"}


def require(module: str, what: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingDependencyError` saying ``what`` needs it."""
    try:
        return import_module(module)
    except ImportError as exc:
        top = module.partition(".")[0]
        name = _DISTRIBUTION.get(top, top)
        raise MissingDependencyError(
            f"{what} needs {name}, which is not installed: {INSTALL}", name=name
        ) from exc
