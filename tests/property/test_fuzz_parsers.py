"""Fuzzing every parser and loader: any input loads into a valid object or raises a
CompoundkitError. Nothing else (no ValueError, TypeError, RecursionError...) escapes.

Text parsers get 5x the profile's example count (they are cheap); loaders get 1x. The
fast profile runs 200 and 40 examples per test, the thorough one (COMPOUNDKIT_THOROUGH=1)
5,000 and 1,000. Crashes found here go into tests/corpus/.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import string
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compoundkit import ingredients
from compoundkit.calc import Balance
from compoundkit.errors import CompoundkitError
from compoundkit.formulas import Amount, Excess, Formulation, Potency, load_formula
from compoundkit.formulas.io import formulation_from_dict, loads_json, loads_toml
from compoundkit.ingredients import Ingredient
from compoundkit.records import RecordLog
from compoundkit.units import Strength, parse_quantity

EXAMPLES = settings.default.max_examples if settings.default is not None else 40
TEXT = settings(max_examples=5 * EXAMPLES, deadline=None)
LOADER = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SHIPPED = Path(ingredients.__file__).parent / "data"


def _outcome(action: Callable[[], object]) -> object | CompoundkitError:
    """The result of ``action``, or the CompoundkitError it raised (anything else escapes)."""
    try:
        return action()
    except CompoundkitError as exc:
        return exc


# --------------------------------------------------------------------------- text strategies

_PIECES = [
    *"0123456789",
    ".",
    " ",
    "%",
    "/",
    ":",
    "(",
    ")",
    "*",
    "**",
    "^",
    "+",
    "-",
    "e",
    "E",
    "w/w",
    "w/v",
    "v/v",
    "mg",
    "g",
    "kg",
    "mcg",
    "µg",
    "mL",
    "L",
    "capsule",
    "dose",
    "unit",
    "nan",
    "inf",
    "1e999",
    "9**9**9",
    "١",
    "৪",
    "²",
    "\x00",
    "\t",
    "=",
    ",",
    "sr",
    "error",
    "usp41:",
    "s",
    "d",
    "class-iii",
]
#: Text built from the grammar's own tokens: far likelier to get deep than random text.
grammar_text = st.lists(st.sampled_from(_PIECES), max_size=24).map("".join)
any_text = st.one_of(st.text(max_size=120), grammar_text)


def _said(result: object) -> None:
    """An error must say what is wrong."""
    if isinstance(result, CompoundkitError):
        assert str(result).strip()


def _strength_ok(result: object) -> None:
    _said(result)
    if isinstance(result, Strength):
        assert math.isfinite(result.canonical)
        assert result.canonical > 0
        assert Strength.parse(str(result)) == result  # what parses prints back the same


@TEXT
@given(any_text)
def test_strength_text(text: str) -> None:
    _strength_ok(_outcome(lambda: Strength.parse(text)))


@TEXT
@given(any_text)
def test_amount_and_size_text(text: str) -> None:
    amount = _outcome(lambda: Amount.parse(text))
    if isinstance(amount, Amount):
        assert math.isfinite(amount.value)
        assert amount.value > 0
        assert Amount.parse(str(amount)) == amount
    size = _outcome(lambda: parse_quantity(text))
    assert isinstance(size, CompoundkitError) or size.magnitude > 0  # type: ignore[attr-defined]


@TEXT
@given(any_text)
def test_density_text(text: str) -> None:
    result = _outcome(lambda: Strength.parse("10 % w/w").to("% w/v", density=text))
    _strength_ok(result)


@TEXT
@given(any_text)
def test_potency_and_excess_text(text: str) -> None:
    potency = _outcome(lambda: Potency.parse(text))
    if isinstance(potency, Potency):
        assert 0 < potency.as_is <= 1
    excess = _outcome(lambda: Excess.parse(text))
    if isinstance(excess, Excess):
        assert excess.made_g(100.0) >= 100.0


@TEXT
@given(any_text)
def test_balance_text(text: str) -> None:
    balance = _outcome(lambda: Balance.parse(text))
    if isinstance(balance, Balance):
        assert 0 < balance.increment_mg <= balance.minimum_mg
        assert Balance.parse(balance.spec) == balance


# --------------------------------------------------------------------------- formulas

_FORMULA_FIELDS = (
    "name",
    "dosage_form",
    "vehicle",
    "makes",
    "route",
    "density",
    "indication",
    "container",
    "storage",
    "description",
    "notes",
    "ingredients",
    "excipients",
)
_ENTRY_FIELDS = ("name", "strength", "amount", "form", "expressed_as", "density")
_VEHICLE_FIELDS = (
    "name",
    "aqueous",
    "preserved",
    "type",
    "density_g_per_ml",
    "max_load",
    "salt_tolerance",
    "ph_character",
    "notes",
)

#: Plausible values for text fields: real names and strengths mixed with hostile ones.
_WORDS = st.sampled_from(
    [
        "ketoprofen",
        "Ketoprofen",
        "cyclobenzaprine",
        "guaifenesin",
        "magnesium chloride",
        "hydrochloride",
        "hexahydrate",
        "base",
        "free-acid",
        "cream",
        "gel",
        "ointment",
        "solution",
        "capsule",
        "plo",
        "lipoderm-activemax",
        "white-petrolatum",
        "10 % w/w",
        "10 %",
        "5 % w/v",
        "20 mg/g",
        "2 mg/mL",
        "1:1000",
        "14 g",
        "8 mL",
        "100 g",
        "1.05 g/mL",
        "0.85 g/mL",
        "40 % w/w",
        "9**9**9 mg/g",
        "",
        " ",
        "nan",
        "ketoprofan",
        "alkaline",
        "sensitive",
    ]
)
_SCALARS = (
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    _WORDS,
    st.dates(),
)
_HUGE = st.integers(min_value=10**300, max_value=10**400)


def _nested(scalar: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalar,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=8,
    )


values = _nested(st.one_of(*_SCALARS, _HUGE))
record_values = _nested(st.one_of(*_SCALARS, _HUGE))


def _table(keys: tuple[str, ...], good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A dict over ``keys`` (some left out, some extra) with plausible or wrong values."""
    return st.dictionaries(
        st.sampled_from(keys) | st.text(max_size=8), st.one_of(good, values), max_size=len(keys)
    )


