"""The hostile-input corpus (tests/corpus/): every case gives the right error, fast.

Each case names the error class and a fragment of its message (tests/corpus/README.md).
A case must fail with exactly that class (a ``CompoundkitError``), contain the fragment,
and take under a second. Formula and catalog files are also run through the CLI, which
must exit with the contract's code, print ``compoundkit: error: ...`` and never a
traceback, and leave no file behind.
"""

from __future__ import annotations

import builtins
import copy
import datetime as dt
import json
import math
import os
import re
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import tomli_w
from click.testing import CliRunner

import compoundkit.errors as errors
from compoundkit import ingredients
from compoundkit._files import check_output_path
from compoundkit.calc import Balance
from compoundkit.cli import main
from compoundkit.cli._common import InputError, handle_errors, write_output
from compoundkit.errors import CompoundkitError
from compoundkit.formulas import Amount, Excess, Potency, load_formula
from compoundkit.formulas.io import formulation_from_dict, loads_json, loads_toml
from compoundkit.records import RecordLog
from compoundkit.units import Strength, parse_quantity

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
REPO = CORPUS.parents[1]
EXAMPLES = REPO / "examples"
SHIPPED = Path(ingredients.__file__).parent / "data"
#: Every case must finish within this many seconds (generous for slow CI machines).
LIMIT_S = 1.0
_NULL = "<null>"


def _load(name: str) -> dict[str, Any]:
    with open(CORPUS / name, "rb") as handle:
        return tomllib.load(handle)


STRENGTHS = _load("strengths.toml")["case"]
QUANTITIES = _load("quantities.toml")["case"]
FORMULAS = _load("formulas.toml")
CATALOGS = _load("catalogs.toml")["case"]
RECORDS = _load("records.toml")["case"]
CLI = _load("cli.toml")


def _ids(cases: list[dict[str, Any]]) -> list[str]:
    return [case["id"] for case in cases]


def _error_class(name: str) -> type[CompoundkitError]:
    cls = getattr(errors, name, None)
    if cls is None:  # a few live beside the code that raises them
        from compoundkit.records import log

        cls = getattr(log, name)
    assert isinstance(cls, type), name
    assert issubclass(cls, CompoundkitError), name
    return cls


def _expect(case: dict[str, Any], action: Callable[[], object]) -> CompoundkitError:
    """Run ``action``: it must raise the case's error, with its message, within LIMIT_S."""
    cls = _error_class(case["error"])
    start = time.perf_counter()
    with pytest.raises(CompoundkitError) as info:
        action()
    elapsed = time.perf_counter() - start
    assert type(info.value) is cls, f"{case['id']}: {type(info.value).__name__}: {info.value}"
    assert case["message"] in str(info.value), f"{case['id']}: {info.value}"
    assert elapsed < LIMIT_S, f"{case['id']} took {elapsed:.2f} s"
    return info.value


def _text(case: dict[str, Any]) -> str:
    return str(case["input"]) * int(case.get("repeat", 1)) + str(case.get("then", ""))


