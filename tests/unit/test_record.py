"""compoundkit._record: records behave as the attrs classes they are declared as.

Each behaviour is checked against a real ``attrs.frozen`` class built from the
same declaration, so the records cannot drift from what type checkers (which see
attrs classes) and users (who may call ``attrs.evolve``) expect.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import pickle
import pkgutil
import subprocess
import sys
import weakref
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import compoundkit
from compoundkit import _record, load_formula
from compoundkit.ingredients import get

CALLS: list[str] = []


def _positive(instance: object, attribute: Any, value: float) -> None:
    CALLS.append(f"validate {attribute.name}")
    if value <= 0:
        raise ValueError(f"{attribute.name} must be above zero")


def _declare(frozen: Any, field: Any) -> type:
    """The same record declared with either implementation."""

    class Dose:
        amount: float = field(converter=float, validator=_positive)
        unit: str
        notes: tuple[str, ...] = field(default=(), converter=tuple)
        tags: list[str] = field(factory=list, eq=False)
        _total: float = field(init=False, eq=False, repr=False)
        seen: int = field(default=0, hash=False)

        def __attrs_post_init__(self) -> None:
            CALLS.append("post_init")
            object.__setattr__(self, "_total", self.amount * 2)

        def doubled(self) -> float:
            return self._total

    return frozen(Dose)  # type: ignore[no-any-return]


def _warmed() -> type:
    """A record class past COMPILE_AFTER instances: it runs its compiled __init__."""
    cls = _declare(_record._frozen, _record._field)
    generic = cls.__init__
    for _ in range(_record.COMPILE_AFTER):
        cls(1.0, "g")
    assert cls.__init__ is not generic
    assert cls.__init__.__code__.co_filename.startswith("<attrs generated")  # attrs' own __init__
    return cls


Record = _declare(_record._frozen, _record._field)
Compiled = _warmed()
Attrs = _declare(attrs.frozen, attrs.field)
PAIR = pytest.mark.parametrize(
    "cls", [Record, Compiled, Attrs], ids=["record", "record-compiled", "attrs"]
)

amounts = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False)
units = st.sampled_from(["g", "mg", "mL"])
notes = st.lists(st.text(max_size=5), max_size=3)


@pytest.mark.parametrize("Record", [Record, Compiled], ids=["generic", "compiled"])
@given(amount=amounts, unit=units, n=notes, s=st.integers(0, 5))
def test_records_equal_attrs_for_any_values(
    Record: Any,
    amount: float,
    unit: str,
    n: list[str],
    s: int,
) -> None:
    mine, theirs = Record(amount, unit, n, seen=s), Attrs(amount, unit, n, seen=s)
    assert repr(mine).replace("Dose", "X") == repr(theirs).replace("Dose", "X")
    assert (mine.amount, mine.unit, mine.notes, mine.seen) == (
        theirs.amount,
        theirs.unit,
        theirs.notes,
        theirs.seen,
    )
    assert mine.doubled() == theirs.doubled()
    assert mine == Record(amount, unit, n, seen=s)
    assert hash(mine) == hash(Record(amount, unit, tuple(n), seen=s + 1))  # seen: hash=False
    assert mine != Record(amount, unit, n, seen=s + 1)  # ...but compared
    assert mine == Record(amount, unit, n, ["other"], seen=s)  # tags: eq=False


@PAIR
def test_init_order_converters_validators_post_init(cls: type) -> None:
    CALLS.clear()
    dose = cls("2", unit="g")
    assert (dose.amount, dose.doubled()) == (2.0, 4.0)
    assert CALLS == ["validate amount", "post_init"]
    with pytest.raises(ValueError, match="amount must be above zero"):
        cls(-1, "g")


@PAIR
def test_argument_errors_are_type_errors(cls: type) -> None:
    with pytest.raises(TypeError):
        cls(1.0)  # unit missing
    with pytest.raises(TypeError):
        cls(1.0, "g", unknown=1)
    with pytest.raises(TypeError):
        cls(1.0, "g", (), [], 0, "extra")
    with pytest.raises(TypeError):
        cls(1.0, "g", unit="mg")
    with pytest.raises(TypeError):
        cls(1.0, "g", total=3.0)  # init=False


@PAIR
def test_frozen_slotted_weakrefable(cls: type) -> None:
    dose = cls(1.0, "g")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        dose.amount = 2.0
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        del dose.unit
    assert not hasattr(dose, "__dict__")
    assert weakref.ref(dose)() is dose
    assert cls.__match_args__ == ("amount", "unit", "notes", "tags", "seen")


@PAIR
def test_factories_are_fresh_per_instance(cls: type) -> None:
    assert cls(1.0, "g").tags is not cls(1.0, "g").tags


Pickled = _record._frozen(type("Pickled", (), {"__annotations__": {"a": "int", "_b": "list"}}))


def test_signature_lists_the_init_fields() -> None:
    expected = "(amount: 'float', unit: 'str', notes: 'tuple[str, ...]' = (), "
    expected += "tags: 'list[str]' = <factory>, seen: 'int' = 0) -> None"
    assert str(inspect.signature(Record)) == expected
    assert str(inspect.signature(Compiled)) == expected


@pytest.mark.parametrize("cls", [Record, Compiled], ids=["generic", "compiled"])
def test_bad_calls_are_worded_as_python_words_them(cls: Any) -> None:
    with pytest.raises(TypeError, match=r"Dose.__init__\(\) missing 1 required positional "):
        cls(1.0)
    with pytest.raises(TypeError, match=r"missing 2 required positional arguments: 'amount' and "):
        cls()
    with pytest.raises(TypeError, match=r"Dose.__init__\(\) got multiple values for argument 'un"):
        cls(1.0, "g", unit="mg")
    with pytest.raises(TypeError, match=r"Dose.__init__\(\) got an unexpected keyword argument"):
        cls(1.0, "g", colour="red")


def test_pickle_and_copy_keep_every_field() -> None:
    dose = Record(3.0, "mg", ["a"], ["t"], 2)
    for clone in (copy.copy(dose), copy.deepcopy(dose)):
        assert clone == dose
        assert (clone.doubled(), clone.tags) == (6.0, ["t"])
    value = Pickled(1, b=[2])
    assert pickle.loads(pickle.dumps(value)) == value
    assert repr(value) == "Pickled(a=1, _b=[2])"  # as attrs shows it


def test_attrs_functions_accept_records() -> None:
    dose = Record(1.0, "g", ["x"])
    assert attrs.has(Record)
    assert [f.name for f in attrs.fields(Record)] == [f.name for f in attrs.fields(Attrs)]
    assert attrs.evolve(dose, unit="mg") == Record(1.0, "mg", ["x"])
    assert attrs.asdict(dose) == attrs.asdict(Attrs(1.0, "g", ["x"]))
    assert _record._evolve(dose, amount=5) == Record(5.0, "g", ["x"])


def test_no_equality_across_classes() -> None:
    assert Record(1.0, "g") != Attrs(1.0, "g")
    assert Record(1.0, "g").__eq__(object()) is NotImplemented


def test_subclass_and_zero_argument_super() -> None:
    @_record._frozen
    class Base:
        a: int

        def describe(self) -> str:
            return f"a={self.a}"

    @_record._frozen
    class Child(Base):
        b: int = 0

        def describe(self) -> str:
            return super().describe() + f", b={self.b}"

    child = Child(1, 2)
    assert child.describe() == "a=1, b=2"
    assert repr(child) == "Child(a=1, b=2)"
    assert Child.__qualname__.endswith("<locals>.Child")
    assert child != Base(1)


def test_post_init_is_looked_up_on_the_instance_and_defaults_are_converted() -> None:
    @_record._frozen
    class Base:
        a: int
        _doubled: int = _record._field(init=False, default="0", converter=int)

        def __attrs_post_init__(self) -> None:
            object.__setattr__(self, "_doubled", self.a * 2)

    class Tripled(Base):
        def __attrs_post_init__(self) -> None:
            object.__setattr__(self, "_doubled", self.a * 3)

    assert Base(2)._doubled == 4
    assert Tripled(2)._doubled == 6  # as attrs calls self.__attrs_post_init__()

    @_record._frozen
    class Untouched:
        a: int
        _zero: int = _record._field(init=False, default="0", converter=int)

    assert Untouched(1)._zero == 0  # the default went through the converter


def test_replace_is_evolve() -> None:
    dose = Record(1.0, "g")
    assert dose.__replace__(unit="mg") == Record(1.0, "mg")


def test_a_field_name_python_cannot_compile_keeps_the_generic_init() -> None:
    cls = _record._frozen(type("Odd", (), {"__annotations__": {"a": "int", "_class": "int"}}))
    for _ in range(_record.COMPILE_AFTER + 5):
        assert cls(1, 2).a == 1  # 'class' is a keyword: no compiled __init__, no SyntaxError


def test_a_field_name_that_is_not_an_identifier_never_becomes_a_record() -> None:
    hostile = "a=__import__('os').system('echo owned')"
    with pytest.raises(TypeError, match="__slots__ must be identifiers"):
        _record._frozen(type("Evil", (), {"__annotations__": {hostile: "int"}}))


def test_declaration_mistakes_are_refused() -> None:
    with pytest.raises(ValueError, match="no default for 'b' after a default"):

        @_record._frozen
        class Bad:
            a: int = 0
            b: int

    with pytest.raises(TypeError, match="default or a factory"):
        _record._field(default=1, factory=list)


def _package_records() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(compoundkit.__path__, "compoundkit."):
        if info.name.startswith("compoundkit.cli") or info.name == "compoundkit.__main__":
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            is_record = isinstance(value, type) and "__record_fields__" in value.__dict__
            if is_record and value.__module__ == info.name:
                found.append(value)
    return found


def test_every_package_record_is_slotted_and_frozen() -> None:
    records = _package_records()
    assert len(records) >= 30
    for cls in records:
        assert "__dict__" not in cls.__dict__, cls
        assert cls.__setattr__ is _record._frozen_setattr, cls
        assert [f.name for f in attrs.fields(cls)] == [f.name for f in _record._fields(cls)]


def test_real_records_round_trip_and_evolve() -> None:
    cream = load_formula("examples/muscle-spasm-cream.toml")
    sheet = cream.batch("120 g")
    for value in (cream, get("ketoprofen"), sheet.lines[0]):
        assert pickle.loads(pickle.dumps(value)) == value
    assert attrs.evolve(cream, name="Renamed").name == "Renamed"
    assert cream.evolve(name="Renamed") == attrs.evolve(cream, name="Renamed")


def test_first_unit_aware_call_imports_no_attrs() -> None:
    code = (
        "import sys\n"
        "from compoundkit import Strength, load_formula\n"
        "Strength.parse('10 % w/w')\n"
        "load_formula('examples/muscle-spasm-cream.toml').batch('120 g').lines[0].weigh\n"
        "print(sorted(m for m in ('attrs', 'attr', 'cattrs') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
