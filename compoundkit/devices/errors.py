"""Errors of the bench devices: balances, label scans and the stock file.

Every error is a :class:`~compoundkit.errors.CompoundkitError`, and also the builtin a
caller would naturally catch: a lost connection or a balance that does not answer is an
``OSError`` (``TimeoutError`` when time ran out), a reply or label that cannot be used is
a ``ValueError``, an unknown GTIN a ``LookupError``.

>>> issubclass(OverloadError, BalanceError) and issubclass(OverloadError, ValueError)
True
>>> issubclass(BalanceTimeoutError, OSError)
True
"""

from __future__ import annotations

from compoundkit.errors import CompoundkitError

__all__ = [
    "BalanceCommandError",
    "BalanceConnectionError",
    "BalanceError",
    "BalanceReplyError",
    "BalanceTimeoutError",
    "BalanceURLError",
    "ExpiredLotError",
    "LabelError",
    "OverloadError",
    "StationError",
    "StockError",
    "ToleranceError",
    "UnderloadError",
    "UnstableReadingError",
    "WrongSubstanceError",
]


class BalanceError(CompoundkitError):
    """A balance cannot be opened, does not answer, or answers with an error."""

    def __str__(self) -> str:  # OSError would otherwise format (errno, strerror)
        return str(self.args[0]) if self.args else type(self).__name__


class BalanceURLError(BalanceError, ValueError):
    """A balance URL is malformed or names an option or value that is not allowed."""


class BalanceConnectionError(BalanceError, OSError):
    """The connection to the balance cannot be opened, or was lost."""


class BalanceTimeoutError(BalanceError, TimeoutError):
    """The balance did not answer a command within the timeout."""


class UnstableReadingError(BalanceError, TimeoutError):
    """The balance was not stable within the timeout (draught, vibration, a moving load)."""


class OverloadError(BalanceError, ValueError):
    """The load is above the balance's capacity (MT-SICS ``S +``)."""


class UnderloadError(BalanceError, ValueError):
    """The load is below the balance's lower limit, e.g. the pan is off (MT-SICS ``S -``)."""


class BalanceReplyError(BalanceError, ValueError):
    """The balance sent something that is not a reply of its protocol (garbage on the line)."""


class BalanceCommandError(BalanceError, ValueError):
    """The balance refused a command (MT-SICS ``ES``, ``ET``, ``EL`` or status ``L``).

    ``code`` is the balance's code for it (``"ES"``, ``"ET"``, ``"EL"``, ``"L"``).
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class LabelError(CompoundkitError, ValueError):
    """A scanned label is not a GS1 element string compoundkit can use."""


class StockError(CompoundkitError, LookupError):
    """A scanned GTIN is not in the pharmacy's stock file."""

    def __str__(self) -> str:  # LookupError would otherwise repr() the message
        return str(self.args[0]) if self.args else type(self).__name__


class WrongSubstanceError(CompoundkitError, ValueError):
    """The scanned container holds another ingredient (or form) than the line asks for."""


class ExpiredLotError(CompoundkitError, ValueError):
    """The scanned lot has expired, or expires before the preparation's beyond-use date."""


class StationError(CompoundkitError, ValueError):
    """The weigh station cannot do what was asked (a step out of order, an aliquot line)."""


class ToleranceError(CompoundkitError, ValueError):
    """A stable reading lies outside the tolerance band of the line being weighed."""