def _snapshot(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*"))}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder (the current one) for a test to check nothing is left in."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def _cli(args: list[str], *, real: bool = False) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``compoundkit args``."""
    if real:
        done = subprocess.run(
            [sys.executable, "-m", "compoundkit", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            check=False,
        )
        return done.returncode, done.stdout, done.stderr
    result = CliRunner().invoke(main, args, prog_name="compoundkit", catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # an escaped exception: show its traceback in the failure
    return result.exit_code, result.stdout, result.stderr


def _no_traceback(stderr: str, stdout: str) -> None:
    assert "Traceback" not in stderr + stdout
    assert "Error:" not in stderr.replace("compoundkit: error:", "") or "Usage" in stderr


# --------------------------------------------------------------------------- the corpus itself


def test_every_case_has_a_unique_id_and_a_known_error() -> None:
    every = [
        *STRENGTHS,
        *QUANTITIES,
        *FORMULAS["case"],
        *CATALOGS,
        *RECORDS,
        *CLI["case"],
        *CLI["output"],
    ]
    kinds = {"strength", "amount", "size", "density", "potency", "excess", "balance"}
    for case in every:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", case["id"]), case["id"]
        if "error" in case:
            _error_class(case["error"])
            assert case["message"], case["id"]
        if "parser" in case:
            assert case["parser"] in kinds, case["id"]
    for group in (STRENGTHS, QUANTITIES, FORMULAS["case"], CATALOGS, RECORDS, CLI["case"]):
        assert len(set(_ids(group))) == len(group)
    listed = {
        case.get("file") or case["record_file"]
        for case in FORMULAS["case"] + CATALOGS + RECORDS
        if "file" in case or "record_file" in case
    }
    for name in listed:
        assert (CORPUS / name).is_file(), name
    on_disk = {
        str(p.relative_to(CORPUS))
        for folder in ("formulas", "catalogs", "records")
        for p in (CORPUS / folder).iterdir()
    }
    assert on_disk == listed, "every corpus file is a case, and every case file exists"


def test_corpus_files_are_small() -> None:
    for path in CORPUS.rglob("*"):
        assert path.stat().st_size < 64_000, f"{path}: build large inputs at test time"


# --------------------------------------------------------------------------- texts


@pytest.mark.parametrize("case", STRENGTHS, ids=_ids(STRENGTHS))
def test_strength(case: dict[str, Any]) -> None:
    _expect(case, lambda: Strength.parse(_text(case)))


_PARSERS: dict[str, Callable[[str], object]] = {
    "amount": Amount.parse,
    "size": parse_quantity,
    "density": lambda text: Strength.parse("10 % w/w").to("% w/v", density=text),
    "potency": Potency.parse,
    "excess": Excess.parse,
    "balance": Balance.parse,
}


@pytest.mark.parametrize("case", QUANTITIES, ids=_ids(QUANTITIES))
def test_quantity_text(case: dict[str, Any]) -> None:
    _expect(case, lambda: _PARSERS[case["parser"]](_text(case)))


# --------------------------------------------------------------------------- formulas


def _formula_file(case: dict[str, Any], folder: Path) -> Path:
    """The case's file: from the corpus, or generated into ``folder``."""
    if "file" in case:
        return CORPUS / case["file"]
    kind = case["generate"]
    head = 'name = "Big"\ndosage_form = "cream"\nvehicle = "plo"\n'
    ingredient = '[[ingredients]]\nname = "ketoprofen"\nstrength = "1 % w/w"\n'
    if kind == "10mb-toml":
        path = folder / "ten-mb.toml"
        path.write_text(head + ingredient + "# " + "x" * 10_000_000 + "\n", encoding="utf-8")
    elif kind == "10mb-json":
        path = folder / "ten-mb.json"
        path.write_text('{"name": "Big"' + " " * 10_000_000 + "}", encoding="utf-8")
    elif kind == "101-ingredients":
        path = folder / "many.toml"
        path.write_text(head + ingredient * 101, encoding="utf-8")
    elif kind == "long-name":
        path = folder / "long-name.toml"
        path.write_text(head.replace('"Big"', '"' + "n" * 5000 + '"') + ingredient)
    elif kind == "folder":
        path = folder / "a-folder.toml"
        path.mkdir()
    elif kind == "missing":
        path = folder / "missing.toml"
    else:  # pragma: no cover - a typo in the corpus
        raise AssertionError(f"unknown generator {kind!r}")
    return path


def _formula_marks(case: dict[str, Any]) -> list[pytest.MarkDecorator]:
    """A strict xfail for a case whose ``known_bug`` (``"OverflowError: ..."``) is unfixed."""
    if "known_bug" not in case:
        return []
    raises = getattr(builtins, case["known_bug"].split(":")[0])
    return [pytest.mark.xfail(raises=raises, reason=case["known_bug"], strict=True)]


FORMULA_CASES = [pytest.param(c, id=c["id"], marks=_formula_marks(c)) for c in FORMULAS["case"]]
RECORD_CASES = [pytest.param(c, id=c["id"], marks=_formula_marks(c)) for c in RECORDS]


@pytest.mark.parametrize("case", FORMULA_CASES)
def test_formula_file(case: dict[str, Any], tmp_path: Path) -> None:
    path = _formula_file(case, tmp_path)
    if case.get("stage", "load") == "check":
        formulation = load_formula(path)
        err = _expect(case, formulation.check)
        assert isinstance(err, errors.FormulationError)
        assert case["code"] in {finding.code for finding in err.findings}  # type: ignore[attr-defined]
    else:
        _expect(case, lambda: load_formula(path))


@pytest.mark.parametrize("case", FORMULA_CASES)
def test_formula_file_through_the_cli(case: dict[str, Any], tmp_path: Path, workdir: Path) -> None:
    path = _formula_file(case, tmp_path)
    before = _snapshot(workdir)
    start = time.perf_counter()
    code, out, err = _cli(["check", str(path)])
    assert time.perf_counter() - start < LIMIT_S
    _no_traceback(err, out)
    if case.get("stage", "load") == "check":
        assert code == 1
        assert case["code"] in out
    else:
        assert code == 2, err
        assert err.startswith("compoundkit: error: ")
        assert case["message"] in err
    assert _snapshot(workdir) == before


def _set(document: Any, path: str, value: Any) -> None:
    """Set ``a.b[0].c`` in a nested dict/list (appending when the index is the length)."""
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)
    node = document
    for part in parts[:-1]:
        node = node[int(part[1:-1])] if part.startswith("[") else node[part]
    last = parts[-1]
    if last.startswith("["):
        index = int(last[1:-1])
        if index == len(node):
            node.append(value)
        else:
            node[index] = value
    else:
        node[last] = value


