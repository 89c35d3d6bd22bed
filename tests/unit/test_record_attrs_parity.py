"""compoundkit._record against ``attrs.frozen``: the differences a review found, pinned.

Each test pins what attrs does (the records are declared and typed as attrs
classes), so the record implementation cannot drift back.
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import pytest

from compoundkit import _record
from compoundkit.errors import StrengthParseError
from compoundkit.formulas.model import Amount
from compoundkit.formulas.vehicles import Vehicle
from compoundkit.records.log import LogEntry
from compoundkit.units import Strength


def _declare_dose(frozen: Any, field: Any) -> type:
    """The head of ``Strength``: a float converter, then a required unit."""

    class Dose:
        amount: float = field(converter=float)
        amount_unit: str
        per: float = field(default=1.0, converter=float)

    return frozen(Dose)  # type: ignore[no-any-return]


BAD_CALLS: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
    (("ten",), {}),  # amount_unit missing
    (("ten", "g"), {"bogus": 1}),  # unexpected keyword
    (("ten", "g"), {"amount": 1.0}),  # amount given twice
    (("ten", "g", 1.0, "extra"), {}),  # too many positionals
]


def _error_type(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> type[BaseException]:
    with pytest.raises(Exception) as info:  # noqa: PT011 -- the type is what is compared
        cls(*args, **kwargs)
    return info.type


def _init_file(cls: type) -> str:
    init: Any = vars(cls)["__init__"]
    return str(init.__code__.co_filename)


def test_generic_init_rejects_a_bad_call_before_running_converters() -> None:
    """A malformed call is a TypeError with attrs and with the compiled __init__.

    The generic __init__ (a class's first 100 instances) runs converters before it
    checks the call, so the same call raises the converter's error (ValueError for
    ``float``, RecordError for the record converters) until the class is warm, and
    TypeError afterwards: the exception a caller sees depends on process history.
    """
    theirs = _declare_dose(attrs.frozen, attrs.field)
    cold = _declare_dose(_record._frozen, _record._field)
    warm = _declare_dose(_record._frozen, _record._field)
    for _ in range(_record.COMPILE_AFTER):
        warm(1.0, "g")
    assert _init_file(warm).startswith("<attrs generated")  # compiled
    assert not _init_file(cold).startswith("<attrs generated")  # still the generic __init__
    for args, kwargs in BAD_CALLS:
        expected = _error_type(theirs, args, kwargs)
        assert expected is TypeError
        assert _error_type(warm, args, kwargs) is expected, (args, kwargs)
        assert _error_type(cold, args, kwargs) is expected, (args, kwargs)


def test_equality_with_nan_fields_matches_attrs() -> None:
    """attrs compares field by field with ``==``; records compare tuples (identity first).

    So a record holding NaN equals itself and any record sharing the same NaN
    object, where the attrs class it is declared as says unequal (and ``!=``).
    """
    twin = attrs.frozen(type("Amount", (), {"__annotations__": {"value": "float", "unit": "str"}}))
    mine, same_nan = Amount(math.nan, "g"), Amount(math.nan, "g")
    theirs, their_same_nan = twin(math.nan, "g"), twin(math.nan, "g")
    assert (mine == mine, mine != mine, mine == same_nan, mine != same_nan) == (
        theirs == theirs,
        theirs != theirs,
        theirs == their_same_nan,
        theirs != their_same_nan,
    )


def test_runtime_fields_allows_access_by_name_as_typed() -> None:
    """``_record.fields`` is typed as ``attrs.fields``, whose result is read by name.

    ``fields(Vehicle).name`` type-checks (mypy sees attrs) but the run-time tuple
    has no such attribute.
    """
    assert attrs.fields(Vehicle).density_g_per_ml.name == "density_g_per_ml"
    assert _record.fields(Vehicle).density_g_per_ml is _record.fields(Vehicle)[5]


def test_attrs_fields_keep_type_hash_converter_and_validator() -> None:
    """``attrs.fields`` on a record should describe it as attrs would.

    The lazily built attrs field tuple drops ``type``, ``hash``, ``converter`` and
    ``validator``, so ``attrs.validate`` silently checks nothing on a record.
    """
    payload = attrs.fields(LogEntry).payload
    assert payload.hash is False
    assert str(payload.type) == "Mapping[str, Any]"
    amount = attrs.fields(Strength).amount
    assert str(amount.type) == "float"
    assert amount.converter is not None
    assert amount.validator is not None
    strength = Strength(10.0, "g", 100.0, "g")  # a fresh instance (nothing shared)
    object.__setattr__(strength, "amount", -1.0)  # as a bypassed constructor would leave it
    with pytest.raises(StrengthParseError, match="amount must be a finite number above zero"):
        attrs.validate(strength)