entries = _table(_ENTRY_FIELDS, _WORDS)
vehicles = st.one_of(_WORDS, _table(_VEHICLE_FIELDS, st.one_of(_WORDS, st.booleans())), values)
formula_dicts = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(_WORDS, values),
        "dosage_form": st.one_of(_WORDS, values),
        "vehicle": vehicles,
        "makes": st.one_of(_WORDS, values),
        "density": st.one_of(_WORDS, values),
        "route": st.one_of(_WORDS, values),
        "notes": values,
        "ingredients": st.one_of(st.lists(entries, max_size=4), values),
        "excipients": st.one_of(st.lists(entries, max_size=3), values),
        "container": st.one_of(_WORDS, values),
    },
) | st.dictionaries(st.sampled_from(_FORMULA_FIELDS) | st.text(max_size=8), values)


def _formula_ok(result: object) -> None:
    """A formulation that loaded validates, checks and batches without escaping errors."""
    _said(result)
    if not isinstance(result, Formulation):
        assert isinstance(result, CompoundkitError)
        return
    report = result.validate()
    assert report.ok == (not report.errors)
    sheet = _outcome(lambda: result.batch("100 g"))
    if not isinstance(sheet, CompoundkitError):
        assert loads_toml(result.to_toml()) == result


def _json_text(data: Any) -> str | None:
    try:
        return json.dumps(data, allow_nan=False, default=str)
    except (ValueError, TypeError):
        return None


def _toml_text(data: Any) -> str | None:
    try:
        text: str = tomli_w.dumps(data)
    except (TypeError, ValueError):
        return None
    return text


@LOADER
@given(formula_dicts)
def test_formula_dicts_with_wrong_types(data: dict[str, Any]) -> None:
    _formula_ok(_outcome(lambda: formulation_from_dict(copy.deepcopy(data))))
    as_json = _json_text(data)
    if as_json is not None:
        _formula_ok(_outcome(lambda: loads_json(as_json)))
    as_toml = _toml_text(data)
    if as_toml is not None:
        _formula_ok(_outcome(lambda: loads_toml(as_toml)))


_TOML_PIECES = st.sampled_from(
    [
        'name = "x"\n',
        'dosage_form = "cream"\n',
        'vehicle = "plo"\n',
        "vehicle = { name = 'b', aqueous = true }\n",
        "[[ingredients]]\n",
        "[[excipients]]\n",
        'name = "ketoprofen"\n',
        'strength = "10 % w/w"\n',
        'amount = "14 g"\n',
        'makes = "100 g"\n',
        "[vehicle]\n",
        "a = [[[[[1]]]]]\n",
        "= \n",
        '"\n',
        "[",
        "]",
        "{",
        "}",
        "=",
        "\n",
        "nan",
        "9" * 50,
        "\x00",
        "\ufeff",
        "# comment\n",
    ]
)
toml_texts = st.one_of(st.text(max_size=300), st.lists(_TOML_PIECES, max_size=30).map("".join))
json_texts = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            ['{"name": "x"', ", ", "[", "]", "{", "}", ":", "NaN", '"', "1e999", "null"]
        ),
        max_size=30,
    ).map("".join),
)


@LOADER
@given(toml_texts)
def test_formula_toml_text(text: str) -> None:
    _formula_ok(_outcome(lambda: loads_toml(text)))


@LOADER
@given(json_texts)
def test_formula_json_text(text: str) -> None:
    _formula_ok(_outcome(lambda: loads_json(text)))