def _get(document: Any, path: str) -> Any:
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        document = document[int(part[1:-1])] if part.startswith("[") else document[part]
    return document


_ALL_VALUES = list(FORMULAS["wrong_values"])
WRONG_TYPES = [
    pytest.param(item["field"], item["message"], value, id=f"{item['field']}={value}")
    for item in FORMULAS["wrong_type"]
    for value in item.get("values", _ALL_VALUES)
]


def _json_safe(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return not isinstance(value, dt.date)


@pytest.mark.parametrize(("field", "message", "value_name"), WRONG_TYPES)
def test_wrong_type_in_every_field(field: str, message: str, value_name: str) -> None:
    raw = FORMULAS["wrong_values"][value_name]
    value = None if raw == _NULL else copy.deepcopy(raw)
    document = copy.deepcopy(FORMULAS["base"])
    if field.startswith("vehicle."):
        document["vehicle"] = copy.deepcopy(FORMULAS["vehicle_base"])
    formulation_from_dict(copy.deepcopy(document))  # the base itself is valid
    _set(document, field, value)
    case = {"id": field, "error": "FormulaFileError", "message": message}
    loaders: list[Callable[[], object]] = [lambda: formulation_from_dict(document)]
    if _json_safe(value):
        loaders.append(lambda: loads_json(json.dumps(document)))
    if value is not None:
        loaders.append(lambda: loads_toml(tomli_w.dumps(document)))
    for load in loaders:
        err = _expect(case, load)
        assert field in str(err), str(err)


# --------------------------------------------------------------------------- catalogs


def _catalog_document() -> dict[str, Any]:
    document = tomllib.loads((SHIPPED / "ketoprofen.toml").read_text(encoding="utf-8"))
    entry = document["ingredients"][0]
    entry.update(id="corpus-ketoprofen", name="Corpus Ketoprofen")
    entry.pop("trade_names", None)
    return document


def _catalog_patched(case: dict[str, Any]) -> dict[str, Any]:
    document = _catalog_document()
    value = json.loads(case["value_json"]) if "value_json" in case else case.get("value")
    if "copy_from" in case:
        value = copy.deepcopy(_get(document, case["copy_from"]))
    _set(document, case["set"], value)
    return document


def _catalog_file(case: dict[str, Any], folder: Path) -> Path:
    if "file" in case:
        return CORPUS / case["file"]
    kind = case["generate"]
    path = folder / f"{kind}.toml"
    if kind == "10mb":
        entries = "".join(f'k{i} = "{"v" * 90}"\n' for i in range(110_000))
        path.write_text("schema_version = 1\n" + entries, encoding="utf-8")
    elif kind == "folder":
        path.mkdir()
    elif kind != "missing":  # pragma: no cover - a typo in the corpus
        raise AssertionError(f"unknown generator {kind!r}")
    return path


@pytest.fixture
def clean_catalog() -> Iterator[None]:
    before = ingredients.ids()
    yield
    assert ingredients.ids() == before, "a refused catalog registered something"
    ingredients.reset()


@pytest.mark.usefixtures("clean_catalog")
@pytest.mark.parametrize("case", CATALOGS, ids=_ids(CATALOGS))
def test_catalog(case: dict[str, Any], tmp_path: Path) -> None:
    if "set" not in case:
        path = _catalog_file(case, tmp_path)
        _expect(case, lambda: ingredients.load_file(path))
        return
    document = _catalog_patched(case)
    if not case.get("register"):
        _expect(case, lambda: ingredients.from_dict(copy.deepcopy(document)))
    if _get(document, case["set"]) is not None:  # TOML has no null
        path = tmp_path / f"{case['id']}.toml"
        path.write_text(tomli_w.dumps(document), encoding="utf-8")
        _expect(case, lambda: ingredients.load_file(path))


CATALOG_FILES = [case for case in CATALOGS if "set" not in case]


@pytest.mark.usefixtures("clean_catalog")
@pytest.mark.parametrize("case", CATALOG_FILES, ids=_ids(CATALOG_FILES))
def test_catalog_through_the_cli(case: dict[str, Any], tmp_path: Path, workdir: Path) -> None:
    path = _catalog_file(case, tmp_path)
    before = _snapshot(workdir)
    start = time.perf_counter()
    code, out, err = _cli(["--catalog", str(path), "ingredients"])
    assert time.perf_counter() - start < LIMIT_S
    _no_traceback(err, out)
    assert code == 2
    assert err.startswith("compoundkit: error: ")
    assert case["message"] in err
    assert _snapshot(workdir) == before


# --------------------------------------------------------------------------- records


def _log_path(case: dict[str, Any], folder: Path) -> Path | str:
    if "file" in case:
        path = folder / Path(case["file"]).name
        path.write_bytes((CORPUS / case["file"]).read_bytes())
        return path
    kind = case["generate"]
    if kind == "foreign-sqlite":
        import sqlite3

        path = folder / "other-app.db"
        connection = sqlite3.connect(path)
        with connection:
            connection.execute("CREATE TABLE patients (name TEXT)")
        connection.close()
        return path
    if kind == "folder":
        return folder
    if kind == "missing-folder":
        return folder / "no-such-folder" / "records.db"
    if kind == "nul-in-path":
        return str(folder / "rec\x00ords.db")
    raise AssertionError(f"unknown generator {kind!r}")  # pragma: no cover


class _Opaque:
    """Something with no JSON form."""


_PAYLOADS: dict[str, Callable[[], Any]] = {
    "list": lambda: ["RX-1"],
    "int-key": lambda: {1: "RX-1"},
    "object": lambda: {"rx": _Opaque()},
    "5mb": lambda: {"notes": "x" * 5_000_000},
    "huge-int": lambda: {"qty": 10**5000},
}


@pytest.fixture(scope="module")
def saved_records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """A valid MFR and CR (JSON documents), made by the CLI from the example formula."""
    folder = tmp_path_factory.mktemp("records")
    formula = str(EXAMPLES / "muscle-spasm-cream.toml")
    runs = {
        "mfr": ["record", "mfr", formula, "--author", "A. Chen"],
        "cr": [
            *("record", "cr", formula, "--size", "120g", "--by", "A. Chen"),
            *("--verified-by", "B. Diaz", "--id", "RX-1", "--date", "2026-01-05"),
            *("--time", "09:00", "--draft"),  # nothing weighed: a draft
        ],
    }
    made = {}
    for kind, args in runs.items():
        target = folder / f"{kind}.json"
        code, _, err = _cli([*args, "-o", str(target)])
        assert code == 0, err
        made[kind] = json.loads(target.read_text(encoding="utf-8"))
    return made


def _open_log_case(case: dict[str, Any], tmp_path: Path) -> None:
    path = _log_path(case, tmp_path)
    before = Path(path).read_bytes() if Path(path).is_file() else None

    def open_log() -> None:
        with RecordLog(path):
            pass

    _expect(case, open_log)
    if before is not None:
        assert Path(path).read_bytes() == before, "a refused file was changed"


def _record_case(case: dict[str, Any], tmp_path: Path, saved: dict[str, dict[str, Any]]) -> None:
    from compoundkit.records import schema, serialize

    if "record_file" in case:
        _expect(case, lambda: serialize.load_record(CORPUS / case["record_file"]))
        return
    if "record_generate" in case:
        path = tmp_path / "big-record.json"
        path.write_text('{"schema": "compoundkit.mfr"' + " " * 10_000_000 + "}")
        _expect(case, lambda: serialize.load_record(path))
        return
    document = copy.deepcopy(saved[case["record"]])
    schema.record_from_dict(copy.deepcopy(document))  # the base itself is valid
    value = json.loads(case["value_json"]) if "value_json" in case else case["value"]
    _set(document, case["set"], value)
    _expect(case, lambda: schema.record_from_dict(copy.deepcopy(document)))
    if _json_safe(value):
        _expect(case, lambda: serialize.loads_record(json.dumps(document), "json"))


@pytest.mark.parametrize("case", RECORD_CASES)
def test_record_log(
    case: dict[str, Any], tmp_path: Path, saved_records: dict[str, dict[str, Any]]
) -> None:
    if "file" in case or "generate" in case:
        _open_log_case(case, tmp_path)
        return
    if "kind" not in case:
        _record_case(case, tmp_path, saved_records)
        return
    payload = _PAYLOADS[case["payload_generate"]]() if "payload_generate" in case else None
    with RecordLog(tmp_path / "records.db") as log:
        _expect(case, lambda: log.append(case["kind"], payload or case["payload"]))
        assert len(log) == 0
        assert log.verify().ok


# --------------------------------------------------------------------------- command line


def _args(case: dict[str, Any]) -> list[str]:
    return [
        arg.replace("{examples}", str(EXAMPLES)).replace("{corpus}", str(CORPUS))
        for arg in case["args"]
    ]


@pytest.mark.parametrize("case", CLI["case"], ids=_ids(CLI["case"]))
def test_command_line(case: dict[str, Any], workdir: Path) -> None:
    before = _snapshot(workdir)
    start = time.perf_counter()
    code, out, err = _cli(_args(case), real=case.get("subprocess", False))
    elapsed = time.perf_counter() - start
    _no_traceback(err, out)
    assert code == case["exit"], err
    assert case["stderr"] in err
    if "not_stderr" in case:
        assert case["not_stderr"] not in err
    if case["exit"] == 2 and "Usage" not in err:
        assert err.startswith("compoundkit: error: "), err
    assert _snapshot(workdir) == before, "files left behind"
    assert elapsed < (5 * LIMIT_S if case.get("subprocess") else LIMIT_S)


def test_some_command_lines_run_through_the_real_entry_point() -> None:
    assert 3 <= sum(bool(case.get("subprocess")) for case in CLI["case"]) <= 8


@click.command()
@click.argument("path")
def _writer(path: str) -> None:
    with handle_errors():
        write_output("data that must not be written\n", path)


@pytest.mark.parametrize("case", CLI["output"], ids=_ids(CLI["output"]))
def test_output_path_is_refused(case: dict[str, Any], workdir: Path) -> None:
    (workdir / "sub").mkdir()
    outside = sorted(p.name for p in workdir.parent.iterdir())
    before = _snapshot(workdir)
    with pytest.raises(errors.OutputPathError, match=re.escape(case["message"])):
        check_output_path(case["path"])
    result = CliRunner().invoke(_writer, [case["path"]], catch_exceptions=True)
    assert result.exit_code == InputError.exit_code == 2
    assert result.stderr.startswith("compoundkit: error: ")
    assert case["message"] in result.stderr
    assert "Traceback" not in result.output
    assert _snapshot(workdir) == before
    assert sorted(p.name for p in workdir.parent.iterdir()) == outside


def test_a_refused_write_leaves_no_temporary_file(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails half-way leaves neither the target nor a temporary file."""
    from compoundkit import _files

    def full_disk(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_files.os, "fsync", full_disk)
    result = CliRunner().invoke(_writer, ["sheet.csv"], catch_exceptions=True)
    assert result.exit_code == 2
    assert "sheet.csv: the disk is full (no space left on device); nothing was written" in (
        result.stderr
    )
    assert list(workdir.iterdir()) == []