@LOADER
@given(st.binary(max_size=400), st.sampled_from([".toml", ".json"]))
def test_formula_file_bytes(raw: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"formula{suffix}"
        path.write_bytes(raw)
        _formula_ok(_outcome(lambda: load_formula(path)))


# --------------------------------------------------------------------------- catalogs


def _ketoprofen() -> dict[str, Any]:
    document = tomllib.loads((SHIPPED / "ketoprofen.toml").read_text(encoding="utf-8"))
    entry = document["ingredients"][0]
    entry.update(id="fuzz-ketoprofen", name="Fuzz Ketoprofen")
    entry.pop("trade_names", None)
    return document


_CATALOG = _ketoprofen()


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in a nested dict/list document."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


_CATALOG_PATHS = _paths(_CATALOG)


def _catalog_ok(result: object) -> None:
    _said(result)
    if isinstance(result, tuple):
        assert all(isinstance(item, Ingredient) for item in result)
    else:
        assert isinstance(result, CompoundkitError)


@LOADER
@given(st.lists(st.tuples(st.sampled_from(_CATALOG_PATHS), values), min_size=1, max_size=3))
def test_catalog_entries_with_wrong_values(changes: list[tuple[tuple[Any, ...], Any]]) -> None:
    document = copy.deepcopy(_CATALOG)
    for path, value in changes:
        node = document
        try:
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):  # an earlier change removed the path
            continue
    _catalog_ok(_outcome(lambda: ingredients.from_dict(document, file="fuzz")))
    as_toml = _toml_text(document)
    if as_toml is not None:
        _catalog_ok(_outcome(lambda: ingredients.from_toml(as_toml, file="fuzz.toml")))


@LOADER
@given(st.one_of(toml_texts, st.text(alphabet=string.printable, max_size=300)))
def test_catalog_toml_text(text: str) -> None:
    _catalog_ok(_outcome(lambda: ingredients.from_toml(text, file="fuzz.toml")))


@LOADER
@given(st.one_of(values, st.dictionaries(st.sampled_from(["ingredients", "x"]), values)))
def test_catalog_documents(document: Any) -> None:
    _catalog_ok(_outcome(lambda: ingredients.from_dict(document, file="fuzz")))


# --------------------------------------------------------------------------- record log

_KINDS = st.one_of(
    st.sampled_from(["compounding-record", "correction", "mfr", "Bad Kind", ""]),
    st.text(max_size=20),
)


@LOADER
@given(_KINDS, values, st.one_of(st.none(), _WORDS, values))
def test_record_log_appends(kind: str, payload: Any, formula: Any) -> None:
    with tempfile.TemporaryDirectory() as folder, RecordLog(Path(folder) / "r.db") as log:
        entry = _outcome(lambda: log.append(kind, payload, formula=formula))
        assert len(log) == (0 if isinstance(entry, CompoundkitError) else 1)
        assert log.verify().ok


@LOADER
@given(st.binary(max_size=2000))
def test_record_log_opens_any_file(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "records.db"
        path.write_bytes(raw)

        def open_log() -> int:
            with RecordLog(path) as log:
                return len(log)

        result = _outcome(open_log)
        assert isinstance(result, CompoundkitError | int)


# --------------------------------------------------------------------------- saved records


@functools.cache
def _saved_records() -> dict[str, dict[str, Any]]:
    """A valid MFR and CR as JSON documents, made by the CLI from the example formula."""
    from click.testing import CliRunner

    from compoundkit.cli import main

    formula = str(Path(__file__).resolve().parents[2] / "examples" / "muscle-spasm-cream.toml")
    runs = {
        "mfr": ["record", "mfr", formula, "--format", "json"],
        "cr": [
            *("record", "cr", formula, "--size", "120g", "--by", "A. Chen"),
            *("--verified-by", "B. Diaz", "--id", "RX-1", "--date", "2026-01-05"),
            *("--time", "09:00", "--draft", "--format", "json"),  # nothing weighed: a draft
        ],
    }
    made = {}
    for kind, args in runs.items():
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        made[kind] = json.loads(result.stdout)
    return made


def _record_ok(result: object) -> None:
    from compoundkit.records.cr import CompoundingRecord
    from compoundkit.records.mfr import MasterFormulationRecord
    from compoundkit.records.serialize import dumps_record, loads_record

    _said(result)
    if isinstance(result, CompoundkitError):
        return
    assert isinstance(result, MasterFormulationRecord | CompoundingRecord)
    assert loads_record(dumps_record(result, "json"), "json") == result  # saves back the same


@LOADER
@given(
    st.sampled_from(["mfr", "cr"]),
    st.lists(st.tuples(st.integers(min_value=0), record_values), min_size=1, max_size=3),
)
def test_saved_records_with_wrong_values(kind: str, changes: list[tuple[int, Any]]) -> None:
    from compoundkit.records.schema import record_from_dict
    from compoundkit.records.serialize import loads_record

    document = copy.deepcopy(_saved_records()[kind])
    for pick, value in changes:
        paths = _paths(document)
        path = paths[pick % len(paths)]
        node = document
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    _record_ok(_outcome(lambda: record_from_dict(copy.deepcopy(document))))
    as_json = _json_text(document)
    if as_json is not None:
        _record_ok(_outcome(lambda: loads_record(as_json, "json")))


@LOADER
@given(st.one_of(json_texts, toml_texts))
def test_saved_record_text(text: str) -> None:
    from compoundkit.records.serialize import loads_record

    _record_ok(_outcome(lambda: loads_record(text, "json")))
    _record_ok(_outcome(lambda: loads_record(text, "toml")))
